import assert from 'node:assert/strict';
import { iinCheckDigit, kazakhstanDate, validateIin } from '../../src/kz/iin';
import { maskIin, maskPan } from '../../src/log/mask';
import { formatDate, formatTiyn } from '../../src/kz/tenge';
import { say, TEXTS } from '../../src/session/texts';

// Every vector below was worked by hand from docs/kazakhstan.md:
// s1 = Σ d_i·i (i = 1..11) mod 11; if s1 = 10, s2 = Σ d_i·w_i with w = 3,4,5,6,7,8,9,10,11,1,2.
describe('IIN (reference: kazakhstan.md)', () => {
  const NOV_25_2026 = Date.UTC(2026, 10, 25, 7, 0, 0);

  it("accepts the demo customers' IINs, with birth date and sex from digits 1–7", () => {
    // 9·1+0+0+1·4+0+1·6+3·7+0+0+0+1·11 = 51 ≡ 7 → d12 = 7; d7 = 3: 1900s, male.
    assert.deepEqual(validateIin('900101300017', NOV_25_2026), { ok: true, birthDate: '1990-01-01', sex: 'male' });
    // 8+10+0+12+5+30+28+0+0+0+22 = 115 ≡ 5; d7 = 4: 1900s, female.
    assert.deepEqual(validateIin('850315400025', NOV_25_2026), { ok: true, birthDate: '1985-03-15', sex: 'female' });
    // 0+8+0+8+10+54+35+0+0+10+22 = 147 ≡ 4; d7 = 5: 2000s, male; 2004 is a leap year.
    assert.deepEqual(validateIin('040229500124', NOV_25_2026), { ok: true, birthDate: '2004-02-29', sex: 'male' });
  });

  it('uses the second weight set when the first sum leaves 10', () => {
    // s1 = 51 + 4·9 = 87 ≡ 10; s2 = 27+0+0+6+0+8+27+0+44+0+2 = 114 ≡ 4 → d12 = 4.
    assert.equal(iinCheckDigit('900101304014'), 4);
    assert.deepEqual(validateIin('900101304014'), { ok: true, birthDate: '1990-01-01', sex: 'male' });
    assert.deepEqual(validateIin('900101304015'), { ok: false, reason: 'checksum' });
  });

  it('rejects a number whose both sums leave 10 — whatever d12 is, 0 included', () => {
    // d11 weighs 11 ≡ 0 in s1: s1 = 131 ≡ 10; s2 = 27+6+8+27+44+8 = 120 ≡ 10. Never issued.
    assert.equal(iinCheckDigit('900101304040'), -1);
    for (let last = 0; last <= 9; last++) {
      assert.deepEqual(validateIin(`90010130404${last}`), { ok: false, reason: 'checksum' }, `d12 = ${last}`);
    }
  });

  it('rejects a wrong check digit', () => {
    assert.deepEqual(validateIin('900101300010'), { ok: false, reason: 'checksum' });
    assert.deepEqual(validateIin('850315400026'), { ok: false, reason: 'checksum' });
  });

  it('rejects an impossible date even with a valid checksum', () => {
    // Month 13: 9+0+3+12+0+6+21+0+0+0+11 = 62 ≡ 7.
    assert.deepEqual(validateIin('901301300017'), { ok: false, reason: 'birth-date' });
    // 30 February: 9+0+0+8+15+0+21+0+0+0+11 = 64 ≡ 9.
    assert.deepEqual(validateIin('900230300019'), { ok: false, reason: 'birth-date' });
    // 29 February 2005 (not a leap year): 0+10+0+8+10+54+35+0+0+10+22 = 149 ≡ 6.
    assert.deepEqual(validateIin('050229500126'), { ok: false, reason: 'birth-date' });
    assert.deepEqual(validateIin('900100300011'), { ok: false, reason: 'birth-date' });
  });

  it('rejects century digits 0 and 7–9, and knows 1800s by 1/2', () => {
    for (const digit of ['0', '7', '8', '9']) {
      assert.deepEqual(validateIin(`900101${digit}00017`), { ok: false, reason: 'century' }, `d7 = ${digit}`);
    }
    // d7 = 2: 1800s, female. 9+0+0+4+0+6+14+0+0+0+11 = 44 ≡ 0.
    assert.deepEqual(validateIin('900101200010'), { ok: true, birthDate: '1890-01-01', sex: 'female' });
  });

  it('rejects a birth date after today in Kazakhstan (UTC+5), and skips the check with no clock', () => {
    // 2030-01-01, d7 = 5: 3+0+0+4+0+6+35+0+0+0+11 = 59 ≡ 4.
    assert.deepEqual(validateIin('300101500014', NOV_25_2026), { ok: false, reason: 'future' });
    assert.deepEqual(validateIin('300101500014', Number.NaN), { ok: true, birthDate: '2030-01-01', sex: 'male' });
    // Born 2026-11-26 (d7 = 5): 2+12+3+4+10+36+35+0+0+0+11 = 113 ≡ 3. At 20:00 UTC on the 25th it is already the 26th in Astana.
    assert.deepEqual(validateIin('261126500013', Date.UTC(2026, 10, 25, 18, 30)), { ok: false, reason: 'future' });
    assert.deepEqual(validateIin('261126500013', Date.UTC(2026, 10, 25, 19, 0)), {
      ok: true,
      birthDate: '2026-11-26',
      sex: 'male',
    });
  });

  it('rejects wrong length and non-digits before anything else', () => {
    assert.deepEqual(validateIin(''), { ok: false, reason: 'length' });
    assert.deepEqual(validateIin('90010130001'), { ok: false, reason: 'length' });
    assert.deepEqual(validateIin('9001013000170'), { ok: false, reason: 'length' });
    assert.deepEqual(validateIin('90010130001a'), { ok: false, reason: 'not-digits' });
    assert.deepEqual(validateIin('9001013 0017'), { ok: false, reason: 'not-digits' });
    assert.deepEqual(validateIin('９00101300017'), { ok: false, reason: 'not-digits' });
  });

  it('computes the Kazakhstan date from UTC', () => {
    assert.equal(kazakhstanDate(Date.UTC(2026, 11, 31, 18, 59, 59)), 20261231);
    assert.equal(kazakhstanDate(Date.UTC(2026, 11, 31, 19, 0, 0)), 20270101);
    assert.equal(kazakhstanDate(Date.UTC(2024, 1, 28, 19, 0, 0)), 20240229);
    assert.equal(kazakhstanDate(0), 19700101);
  });
});

