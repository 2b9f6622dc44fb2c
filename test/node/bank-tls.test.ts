import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import tls from 'node:tls';
import { NodeHttpsClient, REQUEST_BODY_BYTES_MAX_DEFAULT } from '../../hal/node/https-client';
import { REQUEST_BODY_BYTES_MAX } from '../../hal/moddable/bank-protocol';
import { BOARD_REQUEST_BODY_BYTES_MAX } from '../../hal/sim/bank-link';
import { loadOrCreatePki } from '../../tools/bank/pki';
import { startBankServer } from '../../tools/bank/server';
import type { BankServer } from '../../tools/bank/server';
import { appRequest, freshDataDir, removeDir, testCertificate } from '../../tools/bank/kit';
import { requestOnce } from '../support/bank-kit';

const ATM = 'ATM-ALA-0001';
const AUTHORISE_FAQ = { atmId: ATM, method: 'iin', iin: '950614400011' };

describe("bank link TLS: the CA is pinned, devices need the bank's certificate (hal/node/https-client)", function () {
  this.timeout(20_000);
  let bank: BankServer;
  let dataDir: string;
  let otherCaDir: string;
  const clients: NodeHttpsClient[] = [];
  const client = (options: Partial<ConstructorParameters<typeof NodeHttpsClient>[0]>) => {
    const made = new NodeHttpsClient({ baseUrl: bank.url, caPem: bank.caPem, ...options });
    clients.push(made);
    return made;
  };

  before(async () => {
    dataDir = freshDataDir();
    bank = await startBankServer({ dataDir, port: 0 });
    otherCaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bank-other-ca-'));
  });

  after(async () => {
    for (const made of clients) made.close();
    await bank.close();
    removeDir(dataDir);
    removeDir(otherCaDir);
  });

  it("a device with the bank's certificate is served", async () => {
    const result = await requestOnce(client(testCertificate(ATM)), 'POST', '/v1/authorise', AUTHORISE_FAQ);
    assert.equal(result.ok && result.status, 200);
  });

  it('a bank whose certificate is not from the pinned CA is refused by the device', async () => {
    const otherCa = loadOrCreatePki(otherCaDir).caPem;
    const result = await requestOnce(
      client({ caPem: otherCa, ...testCertificate(ATM) }),
      'POST',
      '/v1/authorise',
      AUTHORISE_FAQ,
    );
    assert.deepEqual(result.ok ? 'served' : result.failure, 'tls');
  });

  it("another ATM's own certificate cannot pose as the bank: devices trust the server CA only", async () => {
    // An attacker holding any ATM's key and certificate runs a server with them. The host name
    // check would also refuse it (an ATM's certificate names no host); the chain alone must too.
    const stolen = testCertificate('ATM-AST-0002');
    const impostor = https.createServer({ key: stolen.keyPem, cert: stolen.certPem }, (_request, response) =>
      response.end('{}'),
    );
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      const port = (impostor.address() as AddressInfo).port;
      const result = await requestOnce(
        client({ baseUrl: `https://localhost:${port}`, ...testCertificate(ATM) }),
        'POST',
        '/v1/authorise',
        AUTHORISE_FAQ,
      );
      assert.deepEqual(result.ok ? 'served' : result.failure, 'tls');
      const chain = await new Promise<string>((resolve) => {
        const socket = tls.connect(
          { host: '127.0.0.1', port, ca: bank.caPem, checkServerIdentity: () => undefined, rejectUnauthorized: false },
          () => {
            resolve(socket.authorized ? 'trusted' : String(socket.authorizationError));
            socket.destroy();
          },
        );
        socket.on('error', (error) => resolve(error.message));
      });
      assert.match(chain, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self.signed|local issuer/i);
    } finally {
      impostor.close();
    }
  });

  it('a device certificate from another CA, an expired one, or none at all is refused by the bank', async () => {
    const foreign = loadOrCreatePki(otherCaDir).issueDeviceCertificate(ATM);
    const expired = testCertificate(ATM, {
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2021-01-01T00:00:00Z'),
    });
    for (const [what, device] of [
      ['foreign', foreign],
      ['expired', expired],
      ['none', {}],
    ] as const) {
      const result = await requestOnce(client(device), 'POST', '/v1/authorise', AUTHORISE_FAQ);
      assert.equal(result.ok, false, `${what}: must not be served`);
      assert.ok(
        !result.ok && (result.failure === 'tls' || result.failure === 'io'),
        `${what}: ${JSON.stringify(result)}`,
      );
    }
    // The refusal is the TLS layer's: a raw handshake without a certificate gets an alert, not HTTP.
    const url = new URL(bank.url);
    const alert = await new Promise<string>((resolve) => {
      const socket = tls.connect(
        { host: url.hostname, port: Number(url.port), ca: bank.caPem, servername: 'localhost' },
        () => socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n'),
      );
      socket.on('data', (data) => resolve(`data ${data.toString().slice(0, 12)}`));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      socket.on('close', () => resolve('closed'));
    });
    assert.match(alert, /CERTIFICATE_REQUIRED|closed|ECONNRESET/);
  });

  it('a certificate for one ATM cannot speak for another', async () => {
    const result = await requestOnce(client(testCertificate('ATM-AST-0001')), 'POST', '/v1/authorise', AUTHORISE_FAQ);
    assert.deepEqual(result.ok && [result.status, JSON.parse(result.body)], [403, { error: 'atm-mismatch' }]);
  });

  it('plain HTTP is refused both ways: the client will not build it, the bank will not speak it', async () => {
    assert.throws(
      () => new NodeHttpsClient({ baseUrl: bank.url.replace('https:', 'http:'), caPem: bank.caPem }),
      /only https/,
    );
    const url = new URL(bank.url);
    const plain = await new Promise<string>((resolve) => {
      const request = http.request({ host: url.hostname, port: url.port, path: '/v1/qr', method: 'POST' }, (response) =>
        resolve(`HTTP ${response.statusCode}`),
      );
      request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      request.end('{}');
    });
    assert.notEqual(plain, 'HTTP 200');
    assert.ok(!plain.startsWith('HTTP 2'), plain);
    // A client pinned to the bank CA, pointed at a plain-HTTP listener, fails the handshake.
    const server = http.createServer((_request, response) => response.end('{"ackedSequence":1}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const result = await requestOnce(
        client({ baseUrl: `https://127.0.0.1:${port}`, ...testCertificate(ATM) }),
        'POST',
        '/v1/deposits',
        '{}',
      );
      assert.ok(!result.ok && result.failure === 'tls', JSON.stringify(result));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('caps the reply: a body beyond responseBytesMax is "too-large"', async () => {
    const small = client({ ...testCertificate(ATM), responseBytesMax: 64 });
    const result = await requestOnce(small, 'POST', '/v1/authorise', AUTHORISE_FAQ);
    assert.deepEqual(result.ok ? 'served' : result.failure, 'too-large');
  });

  it('caps the request as the board does: a body over 4 096 bytes is "too-large" and never sent', async () => {
    const device = client(testCertificate(ATM));
    assert.equal(device.requestBodyBytesMax, REQUEST_BODY_BYTES_MAX);
    const served = await requestOnce(device, 'POST', '/v1/authorise', { ...AUTHORISE_FAQ, pad: 'x'.repeat(4096 - 80) });
    assert.equal(served.ok, true, 'a body within the cap goes (the bank answers it)');
    const refused = await requestOnce(device, 'POST', '/v1/authorise', { ...AUTHORISE_FAQ, pad: 'x'.repeat(4096) });
    assert.deepEqual(refused.ok ? 'served' : refused.failure, 'too-large');
  });

  it('the simulated link and the Node client cap request bodies where the board does', () => {
    assert.equal(BOARD_REQUEST_BODY_BYTES_MAX, REQUEST_BODY_BYTES_MAX);
    assert.equal(REQUEST_BODY_BYTES_MAX_DEFAULT, REQUEST_BODY_BYTES_MAX);
  });

  it('times out a request the bank never answers, and refuses a second request while one is in flight', async () => {
    const net = await import('node:net');
    const silent = net.createServer(() => undefined); // accepts, never handshakes
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const stuck = client({ baseUrl: `https://127.0.0.1:${port}`, ...testCertificate(ATM) });
      const pending = requestOnce(stuck, 'GET', '/v1/qr/x', undefined, 200);
      assert.equal(
        stuck.request({ method: 'GET', path: '/', body: undefined, timeoutMs: 10 }, () => undefined),
        false,
      );
      const result = await pending;
      assert.deepEqual(result.ok ? 'served' : result.failure, 'timeout');
    } finally {
      silent.close();
    }
  });

  it('the app side needs no device certificate but is still TLS with the bank CA', async () => {
    const view = await appRequest(bank, 'GET', '/app/customers/950614400011');
    assert.equal(view.status, 200);
    assert.equal(view.json.iin, '95********11');
  });
});
