// The command line of `npm run console`, apart from the connection (tested in-process).
import fs from 'node:fs';
import { ROLES, type Role } from '../../src/console/auth';
import { BENCH_CONSOLE_SECRETS_HEX } from './bench-secrets';
import { BENCH_CONSOLE_PATH_FILE } from './bench-path';

export const CONSOLE_BAUD = 115200;

export interface Options {
  path: string | undefined;
  baud: number;
  answer: string | undefined;
  login: Role | undefined;
  secretHex: string | undefined;
  bench: boolean;
}

export const USAGE = [
  'usage: npm run console -- [--path <tty>] [--baud <n>] [--login engineer|collector] [--bench | --secret-hex <hex> | --secret-file <file>]',
  '       npm run console -- --answer <challenge> (--bench --login <role> | --secret-hex <hex> | --secret-file <file>)',
  `The secret may also come from the environment variable ATM_CONSOLE_SECRET. Without --path: the pty named in ${BENCH_CONSOLE_PATH_FILE}.`,
].join('\n');

export function parseArguments(
  argv: readonly string[],
  environment: Readonly<Record<string, string | undefined>>,
): Options | string {
  const options: Options = {
    path: undefined,
    baud: CONSOLE_BAUD,
    answer: undefined,
    login: undefined,
    secretHex: environment.ATM_CONSOLE_SECRET || undefined,
    bench: false,
  };
  for (let index = 0; index < argv.length; index++) {
    const name = argv[index];
    const value = argv[index + 1];
    if (name === '--bench') {
      options.bench = true;
      continue;
    }
    if (value === undefined) return `${name} needs a value`;
    index++;
    if (name === '--path') options.path = value;
    else if (name === '--baud') options.baud = Number(value);
    else if (name === '--answer') options.answer = value;
    else if (name === '--secret-hex') options.secretHex = value;
    else if (name === '--secret-file') options.secretHex = fs.readFileSync(value, 'utf8').trim();
    else if (name === '--login') {
      const role = ROLES.find((candidate) => candidate === value);
      if (role === undefined) return `no role '${value}'`;
      options.login = role;
    } else return `unknown option ${name}`;
  }
  if (!Number.isInteger(options.baud) || options.baud <= 0) return 'the baud rate must be a positive whole number';
  return options;
}

export function secretFor(options: Options): string | undefined {
  if (options.bench) return options.login === undefined ? undefined : BENCH_CONSOLE_SECRETS_HEX[options.login];
  return options.secretHex;
}
