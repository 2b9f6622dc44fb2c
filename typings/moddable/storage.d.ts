// Persistent storage used by the board: ECMA-419 flash partitions and Moddable's Preference (NVS).
// Sources: documentation/files/files.md (Preference: domain/key, ESP32 NVS limits key 15
// characters, value 4000 bytes; values Boolean, integer, String or ArrayBuffer); the Moddable
// docs' Persistent Storage overview (`flash.open({path})`, "Opening flash partitions by name,
// reading and writing raw data at byte offsets, erasing blocks, querying partition size and block
// information"); argument order of read/write/eraseBlock and the status() fields are from
// Moddable's ESP32 implementation (modules/io/flash/esp32).

declare module 'embedded:storage/flash' {
  export interface FlashStatus {
    /** Partition size in bytes. */
    readonly size: number;
    /** Erase block size in bytes (4096 on ESP32 SPI NOR). */
    readonly blockLength: number;
    readonly blocks: number;
  }
  export interface FlashPartition {
    /** Reads `into.byteLength` bytes at `position` into `into`; returns the count. Throws on failure. */
    read(into: ArrayBufferView, position: number): number;
    /** Programs the bytes of `from` at `position`. Throws on failure. */
    write(from: ArrayBufferView, position: number): void;
    /** Erases block `start` (up to, not including, `stop`). Throws on failure. */
    eraseBlock(start: number, stop?: number): void;
    status(): FlashStatus;
    close(): void;
  }
  const flash: {
    open(options: { readonly path: string; readonly mode?: 'r' | 'r+' }): FlashPartition;
  };
  export default flash;
}

declare module 'preference' {
  type PreferenceValue = boolean | number | string | ArrayBuffer;
  const Preference: {
    get(domain: string, key: string): PreferenceValue | undefined;
    set(domain: string, key: string, value: PreferenceValue): void;
    delete(domain: string, key: string): void;
  };
  export default Preference;
}

declare module 'Resource' {
  /** A resource from the build's `data`/`resources`, as a read-only host buffer. */
  export default class Resource extends ArrayBuffer {
    constructor(path: string);
    static exists(path: string): boolean;
  }
}
