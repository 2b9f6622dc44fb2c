import assert from 'node:assert/strict';
import { CONFIG_FIELDS, CONFIG_KEYS, ConfigStore } from '../../src/config/config';
import { MemorySettings } from '../../hal/sim/peripherals';
import type { Settings } from '../../hal/ports';

describe('machine configuration (src/config)', () => {
  it('starts from the defaults on a fresh board: contactless off, Alaqan off, kk,ru,en', () => {
    const config = new ConfigStore(new MemorySettings());
    assert.deepEqual(config.current, {
      city: 'almaty',
      alaqanEnabled: false,
      contactlessEnabled: false,
      bankHost: 'localhost:8443',
      languages: ['kk', 'ru', 'en'],
    });
    assert.deepEqual(config.loadProblems, []);
    for (const key of CONFIG_KEYS) assert.ok(CONFIG_FIELDS[key].settingsKey.length <= 15, `${key}: NVS key too long`);
  });

  it('validates, stores durably, and a new store over the same settings reads it back', () => {
    const settings = new MemorySettings();
    const config = new ConfigStore(settings);
    assert.deepEqual(config.set('city', 'astana'), { ok: true });
    assert.deepEqual(config.set('alaqan', 'on'), { ok: true });
    assert.deepEqual(config.set('contactless', 'on'), { ok: true });
    assert.deepEqual(config.set('bank-host', 'api.bank.kz:443'), { ok: true });
    assert.deepEqual(config.set('languages', 'ru,kk'), { ok: true });
    const reread = new ConfigStore(settings);
    assert.deepEqual(reread.current, {
      city: 'astana',
      alaqanEnabled: true,
      contactlessEnabled: true,
      bankHost: 'api.bank.kz:443',
      languages: ['ru', 'kk'],
    });
  });

  it('refuses bad values with a reason and changes nothing', () => {
    const settings = new MemorySettings();
    const config = new ConfigStore(settings);
    const bad: [Parameters<ConfigStore['set']>[0], string][] = [
      ['city', 'moscow'],
      ['city', 'Almaty'],
      ['alaqan', 'yes'],
      ['contactless', '1'],
      ['bank-host', 'Bank.KZ'],
      ['bank-host', 'bank.kz:0'],
      ['bank-host', 'bank.kz:70000'],
      ['bank-host', '-bank.kz'],
      ['bank-host', 'a..b'],
      ['languages', 'kk'],
      ['languages', 'kk,ru,ru'],
      ['languages', 'kk,ru,de'],
      ['languages', ''],
    ];
    for (const [key, value] of bad) {
      const result = config.set(key, value);
      assert.equal(result.ok, false, `${key} ${value} was taken`);
      if (!result.ok) assert.match(result.error, new RegExp(`^${key} `));
    }
    assert.equal(settings.get('cfg.city'), undefined);
    assert.equal(config.current.city, 'almaty');
  });

  it('ignores a corrupted stored value (default used, problem reported)', () => {
    const settings = new MemorySettings();
    settings.set('cfg.languages', 'de');
    settings.set('cfg.city', 'almaty');
    const config = new ConfigStore(settings);
    assert.deepEqual(config.current.languages, ['kk', 'ru', 'en']);
    assert.deepEqual(config.loadProblems, ['languages: stored value invalid, using the default']);
  });

  it('keeps the running value when storage refuses the write', () => {
    const refusing: Settings = { get: () => undefined, set: () => false };
    const config = new ConfigStore(refusing);
    const result = config.set('alaqan', 'on');
    assert.equal(result.ok, false);
    assert.equal(config.current.alaqanEnabled, false);
  });
});
