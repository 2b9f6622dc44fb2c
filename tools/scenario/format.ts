// The scenario file: a scripted session on the machine on the desk, as JSON. Each step is one
// object with exactly one action key (plus an optional "name" and "timeoutMs"), so a file reads
// like the story it tells:
//
//   { "scenario": "faq", "steps": [ { "press": "F2" }, { "waitScreen": "method" }, ... ],
//     "expect": { "sessions": [ { "countedTiyn": 2000000, "bankNextBillTiyn": 1000000 } ] } }
//
// parseScenario() checks a parsed file completely and names every fault by its path
// ("steps[3]: ..."), so a typo never turns into a scenario that silently does something else.
// docs/scenario.md describes the format for people; this file is its one definition.

import type { Key } from '../../hal/ports';
import { KEYPAD_KEYS } from '../../hal/sim/peripherals';
import { AUTH_METHODS, DENOMINATIONS_TENGE, SESSION_OUTCOMES } from '../../src/domain';
import type { BenchNote } from '../bench/machine-api';

/** Bounds on a file: a scenario is a short story, not a soak test. */
export const STEPS_MAX = 200;
export const KEYS_PER_STEP_MAX = 24;
export const NOTES_PER_STEP_MAX = 200; // the firmware's NOTES_PER_SESSION_MAX
export const WAIT_MS_MAX = 120_000; // the longest firmware timeout (QR lifetime) fits in one wait
export const CONSOLE_LINE_CHARS_MAX = 200;
export const NAME_CHARS_MAX = 80;
export const TEXT_CHARS_MAX = 400;
export const SESSION_EXPECTATIONS_MAX = 20;
export const FORMAT_ERRORS_MAX = 20;
/** How long a wait step waits when neither it nor the scenario says. */
export const WAIT_TIMEOUT_MS_DEFAULT = 10_000;

export const NOTE_TENGE: readonly number[] = DENOMINATIONS_TENGE;
export const CASSETTE_STATES = Object.freeze(['removed', 'inserted', 'full'] as const);
export const CONSOLE_ROLES = Object.freeze(['engineer', 'collector'] as const);
/** How a session ended (the domain table's outcomes), or 'open': it has not. */
export const OUTCOMES = Object.freeze([...SESSION_OUTCOMES, 'open'] as const);
export const METHODS = AUTH_METHODS;

/** A field's expected value: equal to a string or number, or a number within bounds. */
export type FieldMatch = string | number | { readonly atLeast?: number; readonly atMost?: number };

export type StepAction =
  | { readonly kind: 'press'; readonly keys: readonly Key[] }
  | { readonly kind: 'type'; readonly digits: string }
  | { readonly kind: 'waitScreen'; readonly screenId: string }
  | { readonly kind: 'waitField'; readonly fields: Readonly<Record<string, FieldMatch>> }
  | { readonly kind: 'expectField'; readonly fields: Readonly<Record<string, FieldMatch>> }
  | { readonly kind: 'insertCard'; readonly cardId: string }
  | { readonly kind: 'tapCard'; readonly cardId: string }
  | { readonly kind: 'takeCard' }
  | { readonly kind: 'palm'; readonly who: string }
  | { readonly kind: 'scanQr'; readonly iin: string }
  | { readonly kind: 'cancelQr'; readonly iin: string }
  | { readonly kind: 'notes'; readonly notes: readonly BenchNote[] }
  | { readonly kind: 'power'; readonly on: boolean }
  | { readonly kind: 'network'; readonly up: boolean }
  | { readonly kind: 'jam' }
  | { readonly kind: 'cassette'; readonly state: (typeof CASSETTE_STATES)[number] }
  | { readonly kind: 'console'; readonly line: string }
  | { readonly kind: 'login'; readonly role: (typeof CONSOLE_ROLES)[number] }
  | { readonly kind: 'waitConsole'; readonly text: string }
  | { readonly kind: 'waitMs'; readonly ms: number }
  | { readonly kind: 'waitSynced' };

export type StepKind = StepAction['kind'];

export interface Step {
  /** Zero-based position in the file, for messages. */
  readonly index: number;
  /** The step's name in messages: its "name", or its kind and position. */
  readonly label: string;
  readonly timeoutMs: number;
  readonly action: StepAction;
}

