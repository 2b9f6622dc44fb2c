import assert from 'node:assert/strict';
import { CARD_DIGITS_MAX, CARD_DIGITS_MIN, maskIin, maskPan, maskSensitive } from '../../src/log/mask';
import { EVENT_LOG_ENTRIES_MAX, EVENT_TEXT_CHARS_MAX, EventLog } from '../../src/log/event-log';
import { civilFromDays, formatWallMs } from '../../src/log/wall-time';
import { VirtualClock } from '../../hal/sim/world';
import { leaksIn } from './support/leak-scan';

describe('console masking (src/log/mask.ts)', () => {
  it('keeps the first 2 and last 2 digits of an IIN (12 digits), wherever it stands', () => {
    assert.equal(maskSensitive('IIN 900101300126'), 'IIN 90********26');
    assert.equal(maskSensitive('iin=900101300126;'), 'iin=90********26;');
    assert.equal(maskSensitive('900101 300126'), '90**** ****26');
    assert.equal(maskSensitive('x900101300126y'), 'x90********26y');
  });

  it('keeps only the last 4 digits of a card number (13 to 19 digits), as the screen does', () => {
    assert.equal(maskSensitive('card 4400430212345678 ok'), 'card ************5678 ok');
    assert.equal(maskSensitive('4000000000006'), '*********0006');
    assert.equal(maskSensitive('6250941006528599123'), '***************9123');
    assert.equal(maskSensitive('4400 4302 1234 5678'), '**** **** **** 5678');
    assert.equal(maskSensitive('4400-4302-1234-5678'), '****-****-****-5678');
    assert.equal(maskSensitive('3782 822463 10005'), '**** ****** *0005');
  });

  it("masks a customer's number the same way on the console, the log, the screen and the bank's books", () => {
    assert.equal(maskSensitive('900101300126'), maskIin('900101300126'));
    const pan = '6250941006528599123';
    for (let digits = CARD_DIGITS_MIN; digits <= CARD_DIGITS_MAX; digits++) {
      const number = pan.slice(0, digits);
      assert.equal(maskSensitive(number), maskPan(number).split(' ').join(''), number);
    }
  });

  it('masks longer digit runs, and leaves shorter numbers, dates, amounts and ranges alone', () => {
    assert.equal(maskSensitive('ref 12345678901234567890'), 'ref 12****************90');
    for (const text of [
      'seq 12345678901',
      '2026-11-26 14:03:07',
      '15 000 000.00 KZT',
      'period 100..199',
      '100 200 300 400',
      'bill table 200 500 1000 2000 5000 10000 20000',
      '1000 2000 5000',
      'ticks 1234 5678 90',
    ]) {
      assert.equal(maskSensitive(text), text);
    }
  });

  it('masks hex and base64 tokens of 16 characters or more, keeping 4', () => {
    assert.equal(maskSensitive('key 0123456789abcdef0123456789abcdef'), `key 0123${'*'.repeat(28)}`);
    assert.equal(maskSensitive('deadbeefcafebabe'), `dead${'*'.repeat(12)}`);
    assert.equal(maskSensitive('Bearer dGhpcyBpcyBhIHNlY3JldCB0b2tlbg=='), `Bearer dGhp${'*'.repeat(28)}`);
    assert.equal(maskSensitive('t=abc_DEF-ghi_JKL-mn-OPQ-rs'), `t=abc_${'*'.repeat(21)}`);
    assert.equal(maskSensitive('k=0123456789abcdef0123==;'), `k=0123${'*'.repeat(18)};`);
  });

  it('leaves words, short hex, the login challenge and host names readable', () => {
    for (const text of [
      'reconciliation-report',
      'internationalization',
      'deadbeef',
      'challenge 1a2b:3c4d:5e6f:7a8b:9c0d:1e2f:3a4b:5c6d',
      'bank.kaspi.kz:8443',
      'firmware 0.1.0',
      'denominationTenge=5000 amountTiyn=500000',
    ]) {
      assert.equal(maskSensitive(text), text);
    }
  });

  it('keeps the length, so an echo and a table stay aligned', () => {
    const text = 'a 900101300126 b 4400430212345678 c 0123456789abcdef0123';
    assert.equal(maskSensitive(text).length, text.length);
    assert.deepEqual(leaksIn(maskSensitive(text)), []);
    assert.ok(leaksIn(text).length >= 2, 'the leak scanner itself sees both numbers');
    assert.deepEqual(leaksIn('4400 4302 1234 5678|900101 300126|3782 822463 10005'), [
      '4400 4302 1234 5678',
      '900101 300126',
      '3782 822463 10005',
    ]);
  });

  it('masks IINs written 4-4-4 or in pairs and cards grouped 6-6-4 or with dots, also inside longer runs (issue 15, item 8)', () => {
    const cases: [string, string][] = [
      ['IIN 9001 0130 0126', 'IIN 90** **** **26'],
      ['iin 90 01 01 30 01 26.', 'iin 90 ** ** ** ** 26.'],
      ['9001-0130-0126', '90**-****-**26'],
      ['900101.300126', '90****.****26'],
      ['9001.0130.0126', '90**.****.**26'],
      ['card 440043 021234 5678', 'card ****** ****** 5678'],
      ['4400.4302.1234.5678', '****.****.****.5678'],
      ['4400-4302-1234-5678-901', '****-****-****-***8-901'],
      // Next to more digits the number is still found (before, only a layout ending the run was).
      ['pan 4400 4302 1234 5678 2026', 'pan **** **** **** **** 2026'],
      ['on 2026 4400 4302 1234 5678', 'on **** **** **** **** 5678'],
      ['notes 500 200 9001 0130 0126', 'notes 500 200 90** **** **26'],
    ];
    for (const [text, masked] of cases) {
      assert.equal(maskSensitive(text), masked, text);
      assert.ok(leaksIn(text).length >= 1, `the leak scan sees the number in ${JSON.stringify(text)}`);
      assert.deepEqual(leaksIn(maskSensitive(text)), [], `nothing left to see in ${JSON.stringify(masked)}`);
    }
  });

  it('leaves lists, dates, amounts and addresses in those groupings alone (and the leak scan does too)', () => {
    const texts = [
      '1000 2000 5000',
      '1000 2000 5000 10000 20000',
      '12 34 56 78 90 12',
      '2026 1126 1403',
      '192.168.100.200',
      '1.2.3.4',
      '15 000 000.00 KZT',
      'firmware 0.1.0',
      '2026-11-26 14:03:07',
      '100 200 300 400',
      'seq 1234.5678.9012',
    ];
    for (const text of texts) {
      assert.equal(maskSensitive(text), text);
      assert.deepEqual(leaksIn(text), [], text);
    }
  });
});

