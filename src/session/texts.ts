// Every text the customer reads, in Kazakh, Russian and English. `{0}`, `{1}` are filled in
// by `say`. Screens carry the numbers as fields too, so tests and the bench page never parse text.

import type { Language } from '../../hal/ports';

type Text = { readonly kk: string; readonly ru: string; readonly en: string };

export const TEXTS = Object.freeze({
  welcome: { kk: 'Kaspi Red төлеу', ru: 'Оплата Kaspi Red', en: 'Pay your Kaspi Red bill' },
  chooseLanguage: { kk: 'Тілді таңдаңыз', ru: 'Выберите язык', en: 'Choose your language' },
  languageKeys: {
    kk: 'F1 Қазақша · F2 Русский · F3 English',
    ru: 'F1 Қазақша · F2 Русский · F3 English',
    en: 'F1 Қазақша · F2 Русский · F3 English',
  },
  chooseMethod: { kk: 'Қалай кіресіз?', ru: 'Как войти?', en: 'How would you like to sign in?' },
  methodPalm: { kk: '{0} Алақан', ru: '{0} Ладонь (Alaqan)', en: '{0} Palm (Alaqan)' },
  methodQr: { kk: '{0} Kaspi QR', ru: '{0} Kaspi QR', en: '{0} Kaspi QR' },
  methodCard: { kk: '{0} Kaspi Gold картасы', ru: '{0} Карта Kaspi Gold', en: '{0} Kaspi Gold card' },
  methodCardOff: {
    kk: '{0} Kaspi Gold картасы — мұнда қолжетімсіз',
    ru: '{0} Карта Kaspi Gold — здесь недоступна',
    en: '{0} Kaspi Gold card — not available here',
  },
  cardUnavailable: {
    kk: 'Бұл банкоматта картамен кіру мүмкін емес — QR, ЖСН немесе алақанды таңдаңыз',
    ru: 'Вход по карте на этом банкомате недоступен — выберите QR, ИИН или ладонь',
    en: 'Card sign-in is not available at this machine — please choose QR, IIN or palm',
  },
  methodIin: { kk: '{0} ЖСН енгізу', ru: '{0} Ввести ИИН', en: '{0} Type your IIN' },
  cancelKey: { kk: 'Бас тарту — CANCEL', ru: 'Отмена — CANCEL', en: 'CANCEL to stop' },
  enterIin: {
    kk: 'ЖСН-ді енгізіп, ENTER басыңыз',
    ru: 'Введите ИИН и нажмите ENTER',
    en: 'Type your IIN and press ENTER',
  },
  iinInvalid: {
    kk: 'ЖСН қате: {0}. Қалған әрекет: {1}',
    ru: 'Неверный ИИН: {0}. Осталось попыток: {1}',
    en: 'Invalid IIN: {0}. Attempts left: {1}',
  },
  insertCard: { kk: 'Kaspi Gold картасын салыңыз', ru: 'Вставьте карту Kaspi Gold', en: 'Insert your Kaspi Gold card' },
  contactlessOff: {
    kk: 'Жанасусыз төлем уақытша қолжетімсіз — картаны салыңыз',
    ru: 'Бесконтактная оплата временно недоступна — вставьте карту',
    en: 'Contactless is temporarily unavailable — please insert the card',
  },
  cardUnreadable: { kk: 'Картаны оқу мүмкін емес', ru: 'Не удалось прочитать карту', en: 'The card could not be read' },
  cardNotKaspi: {
    kk: 'Тек Kaspi Gold картасы',
    ru: 'Принимается только карта Kaspi Gold',
    en: 'Only a Kaspi Gold card is accepted',
  },
  takeCard: { kk: 'Картаңызды алыңыз', ru: 'Заберите карту', en: 'Please take your card' },
  cardRetained: {
    kk: 'Карта ұсталды. Kaspi.kz-ке хабарласыңыз',
    ru: 'Карта задержана. Обратитесь в Kaspi.kz',
    en: 'The card was retained. Please contact Kaspi.kz',
  },
  placePalm: {
    kk: 'Алақаныңызды камераға қойыңыз',
    ru: 'Поднесите ладонь к камере',
    en: 'Hold your palm over the camera',
  },
  palmRetry: {
    kk: 'Алақан танылмады. Қалған әрекет: {0}',
    ru: 'Ладонь не распознана. Осталось попыток: {0}',
    en: 'Palm not recognised. Attempts left: {0}',
  },
  scanQr: {
    kk: 'Kaspi.kz қосымшасында QR-ды сканерлеңіз',
    ru: 'Отсканируйте QR в приложении Kaspi.kz',
    en: 'Scan the QR code in the Kaspi.kz app',
  },
  qrExpired: { kk: 'QR мерзімі өтті', ru: 'Срок QR истёк', en: 'The QR code has expired' },
  pleaseWait: { kk: 'Күте тұрыңыз…', ru: 'Подождите…', en: 'Please wait…' },
  unknownCustomer: { kk: 'Клиент табылмады', ru: 'Клиент не найден', en: 'Customer not found' },
  bankUnreachable: {
    kk: 'Банкпен байланыс жоқ. Кейінірек келіңіз',
    ru: 'Нет связи с банком. Попробуйте позже',
    en: 'The bank cannot be reached. Please try later',
  },
  billTitle: { kk: 'Kaspi Red шоты', ru: 'Счёт Kaspi Red', en: 'Your Kaspi Red bill' },
  billDue: { kk: 'Төлеуге: {0}, мерзімі {1}', ru: 'К оплате: {0} до {1}', en: 'Due: {0} by {1}' },
  billAmount: { kk: 'Шот: {0}', ru: 'Счёт: {0}', en: 'Bill: {0}' },
  nothingDue: {
    kk: 'Қарыз жоқ — алдын ала төлеуге болады',
    ru: 'Задолженности нет — можно внести заранее',
    en: 'Nothing is due — you can pay ahead',
  },
  nextBill: { kk: 'Келесі шот: {0}', ru: 'Следующий счёт: {0}', en: 'Next bill: {0}' },
  noChange: {
    kk: 'Қайтарым берілмейді: артығы келесі айға',
    ru: 'Сдача не выдаётся: излишек — в счёт следующего месяца',
    en: 'No change is given: any extra goes to next month',
  },
  enterToContinue: { kk: 'Жалғастыру — ENTER', ru: 'Продолжить — ENTER', en: 'ENTER to continue' },
  insertNotes: { kk: 'Банкноталарды салыңыз', ru: 'Вносите купюры', en: 'Insert your banknotes' },
  deposited: { kk: 'Салынды: {0}', ru: 'Внесено: {0}', en: 'Deposited: {0}' },
  toBill: { kk: 'Осы шотқа: {0}', ru: 'В этот счёт: {0}', en: 'To this bill: {0}' },
  toNext: { kk: 'Келесі айға: {0}', ru: 'На следующий месяц: {0}', en: 'To next month: {0}' },
  finishKey: { kk: 'Аяқтау — ENTER', ru: 'Завершить — ENTER', en: 'ENTER to finish' },
  noteReturned: { kk: 'Банкнота қайтарылды: {0}', ru: 'Купюра возвращена: {0}', en: 'Note returned: {0}' },
  limitReached: {
    kk: 'Шекке жетті — банкнота қайтарылды',
    ru: 'Достигнут лимит — купюра возвращена',
    en: 'Limit reached — the note was returned',
  },
  cassetteFull: {
    kk: 'Кассета толы — банкнота қайтарылды',
    ru: 'Кассета заполнена — купюра возвращена',
    en: 'The cassette is full — the note was returned',
  },
  ledgerFull: {
    kk: 'Банкомат қазір басқа банкнота қабылдай алмайды — банкнота қайтарылды. Аяқтау — ENTER',
    ru: 'Банкомат сейчас не может принять больше купюр — купюра возвращена. Завершить — ENTER',
    en: 'The machine cannot take more notes now — the note was returned. ENTER to finish',
  },
  deviceFault: {
    kk: 'Құрылғы ақаулығы. Салынған {0} есепке алынады',
    ru: 'Неисправность устройства. Внесённые {0} будут зачислены',
    en: 'Device fault. The {0} you deposited will be credited',
  },
  outOfServiceCash: {
    kk: 'Қолма-қол ақша уақытша қабылданбайды',
    ru: 'Приём наличных временно недоступен',
    en: 'Cash is temporarily not accepted',
  },
  summaryTitle: { kk: 'Қорытынды', ru: 'Итог', en: 'Summary' },
  crediting: { kk: 'Есепке алынуда…', ru: 'Зачисляем…', en: 'Crediting…' },
  credited: {
    kk: 'Есепке алынды. Түбіртек Kaspi.kz қосымшасында',
    ru: 'Зачислено. Чек в приложении Kaspi.kz',
    en: 'Credited. The receipt is in your Kaspi.kz app',
  },
  savedForLater: {
    kk: 'Төлем сақталды, байланыс қалпына келгенде есепке алынады. Түбіртек қосымшаға келеді',
    ru: 'Платёж сохранён и будет зачислен при восстановлении связи. Чек придёт в приложение',
    en: 'Your payment is saved and will be credited when the bank link is back. The receipt will reach your app',
  },
  nothingDeposited: { kk: 'Ештеңе салынбады', ru: 'Ничего не внесено', en: 'Nothing was deposited' },
  goodbye: { kk: 'Рахмет! Сау болыңыз', ru: 'Спасибо! До свидания', en: 'Thank you! Goodbye' },
  outOfService: { kk: 'Уақытша жұмыс істемейді', ru: 'Временно не работает', en: 'Temporarily out of service' },
  recovering: {
    kk: 'Соңғы операция қалпына келтірілуде…',
    ru: 'Восстанавливаем последнюю операцию…',
    en: 'Restoring the last transaction…',
  },
} satisfies Record<string, Text>);

export type TextId = keyof typeof TEXTS;

/** The text in the language, with `{0}` and `{1}` replaced by the arguments (an absent one by nothing). */
export function say(language: Language, id: TextId, first?: string | number, second?: string | number): string {
  const template = TEXTS[id][language];
  // A walk from brace to brace, two named arguments: cheaper in XS than a regular expression
  // calling back per placeholder and an array of the rest (the cash-in screen is redrawn per note).
  let text = '';
  let from = 0;
  for (let at = template.indexOf('{'); at >= 0; at = template.indexOf('{', at + 1)) {
    const digit = template.charCodeAt(at + 1) - 0x30;
    if ((digit !== 0 && digit !== 1) || template.charCodeAt(at + 2) !== 0x7d) continue;
    const value = digit === 0 ? first : second;
    text += template.slice(from, at) + (value === undefined ? '' : String(value));
    from = at + 3;
  }
  return from === 0 ? template : text + template.slice(from);
}
