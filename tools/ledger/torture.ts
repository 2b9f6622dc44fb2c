// `npm run torture`: cut the power at every program and erase a seeded deposit workload
// makes (a linear sweep), or at every pair of operations on a small workload (two-deep: a cut,
// then another cut anywhere in the mount and the work that follows). After each cut the
// flash is remounted and checked:
//   - mount neither throws nor fails on the powered part, and never programs a 0 -> 1;
//   - every record whose append had returned is present once and identical (unless the bank
//     had acknowledged it and its sector was reclaimed: then the tail is past it);
//   - the append the cut interrupted is either absent or whole;
//   - sequences are contiguous from the tail to the head;
//   - the ack cursor is at or below the head, and is the last acknowledged value (or the one
//     being written);
//   - no record above the bank's acknowledgement was erased (tail <= acked + 1);
//   - mounting twice gives the same state.
// Each cut forks the part at the operation (snapshot, then the operation runs damaged on the
// copy), so a sweep costs one run of the workload plus one check per cut.
//
// Usage: npm run torture -- [--seed N] [--mode sweep|two-deep] [--quick]
import type { FlashGeometry } from '../../hal/ports';
import { NorFlashEmulator } from '../../hal/sim/nor-flash';
import type { FlashOperation } from '../../hal/sim/nor-flash';
import { HEADER_BYTES } from '../../src/ledger/format';
import { type AppendResult, Ledger } from '../../src/ledger/ledger';
import type { LedgerRecord } from '../../src/ledger/records';
import { sameRecord } from '../../src/ledger/records';
import { makeWorkload, TORTURE_GEOMETRY, TORTURE_GEOMETRY_SMALL, TORTURE_GEOMETRY_TINY } from './workload';
import type { WorkloadOptions, WorkloadStep } from './workload';

export type TortureMode = 'sweep' | 'two-deep';
/** Deliberate breakage, to prove the checker sees it: */
export type Sabotage =
  | 'none'
  /** after the cut, clear a byte inside an acknowledged (returned) record */
  | 'corrupt-acknowledged'
  /** the flash programs each record's commit mark before its body (the commit-last rule bypassed) */
  | 'commit-first';

export interface TortureOptions {
  readonly seed: number;
  readonly mode: TortureMode;
  readonly quick: boolean;
  readonly sabotage?: Sabotage;
  /** Stop collecting after this many violations (the count goes on). */
  readonly violationsKeptMax?: number;
}

export interface TortureResult {
  readonly mode: TortureMode;
  readonly seed: number;
  readonly operations: number;
  readonly cutsTried: number;
  readonly violationCount: number;
  readonly violations: string[];
  readonly appendsFull: number;
  readonly recordsWritten: number;
  readonly damages: Record<string, number>;
  readonly elapsedMs: number;
}

interface CutContext {
  readonly expected: readonly (LedgerRecord | undefined)[];
  readonly lastReturned: number;
  readonly ackedReturned: number;
  /** The record being appended when the cut came (a bank-ack for an ack), if any. */
  readonly inProgress: LedgerRecord | undefined;
}

/** Runs a workload on a ledger, keeping what a correct ledger must hold afterwards. */
class Driver implements CutContext {
  flash: NorFlashEmulator;
  ledger: Ledger | undefined = undefined;
  expected: (LedgerRecord | undefined)[] = [undefined];
  lastReturned = 0;
  ackedReturned = 0;
  inProgress: LedgerRecord | undefined = undefined;
  stepIndex = 0;
  appendsFull = 0;
  readonly dataSequences: number[] = [];
  readonly problems: string[] = [];
  readonly #steps: readonly WorkloadStep[];
  readonly #geometry: FlashGeometry;

  constructor(flash: NorFlashEmulator, steps: readonly WorkloadStep[], geometry: FlashGeometry) {
    this.flash = flash;
    this.#steps = steps;
    this.#geometry = geometry;
  }

