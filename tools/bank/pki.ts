// The reference bank's own certificate authority, made with the openssl command line on
// first run (Node's crypto can parse certificates but not issue them). RSA-2048 and SHA-256:
// what the ESP32's TLS (mbedTLS / Moddable's TLS 1.2) verifies without trouble.
//
// Two CAs, because one CA for both would let any ATM's own certificate pass for the bank: a
// device pins the server CA, which signs nothing but the bank's TLS servers; the bank checks
// device certificates against the device CA, which signs nothing but ATMs.
//
// <dataDir>/pki/ca.pem, ca.key                 the server CA, valid 10 years; devices pin ca.pem
//                device-ca.pem, device-ca.key  the device CA; the bank accepts clients it signed
//                server.pem, .key              for localhost, 127.0.0.1 and ::1 (the bench and tests)
//                issued/, index.txt            openssl ca's bookkeeping of every certificate issued
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface DeviceCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface IssueOptions {
  /** UTC validity window; defaults to now .. now + 2 years. Give a past window for an expired certificate. */
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export interface BankPki {
  /** The server CA: what a device trusts for the bank (and nothing else). */
  readonly caPem: string;
  /** The device CA: what the bank trusts for an ATM's client certificate. */
  readonly deviceCaPem: string;
  /**
   * The chain a server presents: its certificate, then the server CA. Moddable's TLS checks
   * the host name (subjectAltName) only in a chain of two or more certificates
   * (modules/crypt/ssl/ssl_cert.js, verify); with the leaf alone a board refuses the bank.
   */
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  issueDeviceCertificate(atmId: string, options?: IssueOptions): DeviceCertificate;
  /** A server certificate from the server CA for other names (tests: a bank at the wrong host name). */
  issueServerCertificate(dnsNames: readonly string[]): DeviceCertificate;
}

/** What an ATM id may be: it becomes the certificate's CN, so nothing openssl's -subj would read specially. */
export const ATM_ID_PATTERN = /^[A-Za-z0-9._-]{1,24}$/;

const CA_SUBJECT = '/O=Kaspi Red ATM reference bank/CN=Reference Bank Server CA';
const DEVICE_CA_SUBJECT = '/O=Kaspi Red ATM reference bank/CN=Reference Bank Device CA';

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** openssl ca's date format: YYYYMMDDHHMMSSZ. */
function opensslDate(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/** One `openssl ca` section per CA: the two share the folder, the index and the serial. */
function caSection(name: string, file: string, pkiDir: string): string {
  return `[ ${name} ]
dir = ${pkiDir}
database = $dir/index.txt
new_certs_dir = $dir/issued
certificate = $dir/${file}.pem
private_key = $dir/${file}.key
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
`;
}

function configText(pkiDir: string): string {
  return `[ ca ]
default_ca = server_ca
${caSection('server_ca', 'ca', pkiDir)}${caSection('device_ca', 'device-ca', pkiDir)}[ policy_any ]
commonName = supplied
[ server_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
[ device_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
`;
}

function sign(
  pkiDir: string,
  commonName: string,
  extensions: 'server_ext' | 'device_ext' | 'other_server_ext',
  options: IssueOptions,
): DeviceCertificate {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bank-csr-'));
  try {
    openssl(
      [
        'req',
        '-new',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'leaf.key',
        '-out',
        'leaf.csr',
        '-subj',
        `/CN=${commonName}`,
      ],
      work,
    );
    const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
    const notAfter = options.notAfter ?? new Date(Date.now() + 2 * 365 * 86_400_000);
    const caName = extensions === 'device_ext' ? 'device_ca' : 'server_ca';
    openssl(
      [
        'ca',
        '-batch',
        '-notext',
        '-config',
        path.join(pkiDir, 'openssl.cnf'),
        '-name',
        caName,
        '-extensions',
        extensions,
        '-startdate',
        opensslDate(notBefore),
        '-enddate',
        opensslDate(notAfter),
        '-in',
        'leaf.csr',
        '-out',
        'leaf.pem',
      ],
      work,
    );
    return {
      certPem: fs.readFileSync(path.join(work, 'leaf.pem'), 'utf8'),
      keyPem: fs.readFileSync(path.join(work, 'leaf.key'), 'utf8'),
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function createCa(pkiDir: string): void {
  fs.mkdirSync(path.join(pkiDir, 'issued'), { recursive: true });
  fs.writeFileSync(path.join(pkiDir, 'openssl.cnf'), configText(pkiDir));
  fs.writeFileSync(path.join(pkiDir, 'index.txt'), '');
  fs.writeFileSync(path.join(pkiDir, 'serial'), '1000\n');
  for (const [subject, name] of [
    [CA_SUBJECT, 'ca'],
    [DEVICE_CA_SUBJECT, 'device-ca'],
  ]) {
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '3650',
        '-subj',
        subject,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
      ],
      pkiDir,
    );
  }
  const server = sign(pkiDir, 'localhost', 'server_ext', { notAfter: new Date(Date.now() + 5 * 365 * 86_400_000) });
  fs.writeFileSync(path.join(pkiDir, 'server.key'), server.keyPem, { mode: 0o600 });
  // Written last: its presence marks a complete CA (a run killed half way starts over).
  fs.writeFileSync(path.join(pkiDir, 'server.pem'), server.certPem);
}

/** Loads the CA from `<dataDir>/pki`, creating it on first run. */
export function loadOrCreatePki(dataDir: string): BankPki {
  const pkiDir = path.resolve(dataDir, 'pki');
  // A CA made before the device CA existed (one CA for both) is replaced, not trusted.
  if (!fs.existsSync(path.join(pkiDir, 'server.pem')) || !fs.existsSync(path.join(pkiDir, 'device-ca.pem'))) {
    fs.rmSync(pkiDir, { recursive: true, force: true });
    createCa(pkiDir);
  }
  const read = (name: string) => fs.readFileSync(path.join(pkiDir, name), 'utf8');
  return {
    caPem: read('ca.pem'),
    deviceCaPem: read('device-ca.pem'),
    serverCertPem: read('server.pem') + read('ca.pem'),
    serverKeyPem: read('server.key'),
    issueDeviceCertificate(atmId: string, options: IssueOptions = {}): DeviceCertificate {
      if (!ATM_ID_PATTERN.test(atmId)) throw new Error(`ATM id ${JSON.stringify(atmId)}: 1..24 of A-Z a-z 0-9 . _ -`);
      return sign(pkiDir, atmId, 'device_ext', options);
    },
    issueServerCertificate(dnsNames: readonly string[]): DeviceCertificate {
      if (dnsNames.length === 0 || !dnsNames.every((name) => /^[a-z0-9.-]{1,63}$/.test(name)))
        throw new Error(`server names ${JSON.stringify(dnsNames)}`);
      const config = path.join(pkiDir, 'openssl.cnf');
      const text = fs.readFileSync(config, 'utf8').replace(/\[ other_server_ext \][^[]*/, '');
      fs.writeFileSync(
        config,
        `${text}[ other_server_ext ]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = serverAuth\nsubjectAltName = ${dnsNames.map((name) => `DNS:${name}`).join(',')}\n`,
      );
      const leaf = sign(pkiDir, dnsNames[0], 'other_server_ext', {});
      return { certPem: leaf.certPem + read('ca.pem'), keyPem: leaf.keyPem };
    },
  };
}