export interface SessionExpectation {
  readonly method?: (typeof METHODS)[number];
  readonly outcome?: (typeof OUTCOMES)[number];
  readonly countedTiyn?: FieldMatch;
  readonly toBillTiyn?: FieldMatch;
  readonly toNextTiyn?: FieldMatch;
  readonly bankNextBillTiyn?: FieldMatch;
  /** true: the bank issued exactly one receipt for it; false: none. */
  readonly receipt?: boolean;
  /** Notes counted by denomination in tenge, e.g. { "10000": 2 }; denominations not named must be absent. */
  readonly notes?: Readonly<Record<string, number>>;
  readonly doubts?: FieldMatch;
  /** What the session cost the bank link (the result's `bankLink`): all its HTTPS round trips, its deposit batches, its bank-ack records. */
  readonly roundTrips?: FieldMatch;
  readonly deposits?: FieldMatch;
  readonly bankAcks?: FieldMatch;
}

export interface ScenarioExpectations {
  /** The sessions the ledger opened during the run, in order; the count must match too. */
  readonly sessions?: readonly SessionExpectation[];
  /** Screen ids that must have been shown, in this order (others may come between). */
  readonly screensSeen?: readonly string[];
  /** The validator simulator's own count of notes it refused (clipped, foreign) and of notes in its cassette. */
  readonly validator?: { readonly rejectedNotes?: FieldMatch; readonly cassetteNotes?: FieldMatch };
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly steps: readonly Step[];
  readonly expect: ScenarioExpectations;
}

