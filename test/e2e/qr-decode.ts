// A small QR decoder written from ISO/IEC 18004 for the tests, so "the page shows a scannable QR"
// is checked by reading the image back, not by comparing with the encoder's own output.
// Scope: versions 1–6 (no version-information block), any error-correction level's format
// word, codeword blocks for level M only (the level the server asks for), numeric,
// alphanumeric and byte segments. Reed–Solomon is checked (all syndromes zero), not corrected.

export type QrMatrix = readonly (readonly boolean[])[]; // [row][column], true = dark

const VERSION_MAX = 6;
/** Level M: total codewords per version, and [blocks, data codewords per block] (ISO 18004 table 9). */
const LEVEL_M_BLOCKS: Readonly<Record<number, { total: number; blocks: number; dataPerBlock: number }>> = {
  1: { total: 26, blocks: 1, dataPerBlock: 16 },
  2: { total: 44, blocks: 1, dataPerBlock: 28 },
  3: { total: 70, blocks: 1, dataPerBlock: 44 },
  4: { total: 100, blocks: 2, dataPerBlock: 32 },
  5: { total: 134, blocks: 2, dataPerBlock: 43 },
  6: { total: 172, blocks: 4, dataPerBlock: 27 },
};
const FORMAT_MASK = 0x5412;
const FORMAT_GENERATOR = 0x537;
const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

const MASKS: readonly ((row: number, column: number) => boolean)[] = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_i, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i + j) % 2) + ((i * j) % 3)) % 2 === 0,
];

export interface Decoded {
  readonly text: string;
  readonly version: number;
  readonly level: 'L' | 'M' | 'Q' | 'H';
  readonly mask: number;
}

export function decodeQr(matrix: QrMatrix): Decoded {
  const size = matrix.length;
  const version = (size - 17) / 4;
  if (!Number.isInteger(version) || version < 1 || version > VERSION_MAX) throw new Error(`unsupported size ${size}`);
  if (matrix.some((row) => row.length !== size)) throw new Error('not square');
  const { level, mask } = readFormat(matrix);
  if (level !== 'M') throw new Error(`level ${level}: only M's block table is here`);
  const codewords = readCodewords(matrix, version, mask);
  const data = deinterleave(codewords, LEVEL_M_BLOCKS[version]!);
  return { text: parseSegments(data, version), version, level, mask };
}

/** Format word around the top-left finder, MSB first (ISO 18004 7.9, figure 25). */
function readFormat(matrix: QrMatrix): { level: Decoded['level']; mask: number } {
  const cells: [number, number][] = [];
  for (let column = 0; column <= 5; column++) cells.push([8, column]);
  cells.push([8, 7], [8, 8], [7, 8]);
  for (let row = 5; row >= 0; row--) cells.push([row, 8]);
  let word = 0;
  for (const [row, column] of cells) word = (word << 1) | (matrix[row]![column] ? 1 : 0);
  // The BCH(15,5) codeword is XORed with the mask pattern before it is drawn (ISO 18004 7.9.1).
  const format = word ^ FORMAT_MASK;
  if (bchRemainder(format) !== 0) throw new Error(`format word ${word.toString(2)} fails its BCH check`);
  const level = (['M', 'L', 'H', 'Q'] as const)[format >> 13]!;
  return { level, mask: (format >> 10) & 0b111 };
}

function bchRemainder(word: number): number {
  let value = word;
  for (let bit = 14; bit >= 10; bit--) if ((value >> bit) & 1) value ^= FORMAT_GENERATOR << (bit - 10);
  return value;
}

function isFunctionModule(version: number, size: number, row: number, column: number): boolean {
  if (row <= 8 && column <= 8) return true; // top-left finder, separator, format
  if (row <= 8 && column >= size - 8) return true; // top-right finder, separator, format
  if (row >= size - 8 && column <= 8) return true; // bottom-left finder, separator, format, dark module
  if (row === 6 || column === 6) return true; // timing patterns
  if (version >= 2 && Math.abs(row - (size - 7)) <= 2 && Math.abs(column - (size - 7)) <= 2) return true; // the one alignment pattern of v2–6
  return false;
}

