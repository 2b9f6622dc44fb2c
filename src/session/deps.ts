// What the customer's session needs from the rest of the machine, stated narrowly. The real
// modules (the ledger, the cash acceptor, the card reader, the bank client) satisfy these
// interfaces structurally; the types of what flows through them are the modules' own.

import type { Language } from '../../hal/ports';
import type { AuthoriseResult, QrPollResult, QrStartResult } from '../bank/bank-client';
import type { AuthoriseRequest } from '../bank/wire';
import type { CardEvent } from '../card/driver';
import type { CashAcceptor } from '../cash/cash-acceptor';
import type { AppendTier } from '../ledger/ledger';
import type { LedgerRecord } from '../ledger/records';

export type { AuthoriseResult } from '../bank/bank-client';
export type { AuthoriseRequest, CustomerAccount } from '../bank/wire';
export type { CardEvent } from '../card/driver';
export type { CashAcceptor, CashEvent } from '../cash/cash-acceptor';

export type AppendResult =
  | { readonly ok: true; readonly sequence: number }
  | { readonly ok: false; readonly error: 'full' | 'io' | 'invalid' };
export type { AppendTier } from '../ledger/ledger';

export interface SessionLedger {
  readonly headSequence: number;
  readonly tailSequence: number;
  readonly ackedSequence: number;
  /** 'ordinary' for what the session may still refuse (a session opened, a note escrowed), 'promised' for what it must write. */
  append(record: LedgerRecord, tier: AppendTier): AppendResult;
  /** Bytes of ordinary records the ledger can still keep (src/ledger/ledger.ts roomBytes). */
  roomBytes(): number;
  readFrom(fromSequence: number, countMax: number, visit: (sequence: number, record: LedgerRecord) => void): number;
}

export interface SessionBank {
  authorise(request: AuthoriseRequest, onDone: (result: AuthoriseResult) => void): void;
  startQr(onDone: (result: QrStartResult) => void): void;
  pollQr(qrSessionId: string, onDone: (result: QrPollResult) => void): void;
}

/** The bank sync as the session drives it (src/bank/outbox.ts's Outbox satisfies it). */
export interface SessionSync {
  /** A session closed with money and its customer waits for "credited": send it now, not at the next poll. */
  creditNow(nowMs: number): void;
}

export interface SessionCardReader {
  enable(): void;
  disable(): void;
  eject(): void;
  nextEvent(): CardEvent | undefined;
}

/** The machine's configuration as the session reads it. */
export interface SessionConfig {
  readonly languages: readonly Language[];
  readonly palmOffered: () => boolean;
  /** False while no card-token key is provisioned: a card could be read but never matched. */
  readonly cardOffered: () => boolean;
  readonly cassetteCapacityNotes: number;
  /**
   * Why the machine cannot serve anyone at all (e.g. 'not-provisioned': no ATM id, so the bank
   * would refuse every request), or undefined. While it says so, the idle screen is out of service.
   */
  readonly outOfService?: () => string | undefined;
}

export interface SessionDevices {
  readonly acceptor: CashAcceptor;
  readonly cardReader: SessionCardReader;
}
