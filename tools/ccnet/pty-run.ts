// The CCNET driver on a real serial stack: serialport on the slave of a pty pair, the
// simulated validator on the master, the firmware's scheduler on Node's clock. Shared by the
// CI test (a few dozen notes) and the soak (`npm run ccnet-soak -- --notes 1000`).
import { openPtyPair, runValidatorOnPty } from '../../hal/node/pty-pair';
import { openSerialLine } from '../../hal/node/serial-port';
import { NodeClock, NodeTicker } from '../../hal/node/clock';
import { wireNoise } from '../../hal/sim/ccnet-validator';
import { SimWatchdog } from '../../hal/sim/peripherals';
import { VirtualClock } from '../../hal/sim/world';
import { CcnetDriver, type CcnetStats } from '../../src/cash/ccnet-driver';
import { DENOMINATIONS_TENGE } from '../../src/domain';
import { Scheduler, type Halt } from '../../src/loop/scheduler';
import { AutoSession } from './rig';

export interface PtyRunOptions {
  readonly notes: number;
  readonly seed: number;
  readonly flipPerByte: number;
  readonly dropPerByte: number;
  readonly timeLimitMs: number;
  readonly baud?: number;
  readonly onProgress?: (stacked: number) => void;
}

export interface PtyRunResult {
  readonly cassetteTenge: number[];
  readonly returnedTenge: number[];
  readonly sessionStackedTenge: number[];
  readonly sessionReturnedTenge: number[];
  readonly flipped: number;
  readonly dropped: number;
  readonly elapsedMs: number;
  readonly stats: CcnetStats;
  readonly halt: Halt | undefined;
}

const LOOP_TICK_MS = 5;

export async function runCcnetOverPty(options: PtyRunOptions): Promise<PtyRunResult> {
  const pair = openPtyPair();
  // Fast mechanics so that a note takes about three polls; the protocol timing stays the spec's.
  const bridge = runValidatorOnPty(pair.master, {
    acceptMs: 50,
    stackMs: 60,
    returnMs: 60,
    rejectMs: 60,
    initializeMs: 300,
  });
  const toDevice = wireNoise(options.seed, options.flipPerByte, options.dropPerByte);
  const toBoard = wireNoise(options.seed * 7 + 1, options.flipPerByte, options.dropPerByte);
  bridge.link.boardEnd.fault = toDevice.fault;
  bridge.link.deviceEnd.fault = toBoard.fault;
  const line = await openSerialLine(pair.path, options.baud ?? 115_200);
  const clock = new NodeClock();
  const ticker = new NodeTicker();
  const driver = new CcnetDriver(line, clock, { pollPeriodMs: 100 });
  const session = new AutoSession(driver);
  // The watchdog is not under test here: a simulated one that never bites the process.
  const watchdogClock = new VirtualClock();
  const scheduler = new Scheduler(clock, new SimWatchdog(watchdogClock), [driver, session]);
  for (let index = 0; index < options.notes; index++) {
    const tenge = DENOMINATIONS_TENGE[(index * 3) % DENOMINATIONS_TENGE.length];
    // The Saka designs exist for 500 .. 10 000 ₸ only.
    bridge.sim.insert(tenge, index % 5 === 1 && tenge >= 500 && tenge <= 10_000 ? 'saka' : 'old');
  }
  const startMs = clock.monotonicMs();
  try {
    ticker.start(LOOP_TICK_MS, () => scheduler.tick());
    await new Promise<void>((resolve) => {
      let reported = 0;
      const check = setInterval(() => {
        const truth = bridge.sim.truth;
        const settled =
          truth.cassetteTenge.length + truth.returnedTenge.length === options.notes &&
          session.stackedTenge.length >= truth.cassetteTenge.length &&
          bridge.sim.state === 0x14;
        if (options.onProgress !== undefined && truth.cassetteTenge.length >= reported + 100) {
          reported = truth.cassetteTenge.length;
          options.onProgress(reported);
        }
        if (settled || scheduler.halt !== undefined || clock.monotonicMs() - startMs > options.timeLimitMs) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    // Let the last ACKs and any resent report settle.
    await new Promise((resolve) => setTimeout(resolve, 400));
  } finally {
    ticker.stop();
    bridge.stop();
    await line.close();
    pair.master.close();
  }
  const returned = session.events.filter((event) => event.kind === 'returned');
  return {
    cassetteTenge: bridge.sim.truth.cassetteTenge.slice(),
    returnedTenge: bridge.sim.truth.returnedTenge.slice(),
    sessionStackedTenge: session.stackedTenge.slice(),
    sessionReturnedTenge: returned.map((event) => (event as { denominationTenge: number }).denominationTenge),
    flipped: toDevice.flipped() + toBoard.flipped(),
    dropped: toDevice.dropped() + toBoard.dropped(),
    elapsedMs: clock.monotonicMs() - startMs,
    stats: driver.stats,
    halt: scheduler.halt,
  };
}
