// The machine's configuration: what a field engineer may change without new firmware.
// One frozen table says, for each key, where it is stored (the Settings port: NVS on the
// board, keys of at most 15 characters), its default, and how a text value is checked.
// Values are validated on the way in (console) and again on the way out of storage (a
// corrupted or hand-edited value falls back to the default and is reported, never used).
// The machine's ATM id is not configuration: it is the board's provisioning (identity.ts).
import type { Language, Settings } from '../../hal/ports';
import { assert } from '../assert';

export type ConfigKey = 'city' | 'alaqan' | 'contactless' | 'bank-host' | 'languages';

export interface MachineConfig {
  /** Where the machine stands (Alaqan is switched on city by city). */
  readonly city: City;
  /** Offer palm authorisation (when the camera is healthy too). */
  readonly alaqanEnabled: boolean;
  /** Accept contactless cards; off while Kaspi has tap authorisation suspended (docs/design.md). */
  readonly contactlessEnabled: boolean;
  /** The bank's host name, optionally with ":port". */
  readonly bankHost: string;
  /** The languages offered, in the order shown. */
  readonly languages: readonly Language[];
}

/** The cities the bank runs these machines in (Latin names as the bank's systems spell them). */
export const CITIES = Object.freeze([
  'almaty',
  'astana',
  'shymkent',
  'karaganda',
  'aktobe',
  'taraz',
  'pavlodar',
  'oskemen',
  'semey',
  'atyrau',
  'kostanay',
  'kyzylorda',
  'oral',
  'petropavl',
  'aktau',
  'turkistan',
  'taldykorgan',
  'kokshetau',
  'ekibastuz',
  'temirtau',
  'zhezkazgan',
  'konaev',
] as const);
export type City = (typeof CITIES)[number];

export const BANK_HOST_CHARS_MAX = 64;
export const CONFIG_VALUE_CHARS_MAX = 64;

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

interface Field<T> {
  readonly key: ConfigKey;
  /** The Settings key: at most 15 characters (NVS). */
  readonly settingsKey: string;
  readonly help: string;
  readonly format: string;
  readonly defaultText: string;
  parse(text: string): Parsed<T>;
}

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function fail<T>(error: string): Parsed<T> {
  return { ok: false, error };
}

function parseOnOff(text: string): Parsed<boolean> {
  if (text === 'on') return ok(true);
  if (text === 'off') return ok(false);
  return fail("must be 'on' or 'off'");
}

function parseCity(text: string): Parsed<City> {
  const index = CITIES.indexOf(text as City);
  return index < 0 ? fail(`must be one of ${CITIES.join(', ')}`) : ok(CITIES[index]);
}

function parseBankHost(text: string): Parsed<string> {
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? text : text.slice(0, colon);
  const port = colon < 0 ? '443' : text.slice(colon + 1);
  const portNumber = /^[0-9]{1,5}$/.test(port) ? Number(port) : 0;
  const labels = host.split('.');
  const labelsOk = labels.every((label) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label));
  if (text.length > BANK_HOST_CHARS_MAX || !labelsOk || portNumber < 1 || portNumber > 65_535) {
    return fail(`must be a lower-case host name with an optional :port, at most ${BANK_HOST_CHARS_MAX} characters`);
  }
  return ok(text);
}

const LANGUAGES: readonly Language[] = Object.freeze(['kk', 'ru', 'en']);

function parseLanguages(text: string): Parsed<readonly Language[]> {
  const names = text.split(',');
  const languages: Language[] = [];
  for (const name of names) {
    const language = LANGUAGES.find((known) => known === name);
    if (language === undefined || languages.includes(language))
      return fail('must be a comma list of kk, ru, en without repeats');
    languages.push(language);
  }
  // Kazakh is the state language and Russian is official in Kazakhstan: a machine offers both.
  if (!languages.includes('kk') || !languages.includes('ru')) return fail('must include kk and ru');
  return ok(Object.freeze(languages));
}

