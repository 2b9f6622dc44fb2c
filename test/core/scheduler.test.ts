import assert from 'node:assert/strict';
import { Scheduler, WATCHDOG_CHECK_PERIOD_MS, type Task } from '../../src/loop/scheduler';
import { SimWatchdog } from '../../hal/sim/peripherals';
import { SimTicker, SimWorld, VirtualClock } from '../../hal/sim/world';

function countingTask(name: string, periodMs: number, deadlineMs: number, workMs = 0, clock?: VirtualClock) {
  const calls: number[] = [];
  const task: Task = {
    name,
    periodMs,
    deadlineMs,
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
    const stalling: Task = {
      name: 'stalling',
      periodMs: 10,
      deadlineMs: 50,
      poll() {
        clock.nowMs += stallMs;
      },
    };
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

  it("skips a resting task's poll, on time all the same, and polls it again the period after its rest ends or is called off", () => {
    const clock = new VirtualClock();
    const polls: number[] = [];
    const resting = {
      name: 'resting',
      periodMs: 5,
      deadlineMs: 10,
      restUntilMs: 0,
      poll(nowMs: number) {
        polls.push(nowMs);
      },
    };
    const { scheduler, world, watchdog } = rig([resting], clock);
    world.runFor(20);
    assert.deepEqual(polls, [0, 5, 10, 15, 20]);
    resting.restUntilMs = 100;
    world.runFor(200); // rests until 100, then is polled every period again
    assert.deepEqual(polls.slice(5, 7), [100, 105]);
    assert.equal(scheduler.stats[0].overruns, 0, 'a rest is no overrun');
    assert.ok(!watchdog.bitten);
    resting.restUntilMs = 1_000;
    world.runFor(50);
    const before = polls.length;
    resting.restUntilMs = 0; // asked to do something: the rest ends at once
    world.runFor(5);
    assert.equal(polls.length, before + 1);
  });

  it('halts on a throwing task and stops feeding, so the watchdog bites', () => {
    const clock = new VirtualClock();
    let healthy = true;
    const fragile: Task = {
      name: 'fragile',
      periodMs: 10,
      deadlineMs: 100,
      poll() {
        if (!healthy) throw new Error('ledger invariant');
      },
    };
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