export class ScenarioFormatError extends Error {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(`${source}: not a valid scenario:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

type Json = unknown;
type Obj = Record<string, Json>;

/** Collects problems with their paths; stops adding after FORMAT_ERRORS_MAX. */
class Problems {
  readonly list: string[] = [];

  add(path: string, message: string): void {
    if (this.list.length < FORMAT_ERRORS_MAX) this.list.push(`${path}: ${message}`);
  }
}

const STEP_PARSERS: Readonly<
  Record<string, (value: Json, path: string, problems: Problems) => StepAction | undefined>
> = Object.freeze({
  press: (value, path, problems) => {
    const keys = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > KEYS_PER_STEP_MAX) {
      return void problems.add(
        path,
        `"press" takes a key or a list of 1..${KEYS_PER_STEP_MAX} keys (${KEYPAD_KEYS.join(' ')})`,
      );
    }
    const bad = keys.find((key) => !KEYPAD_KEYS.includes(key as Key));
    if (bad !== undefined)
      return void problems.add(path, `no key ${JSON.stringify(bad)}; keys are ${KEYPAD_KEYS.join(' ')}`);
    return { kind: 'press', keys: keys as Key[] };
  },
  type: (value, path, problems) => {
    if (typeof value !== 'string' || !/^[0-9]{1,24}$/.test(value))
      return void problems.add(path, '"type" takes a string of 1..24 digits');
    return { kind: 'type', digits: value };
  },
  waitScreen: (value, path, problems) => {
    if (typeof value !== 'string' || value.length > NAME_CHARS_MAX)
      return void problems.add(path, '"waitScreen" takes a screen id ("" for a dark screen)');
    return { kind: 'waitScreen', screenId: value };
  },
  waitField: (value, path, problems) => fieldsAction('waitField', value, path, problems),
  expectField: (value, path, problems) => fieldsAction('expectField', value, path, problems),
  insertCard: (value, path, problems) => cardAction('insertCard', value, path, problems),
  tapCard: (value, path, problems) => cardAction('tapCard', value, path, problems),
  takeCard: (value, path, problems) =>
    value === true ? { kind: 'takeCard' } : void problems.add(path, '"takeCard" takes true'),
  palm: (value, path, problems) => {
    if (typeof value !== 'string' || !(/^[0-9]{12}$/.test(value) || value === 'unknown' || value === 'poor-image')) {
      return void problems.add(path, '"palm" takes a demo customer\'s 12-digit IIN, "unknown" or "poor-image"');
    }
    return { kind: 'palm', who: value };
  },
  scanQr: (value, path, problems) => iinAction('scanQr', value, path, problems),
  cancelQr: (value, path, problems) => iinAction('cancelQr', value, path, problems),
  notes: (value, path, problems) => {
    if (!Array.isArray(value) || value.length === 0 || value.length > NOTES_PER_STEP_MAX) {
      return void problems.add(path, `"notes" takes a list of 1..${NOTES_PER_STEP_MAX} notes`);
    }
    const bad = value.find(
      (note) => !(NOTE_TENGE.includes(note as number) || note === 'clipped' || note === 'foreign'),
    );
    if (bad !== undefined)
      return void problems.add(
        path,
        `no note ${JSON.stringify(bad)}; notes are ${NOTE_TENGE.join(' ')} (tenge), "clipped", "foreign"`,
      );
    return { kind: 'notes', notes: value as BenchNote[] };
  },
  power: (value, path, problems) =>
    value === 'on' || value === 'off'
      ? { kind: 'power', on: value === 'on' }
      : void problems.add(path, '"power" takes "on" or "off"'),
  network: (value, path, problems) =>
    value === 'up' || value === 'down'
      ? { kind: 'network', up: value === 'up' }
      : void problems.add(path, '"network" takes "up" or "down"'),
  jam: (value, path, problems) =>
    value === true ? { kind: 'jam' } : void problems.add(path, '"jam" takes true (the next note jams in the stacker)'),
  cassette: (value, path, problems) => {
    if (!CASSETTE_STATES.includes(value as never))
      return void problems.add(path, `"cassette" takes ${CASSETTE_STATES.map((state) => `"${state}"`).join(', ')}`);
    return { kind: 'cassette', state: value as (typeof CASSETTE_STATES)[number] };
  },
  console: (value, path, problems) => {
    if (typeof value !== 'string' || value.length > CONSOLE_LINE_CHARS_MAX || /[\r\n]/.test(value)) {
      return void problems.add(path, `"console" takes one line of at most ${CONSOLE_LINE_CHARS_MAX} characters`);
    }
    return { kind: 'console', line: value };
  },
  login: (value, path, problems) => {
    if (!CONSOLE_ROLES.includes(value as never))
      return void problems.add(path, '"login" takes "engineer" or "collector" (the bench secrets)');
    return { kind: 'login', role: value as (typeof CONSOLE_ROLES)[number] };
  },
  waitConsole: (value, path, problems) => {
    if (typeof value !== 'string' || value.length === 0 || value.length > CONSOLE_LINE_CHARS_MAX)
      return void problems.add(path, '"waitConsole" takes the text to wait for');
    return { kind: 'waitConsole', text: value };
  },
  waitMs: (value, path, problems) => {
    if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > WAIT_MS_MAX)
      return void problems.add(path, `"waitMs" takes 0..${WAIT_MS_MAX} ms`);
    return { kind: 'waitMs', ms: value as number };
  },
  waitSynced: (value, path, problems) =>
    value === true ? { kind: 'waitSynced' } : void problems.add(path, '"waitSynced" takes true'),
});

export const STEP_KINDS: readonly string[] = Object.freeze(Object.keys(STEP_PARSERS));
const STEP_EXTRAS = Object.freeze(['name', 'timeoutMs']);
const SESSION_KEYS = Object.freeze([
  'method',
  'outcome',
  'countedTiyn',
  'toBillTiyn',
  'toNextTiyn',
  'bankNextBillTiyn',
  'receipt',
  'notes',
  'doubts',
  'roundTrips',
  'deposits',
  'bankAcks',
]);

function fieldsAction(
  kind: 'waitField' | 'expectField',
  value: Json,
  path: string,
  problems: Problems,
): StepAction | undefined {
  if (!isObject(value) || Object.keys(value).length === 0)
    return void problems.add(path, `"${kind}" takes an object of field: value`);
  const fields: Record<string, FieldMatch> = {};
  for (const [field, match] of Object.entries(value)) {
    const parsed = parseMatch(match, `${path}.${kind}.${field}`, problems);
    if (parsed !== undefined) fields[field] = parsed;
  }
  return { kind, fields };
}

function cardAction(
  kind: 'insertCard' | 'tapCard',
  value: Json,
  path: string,
  problems: Problems,
): StepAction | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9]{1,40}$/.test(value))
    return void problems.add(path, `"${kind}" takes a demo card id (hal/sim/card-reader.ts DEMO_CARDS)`);
  return { kind, cardId: value };
}

function iinAction(kind: 'scanQr' | 'cancelQr', value: Json, path: string, problems: Problems): StepAction | undefined {
  if (typeof value !== 'string' || !/^[0-9]{12}$/.test(value))
    return void problems.add(path, `"${kind}" takes the phone owner's 12-digit IIN`);
  return { kind, iin: value };
}

function parseMatch(value: Json, path: string, problems: Problems): FieldMatch | undefined {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
  if (isObject(value)) {
    const keys = Object.keys(value);
    const bounds = keys.every((key) => key === 'atLeast' || key === 'atMost') && keys.length > 0;
    if (bounds && keys.every((key) => typeof value[key] === 'number' && Number.isFinite(value[key]))) {
      return value as { atLeast?: number; atMost?: number };
    }
  }
  return void problems.add(path, 'expected a string, a number, or { "atLeast": n, "atMost": n }');
}

function isObject(value: Json): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseStep(value: Json, index: number, defaultTimeoutMs: number, problems: Problems): Step | undefined {
  const path = `steps[${index}]`;
  if (!isObject(value)) return void problems.add(path, 'a step is an object such as { "press": "F2" }');
  const actionKeys = Object.keys(value).filter((key) => !STEP_EXTRAS.includes(key));
  if (actionKeys.length !== 1) {
    const unknown = actionKeys.filter((key) => !STEP_KINDS.includes(key));
    const hint = unknown.length > 0 ? `unknown ${unknown.map((key) => `"${key}"`).join(', ')}; ` : '';
    return void problems.add(
      path,
      `${hint}a step has exactly one of: ${STEP_KINDS.join(', ')} (plus optional name, timeoutMs)`,
    );
  }
  const kind = actionKeys[0];
  const parser = STEP_PARSERS[kind];
  if (parser === undefined)
    return void problems.add(path, `unknown step "${kind}"; a step is one of: ${STEP_KINDS.join(', ')}`);
  const name = value.name;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > NAME_CHARS_MAX)) {
    problems.add(`${path}.name`, `a name is 1..${NAME_CHARS_MAX} characters`);
  }
  const timeoutMs = value.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isSafeInteger(timeoutMs) || (timeoutMs as number) < 1 || (timeoutMs as number) > WAIT_MS_MAX) {
    problems.add(`${path}.timeoutMs`, `takes 1..${WAIT_MS_MAX} ms`);
  }
  const action = parser(value[kind], path, problems);
  if (action === undefined) return undefined;
  const label = typeof name === 'string' ? `step ${index + 1} "${name}" (${kind})` : `step ${index + 1} (${kind})`;
  return { index, label, timeoutMs: timeoutMs as number, action };
}