/** The zigzag: column pairs from the right, up then down, skipping the vertical timing column. */
function readCodewords(matrix: QrMatrix, version: number, mask: number): number[] {
  const size = matrix.length;
  const total = LEVEL_M_BLOCKS[version]!.total;
  const bytes: number[] = [];
  let current = 0;
  let bitCount = 0;
  let upward = true;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right -= 1;
    for (let step = 0; step < size; step++) {
      const row = upward ? size - 1 - step : step;
      for (const column of [right, right - 1]) {
        if (isFunctionModule(version, size, row, column)) continue;
        const dark = matrix[row]![column]! !== MASKS[mask]!(row, column);
        current = (current << 1) | (dark ? 1 : 0);
        bitCount += 1;
        if (bitCount % 8 === 0) {
          bytes.push(current);
          current = 0;
        }
      }
    }
    upward = !upward;
  }
  if (bytes.length < total) throw new Error(`read ${bytes.length} codewords, expected ${total}`);
  return bytes.slice(0, total);
}

function deinterleave(
  codewords: readonly number[],
  layout: { total: number; blocks: number; dataPerBlock: number },
): number[] {
  const ecPerBlock = layout.total / layout.blocks - layout.dataPerBlock;
  const blocks = Array.from({ length: layout.blocks }, () => [] as number[]);
  let index = 0;
  for (let position = 0; position < layout.dataPerBlock + ecPerBlock; position++) {
    for (const block of blocks) block.push(codewords[index++]!);
  }
  for (const block of blocks) {
    if (!syndromesAreZero(block, ecPerBlock)) throw new Error('a block fails its Reed–Solomon check');
  }
  return blocks.flatMap((block) => block.slice(0, layout.dataPerBlock));
}

/** GF(256) with x^8+x^4+x^3+x^2+1; the generator's roots are α^0..α^(n-1). */
function syndromesAreZero(block: readonly number[], ecCount: number): boolean {
  const exp: number[] = [];
  const log: number[] = new Array(256).fill(0);
  let value = 1;
  for (let power = 0; power < 255; power++) {
    exp.push(value);
    log[value] = power;
    value <<= 1;
    if (value & 0x100) value ^= 0x11d;
  }
  const multiply = (a: number, b: number) => (a === 0 || b === 0 ? 0 : exp[(log[a]! + log[b]!) % 255]!);
  for (let root = 0; root < ecCount; root++) {
    let syndrome = 0;
    for (const codeword of block) syndrome = multiply(syndrome, exp[root]!) ^ codeword;
    if (syndrome !== 0) return false;
  }
  return true;
}

function parseSegments(data: readonly number[], version: number): string {
  const bits = data.flatMap((byte) => [7, 6, 5, 4, 3, 2, 1, 0].map((shift) => (byte >> shift) & 1));
  let position = 0;
  const take = (count: number): number => {
    if (position + count > bits.length) throw new Error('segment runs past the data');
    let value = 0;
    for (let index = 0; index < count; index++) value = (value << 1) | bits[position++]!;
    return value;
  };
  if (version > 9) throw new Error('count widths here are for versions 1–9');
  const bytes: number[] = [];
  while (bits.length - position >= 4) {
    const mode = take(4);
    if (mode === 0) break; // terminator
    if (mode === 0b0001) {
      let count = take(10);
      for (; count >= 3; count -= 3) bytes.push(...[...String(take(10)).padStart(3, '0')].map((c) => c.charCodeAt(0)));
      if (count === 2) bytes.push(...[...String(take(7)).padStart(2, '0')].map((c) => c.charCodeAt(0)));
      if (count === 1) bytes.push(String(take(4)).charCodeAt(0));
    } else if (mode === 0b0010) {
      let count = take(9);
      for (; count >= 2; count -= 2) {
        const pair = take(11);
        bytes.push(ALPHANUMERIC.charCodeAt(Math.floor(pair / 45)), ALPHANUMERIC.charCodeAt(pair % 45));
      }
      if (count === 1) bytes.push(ALPHANUMERIC.charCodeAt(take(6)));
    } else if (mode === 0b0100) {
      const count = take(8);
      for (let index = 0; index < count; index++) bytes.push(take(8));
    } else {
      throw new Error(`unsupported mode ${mode.toString(2)}`);
    }
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
}