export const CONFIG_FIELDS = Object.freeze({
  city: {
    key: 'city',
    settingsKey: 'cfg.city',
    help: 'the city the machine stands in',
    format: 'almaty|astana|...',
    defaultText: 'almaty',
    parse: parseCity,
  } as Field<City>,
  alaqan: {
    key: 'alaqan',
    settingsKey: 'cfg.alaqan',
    help: 'offer palm (Alaqan) authorisation',
    format: 'on|off',
    defaultText: 'off',
    parse: parseOnOff,
  } as Field<boolean>,
  contactless: {
    key: 'contactless',
    settingsKey: 'cfg.contactless',
    help: 'accept contactless cards',
    format: 'on|off',
    defaultText: 'off',
    parse: parseOnOff,
  } as Field<boolean>,
  'bank-host': {
    key: 'bank-host',
    settingsKey: 'cfg.bank_host',
    help: "the bank's host[:port]",
    format: 'host[:port]',
    defaultText: 'localhost:8443',
    parse: parseBankHost,
  } as Field<string>,
  languages: {
    key: 'languages',
    settingsKey: 'cfg.languages',
    help: 'languages offered, in order',
    format: 'kk,ru[,en]',
    defaultText: 'kk,ru,en',
    parse: parseLanguages,
  } as Field<readonly Language[]>,
});

export const CONFIG_KEYS: readonly ConfigKey[] = Object.freeze([
  'city',
  'alaqan',
  'contactless',
  'bank-host',
  'languages',
]);

export type ConfigSetResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

export function isConfigKey(text: string): text is ConfigKey {
  return CONFIG_KEYS.indexOf(text as ConfigKey) >= 0;
}

function parsedValue<T>(field: Field<T>, text: string): T {
  const parsed = field.parse(text);
  assert(parsed.ok, `config default for ${field.key} is invalid`);
  return parsed.value;
}

/** The configuration, loaded from Settings at construction and written through on every set. */
export class ConfigStore {
  readonly #settings: Settings;
  readonly #texts = new Map<ConfigKey, string>();
  #current: MachineConfig;
  /** Stored values that failed validation at load and were replaced by the default. */
  readonly loadProblems: readonly string[];

  constructor(settings: Settings) {
    this.#settings = settings;
    const problems: string[] = [];
    for (const key of CONFIG_KEYS) {
      const field: Field<unknown> = CONFIG_FIELDS[key];
      assert(field.settingsKey.length <= 15, 'settings keys are at most 15 characters (NVS)');
      const stored = settings.get(field.settingsKey);
      const valid = stored !== undefined && stored.length <= CONFIG_VALUE_CHARS_MAX && field.parse(stored).ok;
      if (stored !== undefined && !valid) problems.push(`${key}: stored value invalid, using the default`);
      this.#texts.set(key, valid ? stored : field.defaultText);
    }
    this.loadProblems = Object.freeze(problems);
    this.#current = this.#build();
  }

  get current(): MachineConfig {
    return this.#current;
  }

  /** The value of `key` as text, as `set` takes it. */
  get(key: ConfigKey): string {
    const text = this.#texts.get(key);
    assert(text !== undefined, `config ${key} missing`);
    return text;
  }

  /** Validates and stores `text` for `key`; the running configuration changes only once it is stored. */
  set(key: ConfigKey, text: string): ConfigSetResult {
    const field: Field<unknown> = CONFIG_FIELDS[key];
    const parsed =
      text.length > CONFIG_VALUE_CHARS_MAX
        ? fail<unknown>(`is longer than ${CONFIG_VALUE_CHARS_MAX} characters`)
        : field.parse(text);
    if (!parsed.ok) return { ok: false, error: `${key} ${parsed.error}` };
    if (!this.#settings.set(field.settingsKey, text) || this.#settings.get(field.settingsKey) !== text) {
      return { ok: false, error: `${key}: storage refused the value; nothing changed` };
    }
    this.#texts.set(key, text);
    this.#current = this.#build();
    return { ok: true };
  }

  #build(): MachineConfig {
    return Object.freeze({
      city: parsedValue(CONFIG_FIELDS.city, this.get('city')),
      alaqanEnabled: parsedValue(CONFIG_FIELDS.alaqan, this.get('alaqan')),
      contactlessEnabled: parsedValue(CONFIG_FIELDS.contactless, this.get('contactless')),
      bankHost: parsedValue(CONFIG_FIELDS['bank-host'], this.get('bank-host')),
      languages: parsedValue(CONFIG_FIELDS.languages, this.get('languages')),
    });
  }
}