function parseExpect(value: Json, problems: Problems): ScenarioExpectations {
  if (value === undefined) return {};
  if (!isObject(value)) {
    problems.add('expect', 'takes { "sessions": [...], "screensSeen": [...] }');
    return {};
  }
  for (const key of Object.keys(value)) {
    if (!['sessions', 'screensSeen', 'validator'].includes(key))
      problems.add(`expect.${key}`, 'unknown; expect has "sessions", "screensSeen" and "validator"');
  }
  const validator = value.validator;
  if (validator !== undefined) {
    if (!isObject(validator)) problems.add('expect.validator', 'takes { "rejectedNotes": n, "cassetteNotes": n }');
    else {
      for (const [key, match] of Object.entries(validator)) {
        if (key !== 'rejectedNotes' && key !== 'cassetteNotes')
          problems.add(`expect.validator.${key}`, 'unknown; the validator has "rejectedNotes" and "cassetteNotes"');
        else parseMatch(match, `expect.validator.${key}`, problems);
      }
    }
  }
  const screensSeen = value.screensSeen;
  if (
    screensSeen !== undefined &&
    (!Array.isArray(screensSeen) ||
      !screensSeen.every((id) => typeof id === 'string') ||
      screensSeen.length > STEPS_MAX)
  ) {
    problems.add('expect.screensSeen', 'takes a list of screen ids');
  }
  const sessions = value.sessions;
  if (sessions !== undefined && (!Array.isArray(sessions) || sessions.length > SESSION_EXPECTATIONS_MAX)) {
    problems.add('expect.sessions', `takes a list of at most ${SESSION_EXPECTATIONS_MAX} session expectations`);
    return {};
  }
  return {
    screensSeen: screensSeen as string[] | undefined,
    validator: validator as ScenarioExpectations['validator'],
    sessions:
      sessions === undefined
        ? undefined
        : sessions.map((session, index) => parseSessionExpectation(session, `expect.sessions[${index}]`, problems)),
  };
}

