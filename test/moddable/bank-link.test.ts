import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadOrCreatePki } from '../../tools/bank/pki';
import { startBankServer, type BankServer } from '../../tools/bank/server';
import { type AppResult, bankDataDirWith, LINUX_ATM_ID, linuxProvisioning, linuxTools, resultsOf } from './kit';

// The board's bank link — WorkerHttpsClient and the bank worker, on the SDK's HTTP client, TLS
// socket and DNS resolver in a Worker — run on Moddable's own Linux runtime against real HTTPS
// servers. The app (test/moddable/bank-link/main.ts) sends one request per step to localhost on a
// free port it is built with; a TCP front there hands each new connection to the server of the
// step it belongs to.

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe("the board's bank link on Moddable's runtime (TLS in the Worker, test/moddable/bank-link)", function () {
  this.timeout(600_000);
  let bank: BankServer;
  let bankDataDir: string;
  let otherCaDir: string;
  const servers: net.Server[] = [];
  let results: AppResult[] = [];
  let exitStatus = -1;
  let output: string[] = [];
  /** The counting server's TLS handshakes, in order, and its TCP connections. */
  const handshakes: ('full' | 'resumed')[] = [];
  /** Its session cache's events: a session stored, a session asked for by id (found or not). */
  const sessionEvents: ('new' | 'resume-hit' | 'resume-miss')[] = [];
  let countingConnections = 0;

  before(async () => {
    const tools = await linuxTools();
    if (!tools.sdkReady()) throw new Error('the Moddable SDK is not set up: run `npm run moddable:setup`');
    const { pkiBase, provisionDir, pki } = linuxProvisioning(tools.cacheRoot());

    bankDataDir = bankDataDirWith(pkiBase);
    bank = await startBankServer({ dataDir: bankDataDir, port: 0 });
    bank.registerAtm(LINUX_ATM_ID, 'Almaty, test bench');
    otherCaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'other-ca-'));
    const otherCa = loadOrCreatePki(otherCaDir);
    const wrongHost = pki.issueServerCertificate(['other.example']);
    const bankKey = { key: pki.serverKeyPem, cert: pki.serverCertPem };
    const serve = async (server: https.Server) => {
      servers.push(server);
      return listen(server);
    };
    const wrongCaPort = await serve(
      https.createServer({ key: otherCa.serverKeyPem, cert: otherCa.serverCertPem }, (_q, s) => s.end('{}')),
    );
    const midReplyPort = await serve(
      https.createServer(bankKey, (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        response.write('{"account":');
        setTimeout(() => response.socket?.destroy(), 50);
      }),
    );
    const overCapPort = await serve(
      https.createServer(bankKey, (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ pad: 'y'.repeat(6000) }));
      }),
    );
    const wrongHostPort = await serve(
      https.createServer({ key: wrongHost.keyPem, cert: wrongHost.certPem }, (_q, s) => s.end('{}')),
    );
    // The bank's own TLS settings (tools/bank/server.ts, the device listener), counting connections and handshakes.
    const counting = https.createServer(
      {
        key: pki.serverKeyPem,
        cert: pki.serverCertPem,
        ca: pki.deviceCaPem,
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
      },
      (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"ackedSequence":0}');
      },
    );
    counting.on('connection', () => {
      countingConnections += 1;
    });
    counting.on('secureConnection', (socket: tls.TLSSocket) =>
      handshakes.push(socket.isSessionReused() ? 'resumed' : 'full'),
    );
    // A session cache, as a production TLS front keeps one (Node's server resumes only through these events).
    const sessions = new Map<string, Buffer>();
    counting.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
      sessions.set(id.toString('hex'), data);
      sessionEvents.push('new');
      done();
    });
    counting.on('resumeSession', (id: Buffer, done: (error: Error | null, data: Buffer | null) => void) => {
      const data = sessions.get(id.toString('hex')) ?? null;
      sessionEvents.push(data === null ? 'resume-miss' : 'resume-hit');
      done(null, data);
    });
    const countingPort = await serve(counting);
    const bankPort = Number(new URL(bank.url).port);
    // One connection per request; the request over the cap never connects.
    const schedule = [
      bankPort,
      bankPort,
      wrongCaPort,
      midReplyPort,
      overCapPort,
      wrongHostPort,
      bankPort,
      countingPort,
      countingPort,
      countingPort,
    ];
    let connections = 0;
    const front = net.createServer((socket) => {
      const port = schedule[Math.min(connections++, schedule.length - 1)];
      const upstream = net.connect(port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    servers.push(front);
    const frontPort = await listen(front);
    const build = await tools.buildLinuxApp({
      name: 'bank-link',
      manifest: 'test/moddable/bank-link/manifest.json',
      config: { bankPort: frontPort },
      env: { ATM_PROVISION: provisionDir },
    });
    const run = tools.runLinuxApp(build.library, { timeoutSeconds: 300, cwd: bankDataDir });
    const exited = await run.exited;
    exitStatus = exited.status;
    output = exited.lines;
    results = resultsOf(exited.lines);
  });

  after(async () => {
    for (const server of servers) server.close();
    await bank?.close();
    for (const directory of [bankDataDir, otherCaDir])
      if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  const result = (step: string) =>
    results.find((entry) => entry.step === step) ?? assert.fail(`no result for ${step}:\n${output.join('\n')}`);

  it('ran every step and ended itself: no exception escaped a callback (an XS abort would exit 100+)', () => {
    assert.equal(exitStatus, 0, output.join('\n'));
    assert.deepEqual(
      results.map((entry) => entry.step),
      [
        'reply',
        'post',
        'wrong-ca',
        'closed-mid-reply',
        'reply-over-cap',
        'request-over-cap',
        'wrong-host',
        'after',
        'again-1',
        'again-2',
        'again-3',
      ],
    );
  });

  it('a reply and a POST come back whole over mutual TLS with the RSA device key', () => {
    assert.deepEqual([result('reply').ok, result('reply').status], [true, 404]);
    assert.deepEqual([result('post').ok, result('post').status], [true, 200]);
  });

  it("a server certificate from another CA is a 'tls' error value", () => {
    assert.deepEqual(
      [result('wrong-ca').ok, result('wrong-ca').failure],
      [false, 'tls'],
      JSON.stringify(result('wrong-ca')),
    );
  });

  it("a server certificate from the bank's CA for another host name is refused as 'tls'", () => {
    assert.deepEqual(
      [result('wrong-host').ok, result('wrong-host').failure],
      [false, 'tls'],
      JSON.stringify(result('wrong-host')),
    );
  });

  it("a server that closes mid-reply is an 'io' error value, not a short body taken as whole", () => {
    assert.deepEqual(
      [result('closed-mid-reply').ok, result('closed-mid-reply').failure],
      [false, 'io'],
      JSON.stringify(result('closed-mid-reply')),
    );
  });

  it("a body over the board's 4 KB cap, either way, is 'too-large'", () => {
    assert.deepEqual([result('reply-over-cap').ok, result('reply-over-cap').failure], [false, 'too-large']);
    assert.deepEqual([result('request-over-cap').ok, result('request-over-cap').failure], [false, 'too-large']);
  });

  it('the link goes on after every failure', () => {
    assert.deepEqual([result('after').ok, result('after').status], [true, 200]);
  });

  it("opens a connection per request and resumes the TLS session where the server keeps one; a refused resumption empties the SDK's cache", () => {
    const steps = ['again-1', 'again-2', 'again-3'];
    for (const step of steps)
      assert.deepEqual([result(step).ok, result(step).status], [true, 200], JSON.stringify(result(step)));
    const times = steps.map((step) => `${step} ${result(step).ms} ms`).join(', ');
    process.stdout.write(
      `      handshakes: ${handshakes.join(', ')}; session cache: ${sessionEvents.join(', ')}; ${countingConnections} connections; ${times}\n`,
    );
    assert.equal(
      countingConnections,
      3,
      'the worker makes and closes an HTTP client per request: no connection is reused',
    );
    // The worker's TLS (modules/crypt/ssl/session_419.js) keeps one session in ssl_cache.js, by host name,
    // and offers it in the next ClientHello. again-1 offers the bank's session from 'after' (the
    // reference bank keeps none: Node resumes only through 'resumeSession'); refused, the SDK saves
    // the new session and then deletes "the rejected one" — its one-entry cache forgets both — so
    // again-2 offers nothing and is full too; again-3 offers again-2's and resumes.
    assert.deepEqual(sessionEvents, ['resume-miss', 'new', 'new', 'resume-hit']);
    assert.deepEqual(handshakes, ['full', 'full', 'resumed']);
  });
});
