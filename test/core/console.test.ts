import assert from 'node:assert/strict';
import { makeSimBoard } from '../../hal/sim/board';
import {
  CHALLENGE_LIFETIME_MS,
  CONSOLE_SETTINGS_KEYS,
  IDLE_LOGOUT_MS,
  LOCKOUT_MAX_MS,
  lockoutDelayMs,
} from '../../src/console/auth';
import { CONSOLE_OUTPUT_BYTES } from '../../src/console/output';
import { DENOMINATIONS_TENGE } from '../../src/domain';
import { BENCH_CONSOLE_SECRETS_HEX } from '../../tools/console/bench-secrets';
import { FAKE_CARD, FAKE_IIN, FAKE_TOKEN, FakeMachineView } from './support/fake-machine-view';
import { consoleLeakReport, plantSecret } from './support/leak-scan';
import { ConsoleRig } from './support/console-rig';

for (const value of [
  FAKE_IIN,
  FAKE_CARD,
  FAKE_TOKEN,
  BENCH_CONSOLE_SECRETS_HEX.engineer,
  BENCH_CONSOLE_SECRETS_HEX.collector,
])
  plantSecret(value);

const WRONG_ANSWER = '00'.repeat(32);

describe('console login (challenge-response, lockout, idle logout)', () => {
  it('lets anyone see help and version, and nothing else without a login', () => {
    const rig = new ConsoleRig();
    assert.match(rig.read(), /Kaspi Red cash-in ATM, firmware 0\.1\.0 on simulator\r\natm> $/);
    assert.match(rig.command('version'), /^firmware 0\.1\.0$/);
    assert.match(rig.command('help'), /status\s+loop, tasks and memory/);
    for (const command of [
      'status',
      'devices',
      'ledger',
      'sync',
      'cassette',
      'collect',
      'config',
      'selftest',
      'log',
      'reboot',
    ]) {
      assert.equal(rig.command(command), `error: '${command}' needs a login (login engineer|collector)`);
    }
    assert.equal(rig.command('whoami'), 'not logged in');
  });

  it('logs in with HMAC-SHA-256(secret, challenge), prompts for the answer, echoes it as stars', () => {
    const rig = new ConsoleRig();
    rig.read();
    const challenge = rig.type('login engineer\r');
    assert.match(
      challenge,
      /^login engineer\r\nchallenge ([0-9a-f]{4}:){7}[0-9a-f]{4}\r\nanswer with HMAC-SHA-256\(engineer secret, challenge\) in hex within 60 s:\r\nanswer: $/,
    );
    const answer = rig.answerFor(challenge, BENCH_CONSOLE_SECRETS_HEX.engineer);
    const reply = rig.type(`${answer}\r`);
    assert.equal(reply, `${'*'.repeat(64)}\r\nlogged in as engineer\r\natm:engineer> `);
    assert.equal(rig.command('whoami'), `engineer (logged out after ${IDLE_LOGOUT_MS / 1000} s idle)`);
    assert.equal(rig.sim.settings.get(CONSOLE_SETTINGS_KEYS.failures), undefined, 'no failure written on success');
  });

  it('uses a fresh nonce each time: an answer replayed to a new challenge fails', () => {
    const rig = new ConsoleRig();
    const first = rig.type('login engineer\r');
    const answer = rig.answerFor(first, BENCH_CONSOLE_SECRETS_HEX.engineer);
    rig.type('\r'); // cancel
    const second = rig.type('login engineer\r');
    assert.notEqual(/challenge (\S+)/.exec(second)?.[1], /challenge (\S+)/.exec(first)?.[1]);
    assert.match(rig.type(`${answer}\r`), /error: wrong answer; locked out for 1 s \(1 failed login\(s\)\)\r\natm> $/);
  });

  it("refuses the other role's secret, a malformed answer, an expired challenge and an unprovisioned role", () => {
    const rig = new ConsoleRig();
    const challenge = rig.type('login engineer\r');
    assert.match(rig.type(`${rig.answerFor(challenge, BENCH_CONSOLE_SECRETS_HEX.collector)}\r`), /error: wrong answer/);
    rig.sim.world.runFor(1000);
    rig.type('login collector\r');
    assert.match(rig.type('not-hex\r'), /error: wrong answer; locked out for 2 s/);
    rig.sim.world.runFor(2000);
    const late = rig.type('login collector\r');
    rig.sim.world.runFor(CHALLENGE_LIFETIME_MS + 1);
    assert.match(
      rig.type(`${rig.answerFor(late, BENCH_CONSOLE_SECRETS_HEX.collector)}\r`),
      /error: the challenge expired; log in again\r\natm> $/,
    );
    const bare = new ConsoleRig({ provision: false });
    assert.equal(
      bare.command('login engineer'),
      'error: no console secret is provisioned for engineer on this machine',
    );
    assert.match(bare.command('login'), /^error: which role\?\r\nusage: login engineer\|collector$/);
    assert.match(bare.command('login admin'), /^error: no role 'admin'\r\nusage: login engineer\|collector$/);
    assert.match(bare.command('login engineer now'), /^error: unexpected argument 'now'/);
  });

  it('locks a brute-force run out with a delay doubling from 1 s to 5 min, kept across a restart', () => {
    const rig = new ConsoleRig();
    const delaysS: number[] = [];
    for (let attempt = 1; attempt <= 12; attempt++) {
      rig.type('login engineer\r');
      const reply = rig.type(`${WRONG_ANSWER}\r`, 100);
      const delayS = Number(/locked out for (\d+) s/.exec(reply)?.[1]);
      assert.ok(delayS > 0, reply);
      delaysS.push(delayS);
      // Still locked just before the delay ends: no challenge is given at all.
      rig.sim.world.runFor(delayS * 1000 - 500);
      assert.match(rig.command('login engineer', 100), /^error: locked out for 1 s more after \d+ failed login\(s\)$/);
      rig.sim.world.runFor(500);
    }
    assert.deepEqual(delaysS, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    assert.equal(lockoutDelayMs(64), LOCKOUT_MAX_MS);
    assert.equal(rig.sim.settings.get(CONSOLE_SETTINGS_KEYS.failures), '12');
    // The same settings on a restarted board: locked for the full delay from boot.
    const restarted = makeSimBoard({ wallAtBootMs: 1_764_151_200_000 });
    restarted.settings.set(CONSOLE_SETTINGS_KEYS.failures, '12');
    const after = new ConsoleRig({ sim: restarted });
    assert.match(after.command('login engineer'), /^error: locked out for 300 s more after 12 failed login\(s\)$/);
    after.sim.world.runFor(LOCKOUT_MAX_MS);
    assert.match(after.login('engineer'), /logged in as engineer/);
    assert.equal(after.sim.settings.get(CONSOLE_SETTINGS_KEYS.failures), '0', 'a good login clears the count');
  });

  it('logs out after 5 min idle, and a command in between keeps the session', () => {
    const rig = new ConsoleRig();
    rig.login('engineer');
    rig.sim.world.runFor(IDLE_LOGOUT_MS - 1000);
    assert.match(rig.command('whoami'), /^engineer/);
    rig.sim.world.runFor(IDLE_LOGOUT_MS - 1000);
    assert.equal(rig.read(), '');
    rig.sim.world.runFor(1100);
    assert.equal(rig.read(), `\r\nlogged out: idle for ${IDLE_LOGOUT_MS / 1000} s\r\natm> `);
    assert.match(rig.command('status'), /needs a login/);
  });

  it('gives the collector cassette and collect only, and keeps collect from the engineer', () => {
    const rig = new ConsoleRig();
    rig.login('collector');
    assert.match(rig.command('cassette'), /total 6 notes, 33 000\.00 KZT/);
    assert.equal(rig.command('status'), "error: 'status' is for the engineer role; you are collector");
    assert.equal(rig.command('config get city'), "error: 'config' is for the engineer role; you are collector");
    assert.equal(rig.command('logout'), 'logged out');
    rig.login('engineer');
    assert.match(rig.command('cassette'), /total 6 notes/);
    assert.equal(rig.command('collect'), "error: 'collect' is for the collector role; you are engineer");
  });
});

describe('console commands (fake machine view)', () => {
  it('status: version, uptime, wall clock, loop ticks, every task and device', () => {
    const rig = new ConsoleRig();
    rig.sim.world.runFor(3_600_000);
    rig.login('engineer');
    const status = rig.command('status');
    assert.match(
      status,
      /^firmware 0\.1\.0 on simulator {2}atm ATM-SIM-0001 {2}uptime 0 d 01:00:\d\d {2}wall 2025-11-26 16:00:\d\d\r\n/,
    );
    assert.match(status, /heap used unknown/);
    assert.match(status, /loop ticks \d+ {2}watchdog feeds \d+/);
    assert.match(status, /console\s+20\s+\d+\s+0\.00\s+0/);
    assert.match(status, /devices: validator ok, card-reader fault, palm ok$/);
    assert.match(rig.command('status now'), /^error: unexpected argument 'now'\r\nusage: status$/);
  });

  it('devices, ledger summary/verify/show (masked), sync and sync now', () => {
    const view = new FakeMachineView();
    const rig = new ConsoleRig({ view });
    rig.login('engineer');
    const devices = rig.command('devices');
    assert.match(devices, /validator\s+ok\s+CCNET bulk acceptor/);
    assert.ok(devices.includes(`bill table: ${DENOMINATIONS_TENGE.join(' ')} KZT`), devices);
    assert.match(devices, /last card \*{12}5678/);
    assert.equal(
      rig.command('ledger'),
      'capacity 4096 records, used 5\r\ntail sequence 1, head sequence 6\r\nunsynced 2 (bank acknowledged through 3)',
    );
    assert.equal(rig.command('ledger verify'), 'ledger verify: ok, 5 records checked, 0 problem(s)');
    view.verifyProblems = ['#3 bad CRC', '#4 torn write'];
    assert.equal(
      rig.command('ledger verify'),
      'ledger verify: FAILED, 5 records checked, 2 problem(s)\r\n  #3 bad CRC\r\n  #4 torn write',
    );
    const shown = rig.command('ledger show 1 5');
    assert.match(shown, /#1 {2}2025-11-26 15:00:00 {2}session auth=iin iin=90\*\*\*\*\*\*\*\*26/);
    assert.match(shown, /#2 {2}2025-11-26 15:00:10 {2}note denominationTenge=5000\r\n/);
    assert.match(shown, /#3 .* deposit card=\*{12}5678 amountTiyn=500000/);
    assert.match(shown, /#4 .* ack bankToken=dGhp\*{26} through=3/);
    assert.match(shown, /#5 {2}clock not set {2}deposit iin=90\*{4} \*{4}26 amountTiyn=2000000$/);
    assert.equal(rig.command('ledger show 4 1').split('\r\n').length, 1);
    assert.equal(rig.command('ledger show 99'), 'no records from sequence 99');
    for (const [line, error] of [
      ['ledger show', 'show needs a starting sequence number'],
      ['ledger show x', 'show needs a starting sequence number'],
      ['ledger show 1 21', 'count must be 1 to 20'],
      ['ledger show 1 0', 'count must be 1 to 20'],
      ['ledger drop', "no ledger action 'drop'"],
      ['ledger verify all', "unexpected argument 'all'"],
    ]) {
      assert.equal(rig.command(line), `error: ${error}\r\nusage: ledger [verify | show <from-sequence> [count]]`);
    }
    const sync = rig.command('sync');
    assert.match(
      sync,
      /^queued 2 records; bank acknowledged through 3\r\nlast attempt 2025-11-26 15:00:40; last error tls: bad certificate for token dGhp\*{26}\r\nnext attempt in 30 s$/,
    );
    assert.equal(rig.command('sync now'), 'sync started');
    assert.equal(rig.command('sync now'), 'error: sync not started: a batch is already in flight');
    assert.match(rig.command('sync'), /a batch in flight/);
    assert.equal(rig.command('sync later'), "error: no sync action 'later'\r\nusage: sync [now]");
  });

  it('cassette and collect: preview, confirm, reconciliation, failure', () => {
    const view = new FakeMachineView();
    const rig = new ConsoleRig({ view });
    rig.login('collector');
    assert.equal(
      rig.command('cassette'),
      [
        'cassette never collected',
        '   1 000 KZT  x     3  =         3 000.00 KZT',
        '   5 000 KZT  x     2  =        10 000.00 KZT',
        '  20 000 KZT  x     1  =        20 000.00 KZT',
        '  total 6 notes, 33 000.00 KZT; in doubt 0 notes; capacity 2200 notes',
      ].join('\r\n'),
    );
    assert.match(rig.command('collect'), /total 6 notes[\s\S]*Type 'collect confirm' to close this period/);
    assert.equal(view.collections, 0, 'the preview closes nothing');
    assert.equal(rig.command('collect now'), "error: expected 'confirm', not 'now'\r\nusage: collect [confirm]");
    const report = rig.command('collect confirm');
    assert.match(report, /^collection closed by ledger record #6 \(period 1\.\.5\)\r\n/);
    assert.match(
      report,
      /cassette 33 000\.00 KZT\r\n {2}ledger {3}33 000\.00 KZT\r\n {2}bank {5}28 000\.00 KZT\r\n {2}result {3}TO RECONCILE$/,
    );
    assert.equal(view.collections, 1);
    assert.match(rig.command('cassette'), /since collection at 2025-11-26 15:01:40\r\n {2}total 0 notes, 0\.00 KZT/);
    view.collectFails = true;
    assert.equal(rig.command('collect confirm'), 'error: collection not closed: ledger full of unsynced records');
  });

  it('config: list, get, set with validation (stored), and every error path', () => {
    const rig = new ConsoleRig();
    rig.login('engineer');
    assert.equal(
      rig.command('config'),
      'atm-id       ATM-SIM-0001 (provisioned)\r\ncity         almaty\r\nalaqan       off\r\ncontactless  off\r\nbank-host    localhost:8443\r\nlanguages    kk,ru,en',
    );
    assert.equal(rig.command('config set alaqan on'), 'alaqan on (was off)');
    assert.equal(rig.sim.settings.get('cfg.alaqan'), 'on');
    assert.equal(rig.console.config.current.alaqanEnabled, true);
    assert.equal(rig.command('config get alaqan'), 'alaqan on');
    const usage = '\r\nusage: config [get <key> | set <key> <value>]';
    assert.equal(rig.command('config set alaqan maybe'), `error: alaqan must be 'on' or 'off'${usage}`);
    assert.equal(rig.command('config set alaqan on x'), `error: unexpected argument 'x'${usage}`);
    assert.equal(rig.command('config set city moscow').split('\r\n')[0].slice(0, 27), 'error: city must be one of ');
    assert.equal(rig.command('config frob'), `error: no config action 'frob'${usage}`);
    assert.equal(
      rig.command('config get'),
      `error: get needs a key: atm-id, city, alaqan, contactless, bank-host, languages${usage}`,
    );
    assert.equal(
      rig.command('config get pin'),
      `error: no config key 'pin'; keys: atm-id, city, alaqan, contactless, bank-host, languages${usage}`,
    );
    assert.equal(rig.command('config set city'), `error: set city needs a value (almaty|astana|...)${usage}`);
    assert.equal(rig.command('config set city astana now'), `error: unexpected argument 'now'${usage}`);
    assert.equal(rig.command('config get city now'), `error: unexpected argument 'now'${usage}`);
  });

  it('masks an IIN typed 4-4-4 or in pairs and a card number with dots, in the echo and in the reply (issue 15, item 8)', () => {
    const rig = new ConsoleRig();
    rig.login('engineer');
    assert.equal(
      rig.type('frob 9001 0130 0126\r'),
      "frob 90** **** **26\r\nerror: unknown command 'frob' (type 'help')\r\natm:engineer> ",
    );
    assert.equal(
      rig.type('frob 90 01 01 30 01 26\r'),
      "frob 90 ** ** ** ** 26\r\nerror: unknown command 'frob' (type 'help')\r\natm:engineer> ",
    );
    assert.equal(
      rig.type('config get 4400.4302.1234.5678\r'),
      "config get ****.****.****.5678\r\nerror: no config key '****.****.****.5678'; keys: atm-id, city, alaqan, contactless, bank-host, languages\r\n" +
        'usage: config [get <key> | set <key> <value>]\r\natm:engineer> ',
    );
    rig.console.log.record('test', 'card 440043 021234 5678');
    assert.match(rig.command('log 1'), /test {5}card \*{6} \*{6} 5678$/);
  });

  it('masks an IIN or card number typed as an argument, in the echo and in the reply', () => {
    const rig = new ConsoleRig();
    rig.login('engineer');
    const output = rig.type(`config get ${FAKE_IIN}\r`);
    assert.equal(
      output,
      "config get 90********26\r\nerror: no config key '90********26'; keys: atm-id, city, alaqan, contactless, bank-host, languages\r\nusage: config [get <key> | set <key> <value>]\r\natm:engineer> ",
    );
    assert.equal(
      rig.type(
        `frob ${FAKE_CARD.slice(0, 4)} ${FAKE_CARD.slice(4, 8)} ${FAKE_CARD.slice(8, 12)} ${FAKE_CARD.slice(12)}\r`,
      ),
      "frob **** **** **** 5678\r\nerror: unknown command 'frob' (type 'help')\r\natm:engineer> ",
    );
    // A digit typed and erased was never shown, so nothing is erased on the screen for it.
    assert.equal(rig.type('ab12\b\b\b\r'), "ab\b \b\r\nerror: unknown command 'a' (type 'help')\r\natm:engineer> ");
  });

  it('selftest, log, reboot (with confirm), help <command>, unknown commands, overlong lines', () => {
    const rig = new ConsoleRig();
    rig.login('engineer');
    const selftest = rig.command('selftest');
    assert.match(selftest, /^selftest: 10 checks, 1 failed\r\n/);
    assert.match(selftest, /ok {4}crypto {7}HMAC-SHA-256 matches RFC 4231 case 2/);
    assert.match(selftest, /ok {4}random/);
    assert.match(selftest, /ok {4}settings/);
    assert.match(selftest, /ok {4}clock/);
    assert.match(selftest, /ok {4}secrets {6}engineer and collector provisioned/);
    assert.match(selftest, /FAIL {2}card-reader {2}no answer/);
    rig.command('config set city shymkent');
    const log = rig.command('log');
    assert.match(log, /#1 {2}2025-11-26 15:00:\d\d {2}console {2}login engineer\r\n/);
    assert.match(log, /config {3}city almaty -> shymkent/);
    assert.equal(rig.command('log 1').split('\r\n').length, 1);
    assert.equal(rig.command('log 0'), 'error: count must be 1 to 64\r\nusage: log [count]');
    assert.equal(rig.command('log 1 2'), "error: unexpected argument '2'\r\nusage: log [count]");
    assert.equal(rig.command('reboot'), "this restarts the controller; type 'reboot confirm' to do it");
    assert.equal(rig.sim.system.restarts, 0);
    assert.equal(rig.command('reboot please'), "error: expected 'confirm', not 'please'\r\nusage: reboot [confirm]");
    assert.equal(rig.command('reboot confirm'), 'rebooting');
    assert.equal(rig.sim.system.restarts, 1);
    assert.match(
      rig.command('help ledger'),
      /^usage: ledger \[verify \| show <from-sequence> \[count\]\]\r\nwho: {3}engineer\r\n/,
    );
    assert.match(rig.command('help collect'), /who: {3}collector/);
    assert.equal(rig.command('help frob'), "error: no command 'frob'\r\nusage: help [command]");
    assert.equal(rig.command('frobnicate'), "error: unknown command 'frobnicate' (type 'help')");
    assert.equal(rig.command('a b c d e f g h i'), "error: more than 8 words (type 'help')");
    assert.match(rig.type(`${'x'.repeat(200)}\r`), /error: line too long\r\natm:engineer> $/);
    assert.equal(rig.type('\r'), '\r\natm:engineer> ');
  });

  it('never loses a reply the line cannot take at once, and bounds what it queues', () => {
    const rig = new ConsoleRig();
    rig.login('engineer');
    // Nobody reads the cable for a while: the link's buffer fills, the console keeps the rest.
    for (let index = 0; index < 6; index++)
      rig.sim.consoleLink.deviceEnd.write(Uint8Array.from([104, 101, 108, 112, 13]), 5);
    rig.sim.world.runFor(1);
    rig.sim.world.runFor(5000);
    const output = rig.read() + rig.type('', 5000);
    assert.equal(output.split("Type 'help <command>'").length - 1, 6);
    assert.equal(rig.console.droppedOutputBytes, 0);
    assert.ok(CONSOLE_OUTPUT_BYTES >= 4096);
  });
});

describe('console output over the whole core run', () => {
  it('contained no full IIN, card number, planted token or secret', () => {
    const report = consoleLeakReport();
    assert.ok(report.scannedChars > 10_000, `scanned only ${report.scannedChars} characters`);
    assert.deepEqual(report.leaks, []);
  });
});
