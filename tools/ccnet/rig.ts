// The validator on a bench: the CCNET driver on a simulated cable to the simulated validator,
// in virtual time, with a stand-in for the customer session. Used by the tests, the fuzz,
// the soak and the bench numbers.
import { Scheduler, type Task } from '../../src/loop/scheduler';
import { CcnetDriver, type CcnetDriverOptions } from '../../src/cash/ccnet-driver';
import type { CashAcceptor, CashEvent } from '../../src/cash/cash-acceptor';
import { validatorOnCable, type CcnetValidatorOptions } from '../../hal/sim/ccnet-validator';
import { SimWatchdog } from '../../hal/sim/peripherals';
import { SimTicker, SimWorld, VirtualClock } from '../../hal/sim/world';

export const RIG_LOOP_TICK_MS = 5;
export const RIG_BAUD = 9600;

export type EscrowPolicy = 'stack' | 'return' | 'wait';

/** A stand-in for the customer session: keeps cash-in open, drains events, decides on escrow. */
export class AutoSession implements Task {
  readonly name = 'session';
  readonly periodMs = RIG_LOOP_TICK_MS;
  readonly deadlineMs = 1000;
  readonly events: CashEvent[] = [];
  policy: EscrowPolicy = 'stack';
  wantCashIn = true;
  /** Stacked tenge as the session heard it. */
  readonly stackedTenge: number[] = [];
  readonly #acceptor: CashAcceptor;

  constructor(acceptor: CashAcceptor) {
    this.#acceptor = acceptor;
  }

  poll(): void {
    const acceptor = this.#acceptor;
    for (let event = acceptor.nextEvent(); event !== undefined; event = acceptor.nextEvent()) {
      this.events.push(event);
      if (event.kind === 'stacked') this.stackedTenge.push(event.denominationTenge);
      if (event.kind === 'escrowed' && this.policy === 'stack') acceptor.stack();
      if (event.kind === 'escrowed' && this.policy === 'return') acceptor.returnNote();
    }
    const status = acceptor.status();
    if (this.wantCashIn && status === 'idle') acceptor.cashInStart();
    if (!this.wantCashIn && status === 'cash-in') acceptor.cashInEnd();
  }

  kinds(): string[] {
    return this.events.map((event) => event.kind);
  }
}

export interface CcnetRigOptions {
  readonly sim?: CcnetValidatorOptions;
  readonly driver?: CcnetDriverOptions;
  /** Leave the session out (a test drives the acceptor by hand). */
  readonly noSession?: boolean;
  /** More tasks on the same loop (load for the bench). */
  readonly extraTasks?: readonly Task[];
}

export function makeCcnetRig(options: CcnetRigOptions = {}) {
  const clock = new VirtualClock();
  const world = new SimWorld(clock);
  const ticker = new SimTicker();
  const { link, sim } = validatorOnCable(clock, options.sim, options.sim?.baud ?? RIG_BAUD);
  const driver = new CcnetDriver(link.boardEnd, clock, options.driver);
  const session = new AutoSession(driver);
  const watchdog = new SimWatchdog(clock);
  watchdog.enable(4000);
  const tasks: Task[] = options.noSession === true ? [driver] : [driver, session];
  tasks.push(...(options.extraTasks ?? []));
  const scheduler = new Scheduler(clock, watchdog, tasks);
  world.add(ticker);
  world.add(sim);
  ticker.start(RIG_LOOP_TICK_MS, () => scheduler.tick());
  return { clock, world, link, sim, driver, session, scheduler };
}

export type CcnetRig = ReturnType<typeof makeCcnetRig>;
