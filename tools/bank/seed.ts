// Demo customers and ATMs, written into an empty database on first run. Every IIN is a
// valid Kazakh IIN (checked by test/node/bank-server.test.ts), none a real person's.
import type { CustomerRow } from './store';

const TENGE = 100; // tiyn

export const DEMO_CUSTOMERS: readonly CustomerRow[] = Object.freeze([
  {
    // The FAQ's customer: a 15 000 ₸ monthly bill (pay 20 000 ₸ → next bill 10 000 ₸).
    customer_id: 'c-aigerim',
    iin: '950614400011',
    palm_template: 'palm-aigerim',
    given_name: 'Айгерим',
    family_name: 'Бекова',
    bill_tiyn: 15_000 * TENGE,
    outstanding_tiyn: 0,
    next_bill_tiyn: 15_000 * TENGE,
    carried_tiyn: 0,
    due_date: '2026-12-05',
    session_max_tiyn: 500_000 * TENGE,
  },
  {
    // Nothing due this month: everything deposited reduces next month's bill.
    customer_id: 'c-daniyar',
    iin: '880302300023',
    palm_template: 'palm-daniyar',
    given_name: 'Данияр',
    family_name: 'Сапаров',
    bill_tiyn: 0,
    outstanding_tiyn: 0,
    next_bill_tiyn: 12_000 * TENGE,
    carried_tiyn: 0,
    due_date: '2026-12-10',
    session_max_tiyn: 500_000 * TENGE,
  },
  {
    // Overdue: 8 000 ₸ this month + 10 000 ₸ outstanding (8 000 ₸ last month and the 2 000 ₸ fine).
    customer_id: 'c-yerzhan',
    iin: '791123300034',
    palm_template: 'palm-yerzhan',
    given_name: 'Ержан',
    family_name: 'Омаров',
    bill_tiyn: 18_000 * TENGE,
    outstanding_tiyn: 10_000 * TENGE,
    next_bill_tiyn: 8_000 * TENGE,
    carried_tiyn: 0,
    due_date: '2026-11-10',
    session_max_tiyn: 500_000 * TENGE,
  },
  {
    // Already in credit: next bill zero and 3 000 ₸ carried.
    customer_id: 'c-saule',
    iin: '010130600048',
    palm_template: 'palm-saule',
    given_name: 'Сауле',
    family_name: 'Нурланова',
    bill_tiyn: 0,
    outstanding_tiyn: 0,
    next_bill_tiyn: 0,
    carried_tiyn: 3_000 * TENGE,
    due_date: '2026-12-15',
    session_max_tiyn: 500_000 * TENGE,
  },
]);

/**
 * The cards the bank issued: the simulator's demo cards (hal/sim/card-reader.ts DEMO_CARDS; Saule
 * has none). The bank knows a card by the token each ATM makes of it with that ATM's own key
 * (store.ts card_tokens); test/node/bank-server.test.ts reads the cards with the simulator's reader.
 */
export const DEMO_CARDS_ISSUED: readonly { readonly customer_id: string; readonly pan: string }[] = Object.freeze([
  { customer_id: 'c-aigerim', pan: '4400430000000015' }, // kaspiGoldVisa
  { customer_id: 'c-daniyar', pan: '4400430000000023' }, // kaspiGoldVisaTrack2
  { customer_id: 'c-yerzhan', pan: '5374000000000015' }, // kaspiGoldMastercard
]);

export const DEMO_ATMS: readonly { readonly atmId: string; readonly address: string }[] = Object.freeze([
  { atmId: 'ATM-ALA-0001', address: 'Алматы, пр. Абая, 52, ТРЦ, 1 этаж' },
  { atmId: 'ATM-AST-0001', address: 'Астана, ул. Кенесары, 40' },
]);
