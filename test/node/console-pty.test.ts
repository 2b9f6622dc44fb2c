// The console driven over a real pty (serialport on the slave, the firmware's console task on
// the master, the real loop timer): every command and every error path, the login protocol
// checked against node:crypto's HMAC, the lockout, the idle logout, and every byte scanned.
import assert from 'node:assert/strict';
import { IDLE_LOGOUT_MS } from '../../src/console/auth';
import { answerChallenge } from '../../tools/console/answer';
import { BENCH_CONSOLE_SECRETS_HEX } from '../../tools/console/bench-secrets';
import { FAKE_CARD, FAKE_IIN, FAKE_TOKEN } from '../core/support/fake-machine-view';
import { consoleLeakReport, plantSecret } from '../core/support/leak-scan';
import { PtyConsole, WAIT_LIMIT_MS } from '../support/console-pty-rig';

for (const value of [
  FAKE_IIN,
  FAKE_CARD,
  FAKE_TOKEN,
  BENCH_CONSOLE_SECRETS_HEX.engineer,
  BENCH_CONSOLE_SECRETS_HEX.collector,
])
  plantSecret(value);

describe('technician console over a real pty', function () {
  this.timeout(20_000);
  let rig: PtyConsole;

  beforeEach(async () => {
    rig = new PtyConsole();
    await rig.open();
    await rig.command('');
  });

  afterEach(async () => {
    await rig?.close();
  });

  it('answers the login protocol byte for byte: HMAC-SHA-256(secret, 16 challenge bytes), by node:crypto', async () => {
    assert.deepEqual(
      answerChallenge('000102030405060708090A0B0C0D0E0F', BENCH_CONSOLE_SECRETS_HEX.engineer),
      answerChallenge('0001:0203:0405:0607:0809:0a0b:0c0d:0e0f', BENCH_CONSOLE_SECRETS_HEX.engineer),
    );
    assert.equal(answerChallenge('0001:0203', BENCH_CONSOLE_SECRETS_HEX.engineer).ok, false);
    assert.equal(answerChallenge('000102030405060708090a0b0c0d0e0f', 'abcd').ok, false);
    // Computed independently (Python's hmac) for the bench engineer secret and bytes 00..0f.
    assert.deepEqual(answerChallenge('0001:0203:0405:0607:0809:0a0b:0c0d:0e0f', BENCH_CONSOLE_SECRETS_HEX.engineer), {
      ok: true,
      answer: '0d7d86d7e0392172b3f8dd7b6e5bdd838790f0c3e0ab5cedc53f4e176ac2466b',
    });
    // The console accepts what node:crypto computed from the challenge it printed.
    assert.equal(await rig.login('engineer'), 'logged in as engineer');
    assert.match(await rig.command('whoami'), /^engineer /);
  });

  it('runs every command for the engineer, with its errors', async () => {
    await rig.login('engineer');
    const cases: [string, RegExp][] = [
      ['help', /^help {7}list the commands[\s\S]*reboot {5}restart the controller/],
      ['help status', /^usage: status\r\nwho: {3}engineer\r\n/],
      ['help nothing', /^error: no command 'nothing'\r\nusage: help \[command\]$/],
      ['version', /^firmware 0\.1\.0$/],
      ['version 2', /^error: unexpected argument '2'\r\nusage: version$/],
      [
        'status',
        /^firmware 0\.1\.0 on pty-test {2}atm ATM-SIM-0001 {2}uptime 0 d 00:00:0\d[\s\S]*console\s+20\s+\d+[\s\S]*devices: validator ok, card-reader fault, palm ok$/,
      ],
      ['status x', /^error: unexpected argument 'x'\r\nusage: status$/],
      ['devices', /card-reader\s+fault\s+no answer for 3 polls\r\n {4}last card \*{12}5678/],
      ['devices x', /^error: unexpected argument 'x'/],
      ['ledger', /^capacity 4096 records, used 5\r\n/],
      ['ledger verify', /^ledger verify: ok, 5 records checked, 0 problem\(s\)$/],
      ['ledger show 1 3', /^#1 .* iin=90\*{8}26\r\n#2 .*\r\n#3 .* card=\*{12}5678 amountTiyn=500000$/],
      ['ledger show', /^error: show needs a starting sequence number\r\nusage: ledger/],
      ['ledger show 1 50', /^error: count must be 1 to 20\r\n/],
      ['ledger erase', /^error: no ledger action 'erase'\r\n/],
      [
        'sync',
        /^queued 2 records; bank acknowledged through 3\r\n.*last error tls: bad certificate for token dGhp\*{26}/,
      ],
      ['sync now', /^sync started$/],
      ['sync now', /^error: sync not started: a batch is already in flight$/],
      ['sync never', /^error: no sync action 'never'\r\nusage: sync \[now\]$/],
      ['cassette', /^cassette never collected\r\n[\s\S]*total 6 notes, 33 000\.00 KZT/],
      ['cassette x', /^error: unexpected argument 'x'\r\nusage: cassette$/],
      ['collect', /^error: 'collect' is for the collector role; you are engineer$/],
      ['config', /^atm-id {7}ATM-SIM-0001 \(provisioned\)\r\ncity {9}almaty/],
      ['config set contactless on', /^contactless on \(was off\)$/],
      ['config get contactless', /^contactless on$/],
      [
        'config set languages kk,de',
        /^error: languages must be a comma list of kk, ru, en without repeats\r\nusage: config/,
      ],
      ['config set languages en', /^error: languages must include kk and ru\r\n/],
      ['config set bank-host Bank', /^error: bank-host must be a lower-case host name/],
      ['config get', /^error: get needs a key/],
      ['config put city almaty', /^error: no config action 'put'/],
      [`config get ${FAKE_IIN}`, /^error: no config key '90\*{8}26'/],
      ['selftest', /^selftest: 10 checks, 1 failed\r\n {2}ok {4}crypto/],
      ['selftest now', /^error: unexpected argument 'now'\r\nusage: selftest$/],
      [
        'log 3',
        /^#\d+ .*config {3}contactless off -> on\r\n#\d+ .*selftest: 1 of 10 failed$|^#\d+ .*\r\n#\d+ .*\r\n#\d+ .*selftest: 1 of 10 failed$/,
      ],
      ['log 65', /^error: count must be 1 to 64\r\nusage: log \[count\]$/],
      ['log x', /^error: count must be 1 to 64/],
      ['reboot', /^this restarts the controller; type 'reboot confirm' to do it$/],
      ['reboot now', /^error: expected 'confirm', not 'now'\r\nusage: reboot \[confirm\]$/],
      ['login root', /^error: no role 'root'\r\nusage: login engineer\|collector$/],
      ['frobnicate', /^error: unknown command 'frobnicate' \(type 'help'\)$/],
      [`${'y'.repeat(130)}`, /^error: line too long$/],
      ['logout', /^logged out$/],
      ['logout', /^not logged in$/],
      ['status', /^error: 'status' needs a login \(login engineer\|collector\)$/],
    ];
    for (const [line, expected] of cases) assert.match(await rig.command(line), expected, line);
    assert.equal(rig.sim.system.restarts, 0);
  });

  it("runs the collector's commands, and reboot confirm restarts once the reply is out", async () => {
    await rig.login('collector');
    assert.match(await rig.command('collect'), /Type 'collect confirm'/);
    assert.match(
      await rig.command('collect confirm'),
      /^collection closed by ledger record #6 \(period 1\.\.5\)[\s\S]*result {3}TO RECONCILE$/,
    );
    rig.view.collectFails = true;
    assert.equal(await rig.command('collect confirm'), 'error: collection not closed: ledger full of unsynced records');
    assert.equal(
      await rig.command('collect later'),
      "error: expected 'confirm', not 'later'\r\nusage: collect [confirm]",
    );
    assert.equal(await rig.command('reboot'), "error: 'reboot' is for the engineer role; you are collector");
    await rig.login('engineer');
    assert.equal(await rig.command('reboot confirm'), 'rebooting');
    for (let waitedMs = 0; rig.sim.system.restarts === 0 && waitedMs < WAIT_LIMIT_MS; waitedMs += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(rig.sim.system.restarts, 1);
  });

  it('locks out a brute-force run with a growing delay, and logs out when idle', async () => {
    const delaysS: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      assert.match(await rig.command('login engineer'), /^challenge /);
      const reply = await rig.command('f'.repeat(64));
      const delayS = Number(/locked out for (\d+) s/.exec(reply)?.[1]);
      delaysS.push(delayS);
      assert.match(
        await rig.command('login engineer'),
        new RegExp(`^error: locked out for ${delayS} s more after ${attempt + 1} failed login\\(s\\)$`),
      );
      rig.clock.skewMs += delayS * 1000;
    }
    assert.deepEqual(delaysS, [1, 2, 4, 8]);
    assert.equal(
      await rig.login('engineer', BENCH_CONSOLE_SECRETS_HEX.collector),
      'error: wrong answer; locked out for 16 s (5 failed login(s))',
    );
    rig.clock.skewMs += 16_000;
    assert.equal(await rig.login('engineer'), 'logged in as engineer');
    rig.clock.skewMs += IDLE_LOGOUT_MS;
    assert.match(await rig.until(/logged out: idle for 300 s\r\natm> $/), /^\r\nlogged out/);
    assert.equal(await rig.command('whoami'), 'not logged in');
  });

  after(() => {
    const report = consoleLeakReport();
    assert.deepEqual(report.leaks, [], 'a console output held a full IIN, card number, token or secret');
  });
});