describe('event log ring (src/log/event-log.ts)', () => {
  it('masks at write, keeps the newest EVENT_LOG_ENTRIES_MAX events, oldest first, bounded text', () => {
    const clock = new VirtualClock(Number.NaN);
    const log = new EventLog(clock);
    log.record('session', 'started for IIN 900101300126');
    for (let index = 2; index <= EVENT_LOG_ENTRIES_MAX + 10; index++) {
      clock.nowMs = index * 1000;
      log.record('test', `event ${index} ${'x'.repeat(EVENT_TEXT_CHARS_MAX)}`);
    }
    assert.equal(log.written, EVENT_LOG_ENTRIES_MAX + 10);
    assert.equal(log.size, EVENT_LOG_ENTRIES_MAX);
    const numbers: number[] = [];
    log.visitNewest(1000, (event) => {
      numbers.push(event.number);
      assert.ok(event.text.length <= EVENT_TEXT_CHARS_MAX);
    });
    assert.equal(numbers.length, EVENT_LOG_ENTRIES_MAX);
    assert.equal(numbers[0], 11);
    assert.equal(numbers[numbers.length - 1], EVENT_LOG_ENTRIES_MAX + 10);
    const fresh = new EventLog(clock);
    fresh.record('session', 'started for IIN 900101300126');
    fresh.visitNewest(1, (event) => assert.equal(event.text, 'started for IIN 90********26'));
  });
});

describe('wall time in Kazakhstan (UTC+5)', () => {
  it('formats epoch milliseconds as the civil time in UTC+5', () => {
    assert.equal(formatWallMs(0), '1970-01-01 05:00:00');
    // 2024-03-01T00:00:00Z = 1709251200000 ms: 05:00 in Almaty.
    assert.equal(formatWallMs(1_709_251_200_000), '2024-03-01 05:00:00');
    // 2026-11-26T18:59:59Z crosses midnight locally.
    assert.equal(formatWallMs(1_795_719_599_000), '2026-11-26 23:59:59');
    assert.equal(formatWallMs(1_795_719_600_000), '2026-11-27 00:00:00');
    assert.equal(formatWallMs(Number.NaN), 'clock not set');
    assert.deepEqual(civilFromDays(11_016), { year: 2000, month: 2, day: 29 });
  });
});
