// `npm run ccnet-sim`: the simulated validator on a pty, for `npm start -- --validator PATH`
// or any CCNET tool. Type a denomination and Enter to insert a note (e.g. 5000, 5000s for the
// Saka design, clipped, foreign, unknown); Ctrl-C quits.
import { openPtyPair, runValidatorOnPty } from '../../hal/node/pty-pair';
import type { InsertedNote } from '../../hal/sim/ccnet-validator';
import { DENOMINATIONS_TENGE } from '../../src/domain';

const pair = openPtyPair();
const bridge = runValidatorOnPty(pair.master);
console.log(
  `CCNET validator simulator on ${pair.path} (9600 8N1). Notes: ${DENOMINATIONS_TENGE.join(' ')}, "s" suffix = Saka design.`,
);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    const saka = word.endsWith('s');
    const value = Number(saka ? word.slice(0, -1) : word);
    const note: InsertedNote = Number.isInteger(value) ? value : (word as InsertedNote);
    bridge.sim.insert(note, saka ? 'saka' : 'old');
  }
  console.log(`cassette: ${bridge.sim.truth.cassetteTenge.join(' ') || '(empty)'}`);
});
process.on('SIGINT', () => {
  bridge.stop();
  pair.master.close();
  process.exit(0);
});