function parseSessionExpectation(value: Json, path: string, problems: Problems): SessionExpectation {
  if (!isObject(value)) {
    problems.add(path, 'a session expectation is an object');
    return {};
  }
  for (const key of Object.keys(value)) {
    if (!SESSION_KEYS.includes(key))
      problems.add(`${path}.${key}`, `unknown; a session has ${SESSION_KEYS.join(', ')}`);
  }
  if (value.method !== undefined && !METHODS.includes(value.method as never))
    problems.add(`${path}.method`, `one of ${METHODS.join(', ')}`);
  if (value.outcome !== undefined && !OUTCOMES.includes(value.outcome as never))
    problems.add(`${path}.outcome`, `one of ${OUTCOMES.join(', ')}`);
  if (value.receipt !== undefined && typeof value.receipt !== 'boolean')
    problems.add(`${path}.receipt`, 'true or false');
  for (const key of [
    'countedTiyn',
    'toBillTiyn',
    'toNextTiyn',
    'bankNextBillTiyn',
    'doubts',
    'roundTrips',
    'deposits',
    'bankAcks',
  ]) {
    if (value[key] !== undefined) parseMatch(value[key], `${path}.${key}`, problems);
  }
  const notes = value.notes;
  if (notes !== undefined) {
    const good =
      isObject(notes) &&
      Object.entries(notes).every(
        ([tenge, count]) => NOTE_TENGE.includes(Number(tenge)) && Number.isSafeInteger(count) && (count as number) >= 0,
      );
    if (!good) problems.add(`${path}.notes`, `takes { "<tenge>": count } with tenge one of ${NOTE_TENGE.join(' ')}`);
  }
  return value as SessionExpectation;
}

/** Checks a parsed JSON value; throws ScenarioFormatError listing every problem found. */
export function parseScenario(value: Json, source: string): Scenario {
  const problems = new Problems();
  if (!isObject(value))
    throw new ScenarioFormatError(source, ['the file must hold one JSON object { "scenario", "steps", "expect" }']);
  for (const key of Object.keys(value)) {
    if (!['scenario', 'description', 'waitTimeoutMs', 'steps', 'expect'].includes(key)) {
      problems.add(key, 'unknown; a scenario has scenario, description, waitTimeoutMs, steps, expect');
    }
  }
  const name = value.scenario;
  if (typeof name !== 'string' || !/^[a-z0-9-]{1,60}$/.test(name))
    problems.add('scenario', 'the name: 1..60 of a-z 0-9 -');
  const description = value.description ?? '';
  if (typeof description !== 'string' || description.length > TEXT_CHARS_MAX)
    problems.add('description', `text of at most ${TEXT_CHARS_MAX} characters`);
  const waitTimeoutMs = value.waitTimeoutMs ?? WAIT_TIMEOUT_MS_DEFAULT;
  if (
    !Number.isSafeInteger(waitTimeoutMs) ||
    (waitTimeoutMs as number) < 1 ||
    (waitTimeoutMs as number) > WAIT_MS_MAX
  ) {
    problems.add('waitTimeoutMs', `takes 1..${WAIT_MS_MAX} ms`);
  }
  const rawSteps = value.steps;
  const steps: Step[] = [];
  if (!Array.isArray(rawSteps) || rawSteps.length === 0 || rawSteps.length > STEPS_MAX) {
    problems.add('steps', `a list of 1..${STEPS_MAX} steps`);
  } else {
    rawSteps.forEach((raw, index) => {
      const step = parseStep(
        raw,
        index,
        Number.isSafeInteger(waitTimeoutMs) ? (waitTimeoutMs as number) : WAIT_TIMEOUT_MS_DEFAULT,
        problems,
      );
      if (step !== undefined) steps.push(step);
    });
  }
  const expect = parseExpect(value.expect, problems);
  if (problems.list.length > 0) throw new ScenarioFormatError(source, problems.list);
  return { name: name as string, description: description as string, steps, expect };
}

/** Parses the text of a scenario file (JSON), naming the file in every error. */
export function parseScenarioText(text: string, source: string): Scenario {
  let value: Json;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ScenarioFormatError(source, [`not JSON: ${(error as Error).message}`]);
  }
  return parseScenario(value, source);
}

/** Whether a value satisfies a field match (numbers compare as numbers, also when shown as text). */
export function matches(actual: string | number | undefined | null, expected: FieldMatch): boolean {
  if (actual === undefined || actual === null) return false;
  if (typeof expected === 'string') return String(actual) === expected;
  const number = typeof actual === 'number' ? actual : Number(actual);
  if (typeof expected === 'number') return number === expected;
  if (!Number.isFinite(number)) return false;
  return (
    (expected.atLeast === undefined || number >= expected.atLeast) &&
    (expected.atMost === undefined || number <= expected.atMost)
  );
}

export function describeMatch(expected: FieldMatch): string {
  if (typeof expected !== 'object') return JSON.stringify(expected);
  const parts = [];
  if (expected.atLeast !== undefined) parts.push(`≥ ${expected.atLeast}`);
  if (expected.atMost !== undefined) parts.push(`≤ ${expected.atMost}`);
  return parts.join(' and ');
}