  /** A copy of the driver's knowledge, on another flash (the fork after a cut). */
  fork(flash: NorFlashEmulator): Driver {
    const copy = new Driver(flash, this.#steps, this.#geometry);
    copy.expected = this.expected.slice();
    copy.lastReturned = this.lastReturned;
    copy.ackedReturned = this.ackedReturned;
    copy.inProgress = this.inProgress;
    copy.stepIndex = this.stepIndex;
    copy.dataSequences.push(...this.dataSequences.slice(-4));
    return copy;
  }

  get done(): boolean {
    return this.stepIndex >= this.#steps.length;
  }

  /** Mounts, then settles the interrupted append: present (whole) or absent (to be retried). */
  mount(): boolean {
    this.ledger = Ledger.mount(this.flash);
    if (this.ledger.failed) return false;
    const record = this.inProgress;
    if (record !== undefined && this.ledger.headSequence === this.lastReturned + 1) {
      this.#returned(this.ledger.headSequence, record);
      this.stepIndex++;
    }
    this.inProgress = undefined;
    return true;
  }

  /** Runs steps until the workload ends or the flash fails (a cut); false on a failure. */
  run(): boolean {
    while (!this.done) {
      if (!this.#step(this.#steps[this.stepIndex])) return false;
      this.stepIndex++;
    }
    return true;
  }

  #step(step: WorkloadStep): boolean {
    const ledger = this.ledger as Ledger;
    if (step.kind === 'maintain') {
      ledger.maintain();
      return !ledger.failed;
    }
    let record: LedgerRecord;
    let result: AppendResult;
    if (step.kind === 'ack') {
      const target = this.dataSequences[this.dataSequences.length - 1 - step.lag];
      if (target === undefined || target <= ledger.ackedSequence) return true;
      record = { kind: 'bank-ack', ackedSequence: target };
      this.inProgress = record;
      result = ledger.acknowledge(target);
    } else {
      record = step.record;
      this.inProgress = record;
      result = ledger.append(record);
    }
    if (result.ok) {
      this.inProgress = undefined;
      if (result.sequence !== this.lastReturned + 1)
        this.problems.push(`append returned sequence ${result.sequence}, expected ${this.lastReturned + 1}`);
      this.#returned(result.sequence, record);
      return true;
    }
    if (result.error === 'full') {
      this.inProgress = undefined;
      this.appendsFull++;
      return true;
    }
    if (this.flash.powered) this.problems.push(`append failed with '${result.error}' on a powered flash`);
    return false;
  }

  #returned(sequence: number, record: LedgerRecord): void {
    this.expected[sequence] = record;
    this.lastReturned = sequence;
    if (record.kind === 'bank-ack') this.ackedReturned = record.ackedSequence;
    else {
      this.dataSequences.push(sequence);
      if (this.dataSequences.length > 8) this.dataSequences.shift();
    }
  }
}

interface View {
  readonly head: number;
  readonly tail: number;
  readonly acked: number;
  /** records[i] has sequence tail + i. */
  readonly records: LedgerRecord[];
}

function viewOf(ledger: Ledger, problems: string[], label: string): View {
  let expectedSequence = ledger.tailSequence;
  const records: LedgerRecord[] = [];
  const count = ledger.readFrom(ledger.tailSequence, Number.MAX_SAFE_INTEGER, (sequence, record) => {
    if (sequence !== expectedSequence)
      problems.push(`${label}: sequence ${sequence} after ${expectedSequence - 1} (not contiguous)`);
    expectedSequence = sequence + 1;
    records.push(record);
  });
  if (count !== ledger.headSequence - ledger.tailSequence + 1) {
    problems.push(`${label}: read ${count} records, tail ${ledger.tailSequence} .. head ${ledger.headSequence}`);
  }
  return { head: ledger.headSequence, tail: ledger.tailSequence, acked: ledger.ackedSequence, records };
}

function sameView(a: View, b: View): boolean {
  if (a.head !== b.head || a.tail !== b.tail || a.acked !== b.acked || a.records.length !== b.records.length)
    return false;
  return a.records.every((record, index) => sameRecord(record, b.records[index]));
}

