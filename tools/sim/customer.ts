// The customers: one at a time at the machine, each a demo customer of the reference bank
// with a sign-in method (palm, Kaspi QR, Kaspi Gold card, IIN), a language and a stack of
// notes, who reads the screen at a person's pace and acts on what it shows — or makes a
// typo, holds the wrong palm, never scans the QR, or simply walks away at any step.
//
// Notes go into the slot one at a time, only when the validator's light says it is ready
// (IDLING), and the validator takes each at once: no note is ever left waiting in the slot for
// the next customer, so each note in the cassette has exactly one owner — the hand that put it in.
import type { Key, Screen } from '../../hal/ports';
import { DEMO_CARDS, type SimCardSpec } from '../../hal/sim/card-reader';
import { TENGE_BILL_TABLE, type InsertedNote } from '../../hal/sim/ccnet-validator';
import type { SimActor } from '../../hal/sim/world';
import { STATE_IDLING } from '../../src/cash/ccnet-codec';
import { AUTH_METHODS, type AuthMethod, DENOMINATIONS_TENGE } from '../../src/domain';
import type { BankApi } from '../bank/api';
import { DEMO_CUSTOMERS } from '../bank/seed';
import type { Dice } from './dice';
import type { DeskMachine } from '../bench/machine';
import type { FaultKind, RunPlan } from './plan';

export type Method = AuthMethod;

interface Person {
  readonly customerId: string;
  readonly iin: string;
  readonly palmTemplate: string;
  readonly card: SimCardSpec | undefined;
}

/** The bank's demo customers with the simulator's demo cards that the bank knows (tools/bank/seed.ts). */
const CARD_OF: Readonly<Record<string, SimCardSpec | undefined>> = Object.freeze({
  'c-aigerim': DEMO_CARDS.kaspiGoldVisa,
  'c-daniyar': DEMO_CARDS.kaspiGoldVisaTrack2,
  'c-yerzhan': DEMO_CARDS.kaspiGoldMastercard,
});
const PEOPLE: readonly Person[] = DEMO_CUSTOMERS.map((row) => ({
  customerId: row.customer_id,
  iin: row.iin,
  palmTemplate: row.palm_template,
  card: CARD_OF[row.customer_id],
}));
/** Cards the bank will not take: they show the firmware's refusals. */
const STRANGE_CARDS: readonly SimCardSpec[] = [DEMO_CARDS.foreignVisa, DEMO_CARDS.muteChip, DEMO_CARDS.notPayment];

/** How often people carry each tenge note, in DENOMINATIONS_TENGE's order (200 ₸ .. 20 000 ₸). */
const CARRIED_WEIGHTS: readonly number[] = [1, 2, 5, 5, 6, 4, 2];
/** Tenge notes by how often people carry them. */
const NOTE_WEIGHTS: readonly (readonly [number, number])[] = DENOMINATIONS_TENGE.map((tenge, index) => [
  CARRIED_WEIGHTS[index],
  tenge,
]);
const SAKA_DENOMINATIONS = new Set(
  TENGE_BILL_TABLE.filter((entry) => entry.design === 'saka').map((entry) => entry.digits * 10 ** entry.exponent),
);
export const NOTES_PER_VISIT_MAX = 15;
/** A person gives up on a machine that has not served them in this long. */
export const VISIT_MS_MAX = 8 * 60_000;
const LANGUAGE_KEYS: readonly Key[] = ['F1', 'F2', 'F3'];
const METHOD_KEYS: Readonly<Record<Method, Key>> = Object.freeze({ palm: 'F1', qr: 'F2', card: 'F3', iin: 'F4' });
/** Screens that end a visit once cash-in has begun, or that send someone away before it. */
const FAREWELLS = new Set([
  'goodbye',
  'nothingDeposited',
  'unknownCustomer',
  'bankUnreachable',
  'qrExpired',
  'palmRetry',
  'iinInvalid',
  'cardNotKaspi',
  'cardUnreadable',
  'cardRetained',
  'outOfService',
  'outOfServiceCash',
]);

