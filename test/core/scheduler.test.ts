import assert from 'node:assert/strict';
import { Scheduler, WATCHDOG_CHECK_PERIOD_MS, type Task } from '../../src/loop/scheduler';
import { SimWatchdog } from '../../hal/sim/peripherals';
import { SimTicker, SimWorld, VirtualClock } from '../../hal/sim/world';

function countingTask(name: string, periodMs: number, deadlineMs: number, workMs = 0, clock?: VirtualClock) {
  const calls: number[] = [];
  const task: Task = {
    name, periodMs, deadlineMs,
    poll(nowMs) {
      calls.push(nowMs);
      if (clock !== undefined) clock.nowMs += workMs;
    },
  };
  return { task, calls };
}

function rig(tasks: Task[], clock = new VirtualClock()) {
  const watchdog = new SimWatchdog(clock);
  watchdog.enable(1000);
  const scheduler = new Scheduler(clock, watchdog, tasks);
  const ticker = new SimTicker();
  const world = new SimWorld(clock);
  world.add(ticker);
  ticker.start(5, () => scheduler.tick());
  return { scheduler, watchdog, world, clock };
}

describe('scheduler', () => {
  it('runs each task on its own period', () => {
    const fast = countingTask('fast', 10, 50);
    const slow = countingTask('slow', 100, 500);
    const { world } = rig([fast.task, slow.task]);
    world.runFor(1000);
    assert.equal(fast.calls.length, 101); // t = 0, 10, ..., 1000
    assert.equal(slow.calls.length, 11);
    assert.deepEqual(slow.calls.slice(0, 3), [0, 100, 200]);
  });

  it('checks the deadlines and feeds the watchdog once every WATCHDOG_CHECK_PERIOD_MS while every task meets its deadline, never while one overruns', () => {
    const clock = new VirtualClock();
    let stallMs = 0;
    const stalling: Task = { name: 'stalling', periodMs: 10, deadlineMs: 50, poll() { clock.nowMs += stallMs; } };
    const { scheduler, world, watchdog } = rig([stalling], clock);
    world.runFor(1000);
    assert.equal(scheduler.watchdogFeeds, 1000 / WATCHDOG_CHECK_PERIOD_MS + 1); // t = 0, 100, ..., 1000
    assert.equal(scheduler.loopTicks, 201);
    // Every tick of the task now ends 200 ms after it began, past its 50 ms deadline: no check feeds.
    stallMs = 200;
    const feedsBefore = scheduler.watchdogFeeds;
    world.runFor(1500);
    assert.equal(scheduler.watchdogFeeds, feedsBefore);
    assert.equal(scheduler.stats[0].worstTickMs, 200);
    assert.ok(scheduler.stats[0].overruns > 0);
    assert.ok(watchdog.bitten);
    // On time again: the next check feeds.
    stallMs = 0;
    world.runFor(2 * WATCHDOG_CHECK_PERIOD_MS);
    assert.ok(scheduler.watchdogFeeds > feedsBefore);
    assert.ok(!watchdog.bitten);
  });

  it('halts on a throwing task and stops feeding, so the watchdog bites', () => {
    const clock = new VirtualClock();
    let healthy = true;
    const fragile: Task = { name: 'fragile', periodMs: 10, deadlineMs: 100, poll() { if (!healthy) throw new Error('ledger invariant'); } };
    const { scheduler, world, watchdog } = rig([fragile], clock);
    world.runFor(500);
    assert.ok(!watchdog.bitten);
    healthy = false;
    world.runFor(2000);
    assert.deepEqual(scheduler.halt, { taskName: 'fragile', message: 'ledger invariant' });
    assert.ok(watchdog.bitten);
  });

  it('refuses a deadline shorter than the period', () => {
    assert.throws(() => rig([countingTask('bad', 100, 50).task]), /deadline below period/);
  });
});