/** Mounts a part after a cut and checks every property; the problems found, as lines. */
export function checkAfterCut(flash: NorFlashEmulator, context: CutContext): string[] {
  const problems: string[] = [];
  let first: Ledger;
  let second: Ledger;
  try {
    first = Ledger.mount(flash);
  } catch (error) {
    return [`mount threw: ${String(error)}`];
  }
  if (first.failed) problems.push(`mount failed on a powered part: ${first.mountReport.notes.join('; ')}`);
  const view = viewOf(first, problems, 'mount');
  const { lastReturned, inProgress } = context;
  if (view.acked > view.head) problems.push(`ack cursor ${view.acked} above head ${view.head}`);
  if (view.head !== lastReturned && !(inProgress !== undefined && view.head === lastReturned + 1)) {
    problems.push(
      `head ${view.head}, but the last append that returned was ${lastReturned}${inProgress ? ' (one was in progress)' : ''}`,
    );
  }
  const recordAt = (sequence: number): LedgerRecord | undefined => view.records[sequence - view.tail];
  if (inProgress !== undefined && view.head === lastReturned + 1) {
    const found = recordAt(view.head);
    if (found === undefined || !sameRecord(found, inProgress))
      problems.push(`interrupted append ${view.head} is not whole: ${JSON.stringify(found)}`);
  }
  // An interrupted ack that came out whole counts: the ring may then reclaim under it.
  const ackBeingWritten =
    inProgress?.kind === 'bank-ack' && view.head === lastReturned + 1 ? inProgress.ackedSequence : -1;
  const ackedDurably = Math.max(context.ackedReturned, ackBeingWritten);
  if (view.tail > ackedDurably + 1)
    problems.push(`tail ${view.tail}: records above the bank's ack ${ackedDurably} were erased`);
  for (let sequence = Math.max(1, view.tail); sequence <= Math.min(lastReturned, view.head); sequence++) {
    const want = context.expected[sequence];
    const found = recordAt(sequence);
    if (want === undefined || found === undefined || !sameRecord(found, want)) {
      problems.push(
        `record ${sequence} ${found === undefined ? 'missing' : 'differs'}: want ${JSON.stringify(want)}, found ${JSON.stringify(found)}`,
      );
      break;
    }
  }
  if (view.acked !== context.ackedReturned && view.acked !== ackBeingWritten)
    problems.push(`ack cursor ${view.acked}, acknowledged ${context.ackedReturned}`);
  try {
    second = Ledger.mount(flash);
  } catch (error) {
    return [...problems, `second mount threw: ${String(error)}`];
  }
  const again = viewOf(second, problems, 'second mount');
  if (!sameView(view, again)) {
    problems.push(
      `mounting twice differs: head ${view.head}/${again.head}, tail ${view.tail}/${again.tail}, acked ${view.acked}/${again.acked}`,
    );
  }
  if (flash.illegalPrograms > 0) problems.push(`${flash.illegalPrograms} program(s) tried to set a bit (0 -> 1)`);
  return problems;
}

/** Forks the part at `operation`: a copy on which that operation runs with a power cut. */
function forkWithCut(flash: NorFlashEmulator, operation: FlashOperation, seed: number): NorFlashEmulator {
  const copy = flash.snapshot();
  copy.schedulePowerCut(0, seed);
  if (operation.kind === 'program') copy.program(operation.offsetBytes, operation.bytes, operation.length);
  else copy.eraseSector(operation.sectorIndex);
  copy.restorePower();
  return copy;
}

/** Clears a byte of the newest returned record inside the ring (the sabotage the checker must catch). */
function corruptAcknowledged(flash: NorFlashEmulator, context: CutContext): void {
  if (context.lastReturned === 0) return;
  const probe = Ledger.mount(flash.snapshot());
  const offset = probe.locate(context.lastReturned);
  if (offset < 0) return;
  for (let at = offset + 2; at < offset + 8; at++) {
    if (flash.bytes[at] !== 0) {
      flash.program(at, new Uint8Array([0]), 1);
      return;
    }
  }
}

/** The commit-last rule bypassed: a record's body is held back and programmed after its commit mark. */
function commitFirst(flash: NorFlashEmulator): NorFlashEmulator {
  const program = flash.program.bind(flash);
  let pending: { offset: number; bytes: Uint8Array; length: number } | undefined;
  flash.program = (offset, from, length) => {
    if (
      pending === undefined &&
      length > 1 &&
      flash.bytes[offset - 1] === 0xff &&
      offset % flash.geometry.sectorSizeBytes > HEADER_BYTES
    ) {
      pending = { offset, bytes: from.slice(0, length), length };
      return 'ok';
    }
    const held = pending;
    pending = undefined;
    const status = program(offset, from, length);
    if (held === undefined || status !== 'ok') return status;
    return program(held.offset, held.bytes, held.length);
  };
  return flash;
}

interface Plan {
  readonly geometry: FlashGeometry;
  readonly workload: WorkloadOptions;
}

function planFor(options: TortureOptions): Plan {
  const { seed, quick, mode } = options;
  if (mode === 'two-deep') {
    return {
      geometry: TORTURE_GEOMETRY_TINY,
      workload: { seed, sessions: quick ? 4 : 10, notesPerSessionMax: 2, ackEverySessions: 1 },
    };
  }
  return quick
    ? {
        geometry: TORTURE_GEOMETRY_SMALL,
        workload: { seed, sessions: 45, notesPerSessionMax: 5, ackEverySessions: 2, bankDown: [12, 40] },
      }
    : {
        geometry: TORTURE_GEOMETRY,
        workload: { seed, sessions: 400, notesPerSessionMax: 8, ackEverySessions: 3, bankDown: [150, 300] },
      };
}