interface Visit {
  readonly person: Person;
  method: Method;
  readonly languageKey: Key;
  readonly notes: number[];
  inserted: number;
  readonly arrivedMs: number;
  /** The card this visit holds (its own, or a stranger's). */
  readonly card: SimCardSpec | undefined;
  cardInserted: boolean;
  cardTaken: boolean;
  palmAttemptSeen: number;
  qrPayload: string;
  qrScanAtMs: number;
  iinTyped: number;
  cashInBegun: boolean;
  retries: number;
  /** They pressed a key on the attract screen: before that, the machine is someone else's. */
  begun: boolean;
}

/** Hooks into the rest of the run: fault counting, per-note faults, and a check after each action. */
export interface CustomerHooks {
  count(kind: FaultKind): void;
  /** Called just before a note goes into the slot (the injector may jam the validator or cut the power). */
  beforeNote(): void;
  /**
   * Whether the validator would take a note now. Its POLL state reads IDLING for a moment after a
   * fault sets in (cassette full, a jam, cassette out); a real bezel would not draw the note in,
   * but the simulator would keep it waiting, and it has no way to hand it back. So the customer
   * asks the world, which knows the faults it injected.
   */
  slotOpen(): boolean;
  afterAction(): void;
  /** A line for `--verbose`. */
  log?(line: string): void;
}

export class CustomerStream implements SimActor {
  visits = 0;
  notesOffered = 0;
  /** Whose hand put the last note into the validator: the owner of the next note to land. */
  noteOwner = '';
  #visit: Visit | undefined = undefined;
  #nextMs: number;
  #open = true;
  readonly #machine: DeskMachine;
  readonly #bankApi: BankApi;
  readonly #dice: Dice;
  readonly #plan: RunPlan;
  readonly #hooks: CustomerHooks;

  constructor(machine: DeskMachine, bankApi: BankApi, dice: Dice, plan: RunPlan, hooks: CustomerHooks) {
    this.#machine = machine;
    this.#bankApi = bankApi;
    this.#dice = dice;
    this.#plan = plan;
    this.#hooks = hooks;
    this.#nextMs = machine.sim.clock.nowMs + dice.exponentialMs(plan.customerGapMeanMs);
  }