describe('masking personal numbers', () => {
  it("shows an IIN's first 2 and last 2 digits only", () => {
    assert.equal(maskIin('900101300017'), '90********17');
    assert.equal(maskIin('1234'), '****');
  });

  it("shows a card number's last 4 digits only, grouped in fours", () => {
    assert.equal(maskPan('4400430000000015'), '**** **** **** 0015');
    assert.equal(maskPan('5374000000000015123'), '*** **** **** **** 5123');
    assert.equal(maskPan('1234567'), '*** ****');
  });
});

describe('tenge and dates on screen', () => {
  const NBSP = '\u00a0';

  it('groups thousands with a no-break space and puts ₸ after one', () => {
    assert.equal(formatTiyn(1_500_000), `15${NBSP}000${NBSP}₸`);
    assert.equal(formatTiyn(2_000_000), `20${NBSP}000${NBSP}₸`);
    assert.equal(formatTiyn(0), `0${NBSP}₸`);
    assert.equal(formatTiyn(20_000), `200${NBSP}₸`);
    assert.equal(formatTiyn(123_456_789_00), `123${NBSP}456${NBSP}789${NBSP}₸`);
    assert.equal(formatTiyn(5_000_00), `5${NBSP}000${NBSP}₸`);
    assert.equal(formatTiyn(1_234_567_00), `1${NBSP}234${NBSP}567${NBSP}₸`);
    assert.equal(formatTiyn(500), `5${NBSP}₸`);
  });

  it('shows tiyn after a comma only when there are some', () => {
    assert.equal(formatTiyn(1_500_050), `15${NBSP}000,50${NBSP}₸`);
    assert.equal(formatTiyn(1_500_005), `15${NBSP}000,05${NBSP}₸`);
  });

  it('refuses a fractional or negative amount (money is whole tiyn)', () => {
    assert.throws(() => formatTiyn(1.5), /tiyn/);
    assert.throws(() => formatTiyn(-100), /tiyn/);
  });

  it('writes dates as dd.mm.yyyy', () => {
    assert.equal(formatDate('2026-12-10'), '10.12.2026');
    assert.equal(formatDate('2027-01-05'), '05.01.2027');
    assert.throws(() => formatDate('10.12.2026'), /YYYY-MM-DD/);
  });
});

describe("the customer's texts", () => {
  it('fills {0} and {1} with the arguments in the language asked, and an absent argument with nothing', () => {
    assert.equal(say('ru', 'billDue', '15 000 ₸', '05.12.2026'), 'К оплате: 15 000 ₸ до 05.12.2026');
    assert.equal(say('en', 'iinInvalid', 'checksum', 2), 'Invalid IIN: checksum. Attempts left: 2');
    assert.equal(say('kk', 'methodQr', '1'), '1 Kaspi QR');
    assert.equal(say('en', 'billDue', '1 ₸'), 'Due: 1 ₸ by ');
    assert.equal(say('en', 'noChange'), TEXTS.noChange.en);
  });
});
