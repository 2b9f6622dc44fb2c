// A small bank behind the simulated link for the core tests (which also run in XS, so no
// SQLite): authorise by IIN, card token, palm template or a confirmed QR; deposits applied
// exactly once by sequence range. The reference bank (tools/bank) is tested against the same
// firmware over real HTTPS in test/node.
import type { HttpsRequest } from '../../../hal/ports';
import type { BankReply } from '../../../hal/sim/bank-link';
import { cardTokenFor, DEMO_CARDS } from '../../../hal/sim/card-reader';
import { SIM_BOARD_CARD_TOKEN_KEY_HEX } from '../../../hal/sim/peripherals';
import { bytesOfHex } from '../../../src/bytes';

export interface MiniCustomer {
  readonly customerId: string;
  readonly iin: string;
  readonly cardToken: string;
  readonly palmTemplate: string;
  readonly billTiyn: number;
  readonly nextBillTiyn: number;
}

/** Aigerim's card as a simulated board with the default provisioning reads it (its own key). */
export const AIGERIM: MiniCustomer = {
  customerId: 'c-aigerim',
  iin: '950614400011',
  cardToken: cardTokenFor(DEMO_CARDS.kaspiGoldVisa.pan, bytesOfHex(SIM_BOARD_CARD_TOKEN_KEY_HEX)!),
  palmTemplate: 'palm-aigerim',
  billTiyn: 1_500_000,
  nextBillTiyn: 1_500_000,
};

export interface StoredRecord {
  readonly sequence: number;
  readonly kind: string;
  readonly sessionId?: number;
  readonly denominationTenge?: number;
  readonly toBillTiyn?: number;
  readonly toNextTiyn?: number;
  readonly depositedTiyn?: number;
}

export class MiniBank {
  readonly records: StoredRecord[] = [];
  storedSequence = 0;
  qrState: 'pending' | 'confirmed' | 'expired' = 'pending';
  readonly #customers: readonly MiniCustomer[];

  constructor(customers: readonly MiniCustomer[] = [AIGERIM]) {
    this.#customers = customers;
  }

  readonly handler = (request: HttpsRequest): BankReply => {
    const body = request.body === undefined ? {} : (JSON.parse(request.body) as Record<string, unknown>);
    if (request.path === '/v1/authorise') return this.#authorise(body);
    if (request.path === '/v1/qr')
      return reply(200, { qrSessionId: 'q1', payload: 'https://kaspi.kz/atm-red/qr?s=q1&t=x', expiresInMs: 120_000 });
    if (request.path === '/v1/qr/q1') return reply(200, { state: this.qrState });
    if (request.path === '/v1/deposits') return this.#deposits(body);
    return reply(404, { error: 'no-route' });
  };

  /** Stacked notes the bank credited, by session. */
  creditedTenge(): number[] {
    return this.records.filter((record) => record.kind === 'note-stacked').map((record) => record.denominationTenge!);
  }

  #authorise(body: Record<string, unknown>): BankReply {
    const customer = this.#customers.find(
      (candidate) =>
        (body.method === 'iin' && candidate.iin === body.iin) ||
        (body.method === 'card' && candidate.cardToken === body.cardToken) ||
        (body.method === 'palm' && candidate.palmTemplate === body.palmTemplate) ||
        (body.method === 'qr' && this.qrState === 'confirmed'),
    );
    if (customer === undefined) return reply(404, { error: 'unknown-customer' });
    return reply(200, {
      customerId: customer.customerId,
      displayName: 'Айгерим Б.',
      sessionMaxTiyn: 50_000_000,
      bill: {
        billTiyn: customer.billTiyn,
        dueDate: '2026-12-05',
        nextBillTiyn: customer.nextBillTiyn,
        outstandingTiyn: 0,
        carriedTiyn: 0,
      },
    });
  }

  #deposits(body: Record<string, unknown>): BankReply {
    const fromSequence = body.fromSequence as number;
    const toSequence = body.toSequence as number;
    if (fromSequence > this.storedSequence + 1) return reply(409, { error: 'gap', ackedSequence: this.storedSequence });
    for (const record of body.records as StoredRecord[]) {
      if (record.sequence > this.storedSequence) this.records.push(record);
    }
    this.storedSequence = Math.max(this.storedSequence, toSequence);
    return reply(200, { ackedSequence: this.storedSequence });
  }
}

function reply(status: number, body: unknown): BankReply {
  return { status, body: JSON.stringify(body) };
}