  /** No one else comes; whoever is there leaves (taking their card). */
  close(): void {
    this.#open = false;
    if (this.#visit !== undefined) this.#leave();
    this.#nextMs = Infinity;
  }

  get atMachine(): boolean {
    return this.#visit !== undefined;
  }

  nextEventMs(): number {
    return this.#nextMs;
  }

  step(nowMs: number): void {
    if (nowMs < this.#nextMs) return;
    if (this.#visit === undefined) {
      this.#arrive(nowMs);
    } else {
      this.#act(this.#visit, nowMs);
    }
    if (this.#visit !== undefined) this.#hooks.afterAction();
  }

  #arrive(nowMs: number): void {
    const dice = this.#dice;
    const person = dice.pick(PEOPLE);
    const strangeCard = dice.chance(0.05);
    // A card only with a card in hand; the card last, as the dice have always drawn it.
    const methods: Method[] = AUTH_METHODS.filter((method) => method !== 'card');
    if (person.card !== undefined || strangeCard) methods.push('card');
    const notes: number[] = [];
    const count = dice.int(1, NOTES_PER_VISIT_MAX);
    for (let index = 0; index < count; index += 1) notes.push(dice.weighted(NOTE_WEIGHTS));
    this.#visit = {
      person,
      method: dice.pick(methods),
      languageKey: dice.pick(LANGUAGE_KEYS),
      notes,
      inserted: 0,
      arrivedMs: nowMs,
      card: strangeCard ? dice.pick(STRANGE_CARDS) : person.card,
      cardInserted: false,
      cardTaken: false,
      palmAttemptSeen: -1,
      qrPayload: '',
      qrScanAtMs: Infinity,
      iinTyped: 0,
      cashInBegun: false,
      retries: 0,
      begun: false,
    };
    this.visits += 1;
    this.#hooks.log?.(`customer ${person.customerId} arrives: ${this.#visit.method}, notes ${notes.join(' ')}`);
    this.#nextMs = nowMs + this.#paceMs();
  }

  #leave(): void {
    const visit = this.#visit!;
    this.#hooks.log?.(
      `customer ${visit.person.customerId} leaves (${visit.inserted} of ${visit.notes.length} notes in)`,
    );
    const reader = this.#machine.sim.cardReader;
    if (visit.cardInserted && !visit.cardTaken) reader.takeCard(); // if it is at the gate; a retained one stays
    this.#machine.sim.palm.withdraw();
    this.#visit = undefined;
    this.#nextMs = this.#open
      ? this.#machine.sim.clock.nowMs + this.#dice.exponentialMs(this.#plan.customerGapMeanMs)
      : Infinity;
  }

  #paceMs(): number {
    return Math.round(this.#dice.between(300, 2_500));
  }

  #act(visit: Visit, nowMs: number): void {
    this.#nextMs = nowMs + this.#paceMs();
    if (nowMs - visit.arrivedMs > VISIT_MS_MAX) return this.#leave();
    const machine = this.#machine;
    const screen = machine.sim.display.current;
    if (!machine.poweredOn || screen === undefined) return; // the screen is dark: wait for it
    if (visit.cardInserted && !visit.cardTaken && machine.sim.cardReader.takeCard() !== undefined)
      visit.cardTaken = true;
    if (this.#dice.chance(this.#plan.walkAwayProbability)) {
      this.#hooks.count('walk-away');
      return this.#leave();
    }
    this.#onScreen(visit, screen, nowMs);
  }

  #onScreen(visit: Visit, screen: Screen, nowMs: number): void {
    const keypad = this.#machine.sim.keypad;
    // A newcomer waits for the attract screen: a walk-away's session may still be open (its cash-in
    // timeout runs 60 s from the last note), and a note put in now would be that customer's.
    if (!visit.begun && screen.id !== 'attract') return;
    switch (screen.id) {
      case 'attract':
        if (visit.cashInBegun || visit.retries > 1) return this.#leave(); // served, or the machine restarted under them
        visit.begun = true;
        return keypad.press(visit.languageKey);
      case 'method':
        return this.#chooseMethod(visit, screen);
      case 'iin':
        return this.#typeIin(visit, screen);
      case 'card':
        return this.#useCard(visit);
      case 'palm':
        return this.#usePalm(visit, screen);
      case 'qr':
        return this.#scanQr(visit, screen, nowMs);
      case 'bill':
        visit.cashInBegun = true;
        return keypad.press('enter');
      case 'insert-notes':
        return this.#insertNotes(visit);
      case 'summary':
        if (screen.fields.message === 'credited' || screen.fields.message === 'savedForLater') this.#leave();
        return;
      default:
        if (!FAREWELLS.has(screen.id)) return; // please wait, recovering: the machine is busy
        if (visit.cashInBegun) return this.#leave();
        visit.retries += 1; // try again from the start, maybe another way
        visit.iinTyped = 0;
        visit.palmAttemptSeen = -1;
        if (visit.method === 'card' && (visit.card === undefined || visit.cardInserted)) visit.method = 'iin';
    }
  }

  #chooseMethod(visit: Visit, screen: Screen): void {
    if (visit.method === 'palm' && screen.fields.palmOffered !== 1) visit.method = 'iin';
    if (visit.method === 'card' && screen.fields.cardOffered !== 1) visit.method = 'iin';
    this.#machine.sim.keypad.press(METHOD_KEYS[visit.method]);
  }

  #typeIin(visit: Visit, screen: Screen): void {
    const attemptsLeft = Number(screen.fields.attemptsLeft);
    if (Number(screen.fields.digitsTyped) !== 0 || visit.iinTyped === attemptsLeft) return;
    visit.iinTyped = attemptsLeft;
    let iin = visit.person.iin;
    if (this.#dice.chance(this.#plan.iinTypoProbability)) {
      this.#hooks.count('iin-typo');
      iin = iin.slice(0, 11) + String((Number(iin[11]) + 1 + this.#dice.int(0, 8)) % 10); // a wrong check digit
    }
    this.#machine.sim.keypad.press(...(iin.split('') as Key[]), 'enter');
  }

  #useCard(visit: Visit): void {
    const reader = this.#machine.sim.cardReader;
    if (visit.cardInserted || visit.card === undefined) return;
    if (reader.position === 'gate') reader.takeCard(); // someone else's, left behind: hand it to the staff
    visit.cardInserted = reader.insertCard(visit.card);
  }

  #usePalm(visit: Visit, screen: Screen): void {
    const attemptsLeft = Number(screen.fields.attemptsLeft);
    if (visit.palmAttemptSeen === attemptsLeft) return;
    visit.palmAttemptSeen = attemptsLeft;
    const palm = this.#machine.sim.palm;
    palm.withdraw();
    if (this.#dice.chance(this.#plan.palmPoorImageProbability)) {
      this.#hooks.count('palm-poor-image');
      return palm.present('poor-image');
    }
    if (this.#dice.chance(this.#plan.palmMismatchProbability)) {
      this.#hooks.count('palm-mismatch');
      return palm.present('palm-not-enrolled');
    }
    palm.present(visit.person.palmTemplate);
  }

  /** The phone scans the QR on the screen a few seconds after it shows (or never does). */
  #scanQr(visit: Visit, screen: Screen, nowMs: number): void {
    const payload = screen.qr ?? '';
    if (payload === '') return;
    if (payload !== visit.qrPayload) {
      visit.qrPayload = payload;
      const scans = !this.#dice.chance(this.#plan.qrNotScannedProbability);
      if (!scans) this.#hooks.count('qr-not-scanned');
      visit.qrScanAtMs = scans ? nowMs + this.#dice.between(1_000, 15_000) : Infinity;
      return;
    }
    if (nowMs < visit.qrScanAtMs) return;
    visit.qrScanAtMs = Infinity;
    this.#bankApi.app('POST', '/app/qr/scan', JSON.stringify({ payload, iin: visit.person.iin }));
  }

  #insertNotes(visit: Visit): void {
    visit.cashInBegun = true;
    const validator = this.#machine.sim.validator;
    // The validator's light: it takes a note only while IDLING (enabled, nothing inside).
    if (validator.state !== STATE_IDLING || validator.notesWaiting > 0 || !this.#hooks.slotOpen()) return;
    if (visit.inserted >= visit.notes.length) return this.#machine.sim.keypad.press('enter');
    let note: InsertedNote = visit.notes[visit.inserted];
    if (this.#dice.chance(this.#plan.badNoteProbability)) {
      this.#hooks.count('note-rejected');
      note = this.#dice.pick(['clipped', 'foreign', 'unknown'] as const);
    } else {
      visit.inserted += 1;
    }
    const design = typeof note === 'number' && SAKA_DENOMINATIONS.has(note) && this.#dice.chance(0.3) ? 'saka' : 'old';
    this.noteOwner = visit.person.customerId;
    this.notesOffered += 1;
    this.#hooks.beforeNote();
    this.#hooks.log?.(`customer ${visit.person.customerId} inserts ${note}${design === 'saka' ? ' (saka)' : ''}`);
    validator.insert(note, design);
    validator.step(this.#machine.sim.clock.nowMs); // taken at once: nothing waits in the slot
    if (visit.inserted === visit.notes.length && this.#dice.chance(this.#plan.finishDuringNoteProbability)) {
      this.#hooks.count('finish-during-note');
      this.#machine.sim.keypad.press('enter'); // while the validator is still drawing the note in
    }
  }
}
