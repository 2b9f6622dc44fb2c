// The bench page over the fake machine, for working on the page without the firmware:
//   node -r ts-node/register/transpile-only tools/bench/web/dev.ts [port]
import { makeFakeMachine } from '../fake-machine';
import { startBenchWeb } from './server';

async function main(): Promise<void> {
  const machine = makeFakeMachine();
  const web = await startBenchWeb(machine, { port: Number(process.argv[2] ?? 8080) });
  process.stdout.write(`bench page (fake machine): ${web.url}\n`);
  const stop = async () => { await web.close(); await machine.close(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
