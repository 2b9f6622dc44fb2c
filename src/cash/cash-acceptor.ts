// The device-neutral cash-acceptor port the customer session uses, shaped after XFS4IoT
// CashAcceptor (CashInStart / CashIn / CashInEnd / CashInRollback) so that a different
// validator (JCM, a recycler) could sit behind it. The CCNET driver implements it.

export type CashAcceptorStatus = 'starting' | 'idle' | 'cash-in' | 'fault' | 'unknown';

/** Why a note was refused; CCNET reject codes 0x60..0x6D and 0x92..0x95 map onto these. */
export type RejectReason =
  | 'insertion'
  | 'magnetic'
  | 'bill-remained'
  | 'multiplying'
  | 'conveying'
  | 'identification'
  | 'verification'
  | 'optic'
  | 'inhibited'
  | 'capacity'
  | 'operation'
  | 'length'
  | 'uv'
  | 'barcode'
  | 'unknown';

export type CashFault =
  | 'jam-validator'
  | 'jam-stacker'
  | 'cassette-full'
  | 'cassette-removed'
  | 'cheated'
  | 'failure'
  | 'no-answer';

export type CashEvent =
  /** Held in escrow: the session must call stack() or returnNote(). */
  | { readonly kind: 'escrowed'; readonly denominationTenge: number }
  /**
   * In the cassette (CCNET "Bill stacked"): this, and only this, is money received.
   * denominationTenge 0: the device stacked a bill type its table gives no tenge note for
   * (never enabled: a faulty or misconfigured device) — in the cassette, of unknown value.
   */
  | { readonly kind: 'stacked'; readonly denominationTenge: number }
  /** Given back to the customer. */
  | { readonly kind: 'returned'; readonly denominationTenge: number }
  | { readonly kind: 'rejected'; readonly reason: RejectReason }
  | { readonly kind: 'fault'; readonly fault: CashFault; readonly failureCode?: number }
  | { readonly kind: 'fault-cleared' }
  /** After a power loss a note was in the device; its fate is unknown to the device. */
  | { readonly kind: 'power-up-with-bill'; readonly where: 'validator' | 'stacker' };

export interface CashAcceptor {
  status(): CashAcceptorStatus;
  /** Tenge notes in circulation from the device's bill table (only these are enabled), ascending, without repeats. */
  denominationsTenge(): readonly number[];
  /** Enables the bill types; false if not idle. */
  cashInStart(): boolean;
  /** Stacks the note in escrow; false if there is none waiting for a decision. */
  stack(): boolean;
  /** Returns the note in escrow; false if there is none waiting for a decision. */
  returnNote(): boolean;
  /** Disables the bill types (a note in escrow is returned first); false if not in cash-in. */
  cashInEnd(): boolean;
  /** The next event, drained by the session each tick; the queue is bounded (EVENTS_MAX). */
  nextEvent(): CashEvent | undefined;
}
