// `npm run bank`: the reference bank alone. Prints one JSON line {url, appUrl, appToken,
// caPath, devices} once listening, then serves until SIGINT/SIGTERM.
//   --data DIR        data folder (default data/bank)      --host H (default 127.0.0.1)
//   --port N          device API, mutual TLS (default 8443) --app-port N (default port + 1)
//   --device ATM-ID   provision the ATM: registered in the books, DIR/devices/ATM-ID.pem/.key
//                     made once and kept (repeatable). Only provisioned ATMs may use the device API.
// The JSON line carries appToken: every /app and /admin request needs `authorization: Bearer <it>`.
// BANK_CRASH=before-commit:N | after-commit:N kills the process with SIGKILL at that point
// of the Nth deposits batch (the restart tests use it; never set in normal use).
import fs from 'node:fs';
import path from 'node:path';
import { startBankServer } from './server';
import type { BankFaults } from './server';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function crashFaults(spec: string | undefined): BankFaults {
  const match = /^(before|after)-commit:(\d+)$/.exec(spec ?? '');
  if (match === null) return {};
  const at = Number(match[2]);
  const die = (batchNumber: number) => {
    if (batchNumber === at) process.kill(process.pid, 'SIGKILL');
  };
  return match[1] === 'before'
    ? { beforeCommit: die }
    : {
        afterCommit: (batchNumber) => {
          die(batchNumber);
          return 'reply';
        },
      };
}

async function main(): Promise<void> {
  const port = Number(argument('--port') ?? '8443');
  const appPort = argument('--app-port');
  const bank = await startBankServer({
    dataDir: argument('--data'),
    host: argument('--host'),
    port,
    appPort: appPort === undefined ? undefined : Number(appPort),
    faults: crashFaults(process.env.BANK_CRASH),
  });
  const devices: Record<string, { certPath: string; keyPath: string }> = {};
  process.argv.forEach((value, index) => {
    if (value !== '--device') return;
    const atmId = process.argv[index + 1];
    const directory = path.join(bank.dataDir, 'devices');
    const certPath = path.join(directory, `${atmId}.pem`);
    const keyPath = path.join(directory, `${atmId}.key`);
    if (!fs.existsSync(keyPath)) {
      const issued = bank.provisionAtm(atmId);
      fs.mkdirSync(directory, { recursive: true });
      fs.writeFileSync(certPath, issued.certPem);
      fs.writeFileSync(keyPath, issued.keyPem, { mode: 0o600 });
    } else {
      bank.registerAtm(atmId);
    }
    devices[atmId] = { certPath, keyPath };
  });
  const ready = {
    url: bank.url,
    appUrl: bank.appUrl,
    appToken: bank.appToken,
    caPath: path.join(bank.dataDir, 'pki/ca.pem'),
    devices,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  const stop = () => void bank.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`bank: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
