// `npm run ledger:inspect -- <image> [--sector-size 4096] [--page-size 256] [--first-sector 0]
// [--sector-count N] [--records-max N]`: decodes a ledger flash image into a table of sectors
// (header, role, erase count, records, how the record stream ends) and of records, flagging
// torn and corrupt ones. Read-only: the mount it reports runs on a copy of the image.
import fs from 'node:fs';
import type { FlashGeometry } from '../../hal/ports';
import { NorFlashEmulator } from '../../hal/sim/nor-flash';
import { HEADER_BYTES, parseHeader, SectorHeader, SectorScanner } from '../../src/ledger/format';
import type { StreamEnd } from '../../src/ledger/format';
import { Ledger } from '../../src/ledger/ledger';
import { decodeRecord, SEQUENCE_MAX } from '../../src/ledger/records';

export interface InspectOptions {
  readonly sectorSizeBytes?: number;
  readonly pageSizeBytes?: number;
  readonly firstSector?: number;
  readonly sectorCount?: number;
  /** Records listed per sector (the count is always shown). */
  readonly recordsMax?: number;
}

const END_FLAGS: Record<StreamEnd, string> = {
  full: 'sector full',
  blank: 'erased from here',
  torn: 'TORN: a record body without its commit mark',
  commit: 'TORN: a half-programmed commit mark',
  corrupt: 'CORRUPT: a commit mark over bytes that fail the CRC or ranges',
  sequence: 'CORRUPT: a whole record with an unexpected sequence',
  limit: 'records beyond where the next sector begins (ignored)',
  io: 'READ ERROR',
};

function describe(record: Record<string, unknown>): string {
  return Object.entries(record)
    .filter(([key]) => key !== 'kind')
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

/** The inspection of an image, as printable lines. */
export function inspectImage(image: Uint8Array, options: InspectOptions = {}): string[] {
  const sectorBytes = options.sectorSizeBytes ?? 4096;
  const geometry: FlashGeometry = {
    sizeBytes: image.length,
    sectorSizeBytes: sectorBytes,
    pageSizeBytes: options.pageSizeBytes ?? 256,
  };
  const firstSector = options.firstSector ?? 0;
  const sectorCount = options.sectorCount ?? image.length / sectorBytes - firstSector;
  const recordsMax = options.recordsMax ?? 20;
  const lines: string[] = [];
  const ledger = Ledger.mount(new NorFlashEmulator(geometry, image.slice()), { firstSector, sectorCount });
  const stats = ledger.stats();
  lines.push(
    `mount: head ${ledger.headSequence}, tail ${ledger.tailSequence}, acked ${ledger.ackedSequence}, ` +
      `${stats.unsyncedRecords} unsynced, ${stats.usedBytes}/${stats.capacityBytes} bytes used, ${stats.freeSectors} free sectors`,
  );
  const report = ledger.mountReport;
  lines.push(
    `mount report: ${report.recordsFound} records, ${report.skipped} skipped, ${report.tornRecords} torn, ${report.sectorsErased} blank sectors`,
  );
  for (const note of report.notes) lines.push(`  note: ${note}`);
  const roles = ledger.sectorStates();
  const flash = new NorFlashEmulator(geometry, image.slice());
  const header = new SectorHeader();
  const scanner = new SectorScanner();
  lines.push('');
  lines.push('sector  role    header   sector-seq  first-seq  erases  records  stream end');
  const details: string[] = [];
  for (let index = 0; index < sectorCount; index++) {
    const base = (firstSector + index) * sectorBytes;
    parseHeader(image.subarray(base, base + HEADER_BYTES), header);
    const ours = header.kind === 'valid';
    let records = 0;
    let end = '';
    if (ours) {
      scanner.begin(flash, base, sectorBytes, HEADER_BYTES, header.firstSequence, SEQUENCE_MAX);
      details.push(`sector ${index} (sector sequence ${header.sectorSequence}, first record ${header.firstSequence}):`);
      while (scanner.next()) {
        records++;
        if (records <= recordsMax) {
          const record = decodeRecord(scanner.window, scanner.recordWindowIndex) as unknown as Record<string, unknown>;
          details.push(
            `  ${String(scanner.recordOffset).padStart(5)}  #${scanner.parsed.sequence}  ${String(record.kind).padEnd(18)} ${describe(record)}`,
          );
        }
      }
      if (records > recordsMax) details.push(`  ... ${records - recordsMax} more records`);
      if (scanner.zappedBytes > 0)
        details.push(`  ${scanner.zappedBytes} zapped bytes (tails abandoned at mounts after a power cut)`);
      end = `${END_FLAGS[scanner.end]} at ${scanner.position}`;
      details.push(`  ${scanner.position}: ${end}`);
      let garbage = 0;
      for (let offset = scanner.position; offset < sectorBytes; offset++) if (image[base + offset] !== 0xff) garbage++;
      if (scanner.end !== 'full' && scanner.end !== 'blank' && garbage > 0)
        details.push(`  ${garbage} non-erased bytes after the stream end`);
    }
    const headerText = header.kind === 'foreign' ? `v${header.version}` : header.kind;
    lines.push(
      `${String(index).padStart(6)}  ${roles[index].padEnd(6)}  ${headerText.padEnd(7)}  ` +
        `${(ours ? String(header.sectorSequence) : '-').padStart(10)}  ${(ours ? String(header.firstSequence) : '-').padStart(9)}  ` +
        `${(ours ? String(header.eraseCount) : '-').padStart(6)}  ${(ours ? String(records) : '-').padStart(7)}  ${end}`,
    );
  }
  lines.push('');
  lines.push(...details);
  return lines;
}

function main(argv: readonly string[]): void {
  const options: Record<string, number> = {};
  let imagePath: string | undefined;
  const names: Record<string, string> = {
    '--sector-size': 'sectorSizeBytes',
    '--page-size': 'pageSizeBytes',
    '--first-sector': 'firstSector',
    '--sector-count': 'sectorCount',
    '--records-max': 'recordsMax',
  };
  for (let index = 0; index < argv.length; index++) {
    const name = names[argv[index]];
    if (name !== undefined) options[name] = Number(argv[++index]);
    else if (imagePath === undefined && !argv[index].startsWith('--')) imagePath = argv[index];
    else throw new Error(`unknown argument ${argv[index]}`);
  }
  if (imagePath === undefined)
    throw new Error(
      'usage: ledger:inspect <image> [--sector-size 4096] [--page-size 256] [--first-sector 0] [--sector-count N] [--records-max N]',
    );
  const image = new Uint8Array(fs.readFileSync(imagePath));
  for (const line of inspectImage(image, options)) console.log(line);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
}
