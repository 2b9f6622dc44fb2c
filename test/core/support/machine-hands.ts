// A customer's and a watcher's hands on the simulated machine, shared by the whole-machine
// tests of the money path (ledger-full, doubts, bill-table).
import assert from 'node:assert/strict';
import type { Key } from '../../../hal/ports';
import type { DeskMachine } from '../../../tools/bench/machine';
import { AIGERIM } from './mini-bank';

export function screenId(machine: DeskMachine): string {
  return machine.sim.display.current?.id ?? '';
}

/** Presses keys at a person's pace (every state is on screen for a while). */
export function pressKeys(machine: DeskMachine, ...keys: Key[]): void {
  for (const key of keys) {
    machine.sim.keypad.press(key);
    machine.runFor(150);
  }
}

/** attract → Russian → IIN: the bill, or whatever the machine shows instead (its screen id). */
export function signInByIin(machine: DeskMachine): string {
  machine.runUntil(() => screenId(machine) === 'attract', 20_000);
  pressKeys(machine, 'F2');
  if (screenId(machine) !== 'method') return screenId(machine);
  pressKeys(machine, 'F4', ...(AIGERIM.iin.split('') as Key[]), 'enter');
  machine.runUntil(() => screenId(machine) === 'bill', 20_000);
  return screenId(machine);
}

/** Signed in and paying: the insert-notes screen. */
export function startCashIn(machine: DeskMachine): void {
  assert.equal(signInByIin(machine), 'bill');
  machine.sim.keypad.press('enter');
  assert.ok(
    machine.runUntil(() => screenId(machine) === 'insert-notes', 20_000),
    `cash-in not reached: ${screenId(machine)}`,
  );
}

/** Every moment the loop stands halted, as "t=…: task: message" (the first few). */
export function watchHalts(machine: DeskMachine, kept = 4): string[] {
  const halts: string[] = [];
  let checkAtMs = 0;
  machine.sim.world.add({
    nextEventMs: () => checkAtMs,
    step: (nowMs) => {
      checkAtMs = nowMs + 10;
      const halt = machine.firmware?.scheduler.halt;
      if (halt !== undefined && halts.length < kept) halts.push(`t=${nowMs}: ${halt.taskName}: ${halt.message}`);
    },
  });
  return halts;
}
