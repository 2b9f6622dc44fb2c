// Globals the XS runtime provides on a Moddable device.
// Source: documentation/base/base.md (trace is used throughout Moddable's examples and docs).

/** Writes to the debug console (xsbug in debug builds; the serial log otherwise). */
declare function trace(...values: unknown[]): void;

// XS extensions to built-ins (documentation/xs/XS Differences.md; used across Moddable's
// network examples): string <-> ArrayBuffer without TextEncoder/TextDecoder.
interface ArrayBufferConstructor {
  fromString(text: string): ArrayBuffer;
}
interface StringConstructor {
  fromArrayBuffer(buffer: ArrayBuffer): string;
}
