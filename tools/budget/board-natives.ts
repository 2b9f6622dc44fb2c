// Stand-ins for the board's native modules, so the budget can run the board's own JavaScript
// around them in xsnap (tools/xs/bundle.mjs maps 'crc' and 'atm/native' here): each host call
// of the SDK's CRC16 (modules/data/crc/crc.js: a method that calls its C function) and of
// atm/native is a call that returns at once. What the board spends inside C is not XS compute.
// The numbers they return are not CRCs: only what they cost is used (tools/budget/xs-ledger-entry.ts, xs-machine-entry.ts).
function hostCall(): number {
  return 0;
}

export class CRC16 {
  constructor(
    _polynomial: number,
    _initial?: number,
    _reflectInput?: boolean,
    _reflectOutput?: boolean,
    _xorOutput?: number,
  ) {
    hostCall();
  }

  close(): void {
    hostCall();
  }

  checksum(_bytes: ArrayBufferView | ArrayBuffer): number {
    return hostCall();
  }

  reset(): this {
    hostCall();
    return this;
  }
}

export function crc32(_crc: number, _bytes: Uint8Array, _start: number, _end: number): number {
  return hostCall();
}
