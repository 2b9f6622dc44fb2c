// The card reader driver on its cable to the simulated reader, polled on virtual time, started
// and idle: what the card tests build on.
import type { Crypto } from '../../../hal/ports';
import { SimCardReader } from '../../../hal/sim/card-reader';
import { SerialLink } from '../../../hal/sim/serial-link';
import { SimTicker, SimWorld, VirtualClock } from '../../../hal/sim/world';
import { CardReaderDriver, type CardReaderOptions } from '../../../src/card/driver';

export function cardDriverRig(crypto: Crypto, options: CardReaderOptions) {
  const clock = new VirtualClock();
  const world = new SimWorld(clock);
  const link = new SerialLink(clock, 9600);
  const reader = new SimCardReader(clock, link.deviceEnd);
  const driver = new CardReaderDriver(link.boardEnd, crypto, options);
  const ticker = new SimTicker();
  ticker.start(driver.periodMs, () => driver.poll(clock.nowMs));
  world.add(ticker);
  world.add(reader);
  world.runUntil(() => driver.status().state === 'idle', 1000);
  return { clock, world, reader, driver };
}