export function runTorture(options: TortureOptions): TortureResult {
  const startedMs = Date.now();
  const sabotage = options.sabotage ?? 'none';
  const keptMax = options.violationsKeptMax ?? 50;
  const plan = planFor(options);
  const steps = makeWorkload(plan.workload);
  const violations: string[] = [];
  const damages: Record<string, number> = {};
  let violationCount = 0;
  let cutsTried = 0;

  const check = (driver: Driver, operation: FlashOperation, depth: number, trail: string): NorFlashEmulator => {
    const cutSeed = (options.seed * 1_000_003 + operation.index * 7 + depth) >>> 0;
    const forked = forkWithCut(driver.flash, operation, cutSeed);
    const damage = forked.lastCut?.damage ?? 'none';
    damages[`${operation.kind} ${damage}`] = (damages[`${operation.kind} ${damage}`] ?? 0) + 1;
    cutsTried++;
    const checked = forked.snapshot();
    if (sabotage === 'corrupt-acknowledged') corruptAcknowledged(checked, driver);
    const problems = checkAfterCut(checked, driver);
    violationCount += problems.length;
    for (const problem of problems) {
      if (violations.length < keptMax)
        violations.push(`${trail}cut at op ${operation.index} (${operation.kind} ${damage}): ${problem}`);
    }
    return forked;
  };

  const base = new Driver(new NorFlashEmulator(plan.geometry), steps, plan.geometry);
  if (sabotage === 'commit-first') commitFirst(base.flash);
  base.flash.beforeOperation = (operation) => {
    const forked = check(base, operation, 0, '');
    if (options.mode !== 'two-deep') return;
    // Second level: mount the cut part and carry on, with a cut at each of its operations.
    const second = base.fork(forked);
    const flash = second.flash;
    flash.beforeOperation = (inner) => {
      check(second, inner, 1, `cut at op ${operation.index}, then `);
    };
    if (second.mount()) second.run();
    flash.beforeOperation = undefined;
    for (const problem of second.problems) {
      violationCount++;
      if (violations.length < keptMax) violations.push(`after cut at op ${operation.index}: ${problem}`);
    }
  };
  base.mount();
  base.run();
  base.flash.beforeOperation = undefined;
  for (const problem of base.problems) {
    violationCount++;
    if (violations.length < keptMax) violations.push(problem);
  }
  const final = checkAfterCut(base.flash.snapshot(), base);
  violationCount += final.length;
  violations.push(
    ...final
      .map((problem) => `after the whole workload: ${problem}`)
      .slice(0, Math.max(0, keptMax - violations.length)),
  );
  return {
    mode: options.mode,
    seed: options.seed,
    operations: base.flash.operations,
    cutsTried,
    violationCount,
    violations,
    appendsFull: base.appendsFull,
    recordsWritten: base.lastReturned,
    damages,
    elapsedMs: Date.now() - startedMs,
  };
}

function parseArguments(argv: readonly string[]): TortureOptions {
  let seed = 1;
  let mode: TortureMode = 'sweep';
  let quick = false;
  let sabotage: Sabotage = 'none';
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--seed') seed = Number(argv[++index]);
    else if (argument === '--mode') mode = argv[++index] as TortureMode;
    else if (argument === '--quick') quick = true;
    else if (argument === '--sabotage') sabotage = argv[++index] as Sabotage;
    else throw new Error(`unknown argument ${argument} (use --seed N, --mode sweep|two-deep, --quick)`);
  }
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed takes a whole number');
  if (mode !== 'sweep' && mode !== 'two-deep') throw new Error('--mode is sweep or two-deep');
  return { seed, mode, quick, sabotage };
}

if (require.main === module) {
  const options = parseArguments(process.argv.slice(2));
  const result = runTorture(options);
  console.log(
    `ledger torture: mode ${result.mode}${options.quick ? ' (quick)' : ''}, seed ${result.seed}${options.sabotage !== 'none' ? `, sabotage ${options.sabotage}` : ''}`,
  );
  console.log(
    `workload: ${result.recordsWritten} records written, ${result.appendsFull} appends refused as full, ${result.operations} flash operations`,
  );
  console.log(
    `cuts tried: ${result.cutsTried}  (${Object.entries(result.damages)
      .map(([what, count]) => `${what} ${count}`)
      .join(', ')})`,
  );
  console.log(`violations: ${result.violationCount}`);
  for (const violation of result.violations) console.log(`  ${violation}`);
  console.log(`took ${(result.elapsedMs / 1000).toFixed(1)} s`);
  process.exit(result.violationCount === 0 ? 0 : 1);
}
