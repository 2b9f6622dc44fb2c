// Shared by the tests that run the firmware on Moddable's own runtime (npm run test:moddable):
// the tools (ESM, tools/moddable/*.mjs), the Linux builds' provisioning from the reference
// bank's PKI, and a bank data folder with that PKI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { loadOrCreatePki, type BankPki } from '../../tools/bank/pki';

export const root = path.resolve(__dirname, '../..');
export const LINUX_ATM_ID = 'KZ-ALA-0001';

/** One `[result] {json}` line of a Moddable test app, parsed. */
export type AppResult = Record<string, unknown>;

// ts-node compiles to CommonJS, where import() would become require(): keep a real import().
export const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<Record<string, unknown>>;

export interface LinuxTools {
  buildLinuxApp(options: {
    name: string;
    manifest: string;
    config?: Record<string, string | number>;
    env?: Record<string, string>;
    instrument?: boolean;
  }): Promise<{ library: string; seconds: number; xsl: string[] }>;
  runLinuxApp(
    library: string,
    options?: { timeoutSeconds?: number; onLine?: (line: string) => void; env?: Record<string, string>; cwd?: string },
  ): {
    exited: Promise<{ status: number; lines: string[] }>;
    lines: string[];
    child: import('node:child_process').ChildProcess;
  };
  cacheRoot(): string;
  buildRoot(): string;
  sdkReady(): boolean;
  EXIT_RESTART: number;
}

export async function linuxTools(): Promise<LinuxTools> {
  const linux = await importEsm(path.join(root, 'test/moddable/support/linux.mjs'));
  const sdk = await importEsm(path.join(root, 'tools/moddable/sdk.mjs'));
  return { ...linux, cacheRoot: sdk.cacheRoot, buildRoot: sdk.buildRoot, sdkReady: sdk.sdkReady } as LinuxTools;
}

/**
 * The Linux builds' certificates, kept in the cache so a rebuild is not forced by new ones: the
 * reference bank's PKI (server CA, device CA) and this ATM's RSA key and certificate, in the
 * DER files the manifests' `data` section takes (docs/board.md, Provisioning).
 */
export function linuxProvisioning(cacheDir: string): { pkiBase: string; provisionDir: string; pki: BankPki } {
  const pkiBase = path.join(cacheDir, 'linux-board', 'bank');
  const pki = loadOrCreatePki(pkiBase);
  const provisionDir = path.join(cacheDir, 'linux-board', 'provision', LINUX_ATM_ID);
  const caDer = new X509Certificate(pki.caPem).raw;
  const current = path.join(provisionDir, 'bank-server-ca.der');
  if (!fs.existsSync(current) || !fs.readFileSync(current).equals(caDer)) {
    fs.mkdirSync(provisionDir, { recursive: true });
    const device = pki.issueDeviceCertificate(LINUX_ATM_ID);
    fs.writeFileSync(path.join(provisionDir, 'device-cert.der'), new X509Certificate(device.certPem).raw);
    fs.writeFileSync(
      path.join(provisionDir, 'device-key.der'),
      createPrivateKey(device.keyPem).export({ type: 'pkcs8', format: 'der' }),
    );
    fs.writeFileSync(current, caDer);
  }
  return { pkiBase, provisionDir, pki };
}

/** A fresh bank data folder holding a copy of the Linux builds' PKI. */
export function bankDataDirWith(pkiBase: string): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linux-board-bank-'));
  fs.cpSync(path.join(pkiBase, 'pki'), path.join(dataDir, 'pki'), { recursive: true });
  const config = path.join(dataDir, 'pki/openssl.cnf');
  fs.writeFileSync(
    config,
    fs.readFileSync(config, 'utf8').replace(/^dir = .*$/gm, `dir = ${path.join(dataDir, 'pki')}`),
  );
  return dataDir;
}

/** The `[result] {json}` lines an app printed, parsed. */
export function resultsOf(lines: readonly string[]): AppResult[] {
  return lines.filter((line) => line.startsWith('[result] ')).map((line) => JSON.parse(line.slice('[result] '.length)));
}
