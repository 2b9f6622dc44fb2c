// The reference bank inside the simulation's process: the same API (api.ts) and the same
// books (store.ts, SQL and transactions included) as the HTTPS server, on an in-memory
// SQLite database, with the simulation's clock and a random source drawn from its seed —
// no TLS, no sockets, no file. hal/sim/bank-link.ts calls the handler synchronously when a
// request "arrives"; the bank commits right there, as the real one does before it replies.
//
//   const bank = inProcessBank({ atmId: 'ATM-ALA-0001', nowMs: () => clock.wallMs, seed });
//   new SimBankLink(clock, random, bank.handler);
//   bank.api.app('POST', '/app/qr/scan', JSON.stringify({ payload, iin }));   // the phone
//   bank.store.books('ATM-ALA-0001');                                          // the checker
//   bank.close();
import type { HttpsRequest } from '../../hal/ports';
import type { BankHandler, BankReply } from '../../hal/sim/bank-link';
import { SeededRandom } from '../../hal/sim/peripherals';
import { BankApi } from './api';
import { ATM_ID_PATTERN } from './pki';
import { BankStore } from './store';

/** Mixed into the seed of the card-key stream ("keys" in ASCII), so it never equals the QR stream. */
const CARD_KEY_SEED_SALT = 0x6b657973;

export interface InProcessBankOptions {
  /** The ATM the handler speaks for, as if it were its certificate's CN; the bank provisions it. */
  readonly atmId: string;
  /** The bank's wall clock in ms since the epoch (UTC): receipts and QR lifetimes read it. */
  readonly nowMs: () => number;
  /** Seeds the QR ids and tokens, so a simulation run replays exactly. */
  readonly seed: number;
  /** The ATM's address on its receipts; the demo ATMs have theirs already. */
  readonly address?: string;
}

export interface InProcessBank {
  /** The device side for `atmId`, for SimBankLink. */
  readonly handler: BankHandler;
  readonly api: BankApi;
  readonly store: BankStore;
  /** The provisioned ATM's own card-token key (its board's Provisioning gives it to the card reader). */
  readonly cardTokenKeyHex: string;
  close(): void;
}

/**
 * A device-side handler for one ATM: the request's method and path are routed like the
 * device listener's, the body parsed and checked, and the reply is the JSON text the server
 * would send. It never throws: a body the bank cannot parse is a 400, a bug a 500 (counted
 * in api.internalErrors, which an invariant checker should hold at zero).
 */
export function deviceHandler(api: BankApi, atmId: string): BankHandler {
  // An id no certificate could carry would make every request a 403: a wiring mistake.
  if (!ATM_ID_PATTERN.test(atmId)) throw new Error(`ATM id ${JSON.stringify(atmId)}: 1..24 of A-Z a-z 0-9 . _ -`);
  return (request: HttpsRequest): BankReply => {
    const reply = api.device(atmId, request.method, request.path, request.body);
    return { status: reply.status, body: JSON.stringify(reply.body) };
  };
}

/** Random bytes from a seeded xorshift (the simulation's own generator): the same seed, the same bytes. */
export function seededBytes(seed: number): (byteCount: number) => Uint8Array {
  const random = new SeededRandom(seed);
  return (byteCount) => {
    const bytes = new Uint8Array(byteCount);
    random.fill(bytes);
    return bytes;
  };
}

export function inProcessBank(options: InProcessBankOptions): InProcessBank {
  // Card-token keys from their own seeded stream: the QR ids a seed gives stay what they were.
  const store = new BankStore({ inMemory: true }, options.nowMs, seededBytes(options.seed ^ CARD_KEY_SEED_SALT));
  // The simulated machine is one the bank provisioned: only those may use the device API.
  store.registerAtm(options.atmId, options.address);
  const api = new BankApi({ store, nowMs: options.nowMs, randomBytes: seededBytes(options.seed) });
  const cardTokenKeyHex = store.cardTokenKeyHex(options.atmId);
  if (cardTokenKeyHex === undefined) throw new Error(`ATM ${options.atmId} registered without a card-token key`);
  return { handler: deviceHandler(api, options.atmId), api, store, cardTokenKeyHex, close: () => store.close() };
}
