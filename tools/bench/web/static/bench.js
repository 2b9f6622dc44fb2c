// The bench page: draws each snapshot the server pushes (server-sent events) and turns clicks into
// POST /api/act. Plain JavaScript, no framework, nothing fetched from beyond this server.
// Tests read values from data-* attributes, never prose: the screen carries data-screen-id and
// each Screen field as data-field-NAME (camelCase → kebab-case, e.g. data-field-bill-tiyn).

/** The notes a hand can hold at once (the validator's stack limit is the machine's business). */
const STACK_NOTES_MAX = 200;

const byId = (id) => document.getElementById(id);
const state = { snapshot: undefined, stack: [], demoKey: '', updates: 0, phoneIin: '' };

function formatTenge(amountTiyn) {
  const tenge = Math.floor(amountTiyn / 100);
  const tiyn = amountTiyn % 100;
  const grouped = String(tenge).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return `${grouped}${tiyn === 0 ? '' : `,${String(tiyn).padStart(2, '0')}`}\u00a0₸`;
}

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

async function act(action) {
  const errorBox = byId('act-error');
  errorBox.textContent = '';
  errorBox.dataset.kind = action.kind;
  try {
    const response = await fetch('/api/act', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(action),
    });
    const result = await response.json();
    if (!result.ok) errorBox.textContent = `${action.kind}: ${result.error}`;
    return result;
  } catch (error) {
    errorBox.textContent = `${action.kind}: ${error}`;
    return { ok: false, error: String(error) };
  }
}

// --- drawing ---------------------------------------------------------------------------------

function drawScreen(screen, power, qrImageUrl) {
  const box = byId('screen');
  for (const name of Object.keys(box.dataset)) if (name.startsWith('field')) delete box.dataset[name];
  box.classList.toggle('off', screen === undefined);
  box.dataset.screenId = screen === undefined ? '' : screen.id;
  box.dataset.language = screen === undefined ? '' : screen.language;
  byId('screen-language').textContent = screen === undefined ? '' : screen.language.toUpperCase();
  byId('screen-id-label').textContent = screen === undefined ? (power === 'off' ? 'no power' : 'blank') : screen.id;
  byId('screen-title').textContent = screen === undefined ? '' : screen.title;
  byId('screen-lines').replaceChildren(
    ...(screen === undefined ? [] : screen.lines.map((line) => element('li', {}, line))),
  );
  const fields = byId('screen-fields');
  fields.replaceChildren();
  for (const [name, value] of Object.entries(screen === undefined ? {} : screen.fields)) {
    box.dataset[`field${name.charAt(0).toUpperCase()}${name.slice(1)}`] = String(value);
    fields.append(
      element('dt', {}, name),
      element('dd', {}, /Tiyn$/.test(name) && typeof value === 'number' ? formatTenge(value) : String(value)),
    );
  }
  const qr = byId('screen-qr');
  qr.hidden = qrImageUrl === undefined;
  if (qrImageUrl !== undefined && qr.getAttribute('src') !== qrImageUrl) qr.setAttribute('src', qrImageUrl);
  if (qrImageUrl === undefined) qr.removeAttribute('src');
  qr.dataset.payload = screen?.qr ?? '';
}

/** Demo buttons are rebuilt only when the demo list changes, so a click never lands on a detached node. */
function drawDemo(demo) {
  const key = JSON.stringify(demo);
  if (key === state.demoKey) return;
  state.demoKey = key;
  const cards = demo.cards.map((card) => {
    const row = element('div', { class: 'card-row', 'data-test': `card-${card.id}`, 'data-label': card.label });
    row.append(
      element('span', {}, card.label),
      element(
        'button',
        { 'data-test': `insert-card-${card.id}`, 'data-act': JSON.stringify({ kind: 'insert-card', cardId: card.id }) },
        'Insert',
      ),
      element(
        'button',
        { 'data-test': `tap-card-${card.id}`, 'data-act': JSON.stringify({ kind: 'tap-card', cardId: card.id }) },
        'Tap',
      ),
    );
    return row;
  });
  byId('cards').replaceChildren(...cards);
  const palms = demo.customers.map((customer) =>
    element(
      'button',
      {
        'data-test': `palm-${customer.iin}`,
        'data-iin': customer.iin,
        'data-act': JSON.stringify({ kind: 'palm', iin: customer.iin }),
      },
      `${customer.label}'s palm`,
    ),
  );
  palms.push(
    element(
      'button',
      { 'data-test': 'palm-unknown', 'data-act': JSON.stringify({ kind: 'palm', iin: 'unknown' }) },
      'An unknown palm',
    ),
    element(
      'button',
      { 'data-test': 'palm-poor-image', 'data-act': JSON.stringify({ kind: 'palm', iin: 'poor-image' }) },
      'A poor image',
    ),
  );
  byId('palms').replaceChildren(...palms);
  const select = byId('phone-customer');
  select.replaceChildren(
    ...demo.customers.map((customer) => element('option', { value: customer.iin }, customer.label)),
  );
  if (demo.customers.some((customer) => customer.iin === state.phoneIin)) select.value = state.phoneIin;
  state.phoneIin = select.value;
}

/** The bank shows IINs masked; a demo customer matches when every digit it shows agrees. */
function matchesMasked(iinMasked, iin) {
  if (iinMasked.length !== iin.length) return false;
  return [...iinMasked].every((char, index) => !/[0-9]/.test(char) || char === iin[index]);
}

function drawPhone(snapshot) {
  byId('phone-scan').disabled = snapshot.screen?.qr === undefined;
  const account = snapshot.bank.customers.find((customer) => matchesMasked(customer.iinMasked, state.phoneIin));
  const app = byId('phone-app');
  app.dataset.iinMasked = account?.iinMasked ?? '';
  app.dataset.billTiyn = account === undefined ? '' : String(account.billTiyn);
  app.dataset.nextBillTiyn = account === undefined ? '' : String(account.nextBillTiyn);
  app.dataset.carriedTiyn = account === undefined ? '' : String(account.carriedTiyn);
  byId('phone-bill').textContent = account === undefined ? '—' : formatTenge(account.billTiyn);
  byId('phone-next-bill').textContent = account === undefined ? '—' : formatTenge(account.nextBillTiyn);
  byId('phone-carried').textContent = account === undefined ? '—' : formatTenge(account.carriedTiyn);
  const mine =
    account === undefined ? [] : snapshot.bank.receipts.filter((receipt) => receipt.text.includes(account.iinMasked));
  byId('phone-receipts').replaceChildren(
    ...mine.map((receipt) =>
      element('li', { 'data-test': 'phone-receipt', 'data-receipt-id': receipt.receiptId }, receipt.text),
    ),
  );
}

function drawWorld(snapshot) {
  byId('power-state').textContent = snapshot.power;
  byId('power-state').dataset.value = snapshot.power;
  byId('network-state').textContent = snapshot.network;
  byId('network-state').dataset.value = snapshot.network;
  byId('validator-state').textContent = snapshot.validator;
  byId('validator-state').dataset.value = snapshot.validator;
  const cassette = byId('cassette-state');
  cassette.textContent = `${snapshot.cassette.notes} / ${snapshot.cassette.capacityNotes} notes, ${formatTenge(snapshot.cassette.amountTiyn)}`;
  cassette.dataset.notes = String(snapshot.cassette.notes);
  cassette.dataset.amountTiyn = String(snapshot.cassette.amountTiyn);
}

function drawLedger(snapshot) {
  const stats = byId('ledger-stats');
  stats.textContent = `head ${snapshot.ledgerStats.head} · acked ${snapshot.ledgerStats.acked} · ${snapshot.ledgerStats.usedPercent}% used`;
  stats.dataset.head = String(snapshot.ledgerStats.head);
  stats.dataset.acked = String(snapshot.ledgerStats.acked);
  stats.dataset.usedPercent = String(snapshot.ledgerStats.usedPercent);
  byId('ledger').replaceChildren(
    ...snapshot.ledger
      .slice()
      .reverse()
      .map((row) => {
        const tr = element('tr', {
          'data-test': 'ledger-row',
          'data-sequence': row.sequence,
          'data-kind': row.kind,
          'data-synced': row.synced,
        });
        tr.append(
          element('td', {}, String(row.sequence)),
          element('td', {}, row.kind),
          element('td', {}, row.text),
          element('td', {}, row.synced ? 'synced' : 'pending'),
        );
        return tr;
      }),
  );
}

function drawBank(bank) {
  byId('bank').replaceChildren(
    ...bank.customers.map((customer) => {
      const tr = element('tr', {
        'data-test': 'bank-customer',
        'data-iin-masked': customer.iinMasked,
        'data-bill-tiyn': customer.billTiyn,
        'data-next-bill-tiyn': customer.nextBillTiyn,
        'data-carried-tiyn': customer.carriedTiyn,
      });
      tr.append(
        element('td', {}, customer.iinMasked),
        element('td', {}, customer.name),
        element('td', {}, formatTenge(customer.billTiyn)),
        element('td', {}, formatTenge(customer.nextBillTiyn)),
        element('td', {}, formatTenge(customer.carriedTiyn)),
      );
      return tr;
    }),
  );
  byId('bank-receipts').replaceChildren(
    ...bank.receipts.map((receipt) =>
      element(
        'li',
        { 'data-test': 'bank-receipt', 'data-receipt-id': receipt.receiptId },
        `${receipt.receiptId}: ${receipt.text}`,
      ),
    ),
  );
}

function drawConsole(text) {
  const output = byId('console-output');
  if (output.textContent === text) return;
  const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
  output.textContent = text.replace(/\r/g, '');
  if (atBottom) output.scrollTop = output.scrollHeight;
}

function drawStack() {
  const stack = byId('notes-stack');
  const amountTenge = state.stack.reduce((sum, note) => sum + (typeof note === 'number' ? note : 0), 0);
  stack.dataset.count = String(state.stack.length);
  stack.dataset.amountTenge = String(amountTenge);
  stack.textContent = state.stack.length === 0 ? 'nothing' : `${state.stack.length} notes: ${state.stack.join(' + ')}`;
}

function draw(message) {
  const snapshot = message.snapshot;
  state.snapshot = snapshot;
  state.updates += 1;
  byId('updates').dataset.count = String(state.updates);
  drawScreen(snapshot.screen, snapshot.power, message.qrImageUrl);
  drawDemo(snapshot.demo);
  drawPhone(snapshot);
  drawWorld(snapshot);
  drawLedger(snapshot);
  drawBank(snapshot.bank);
  drawConsole(message.consoleText);
}

// --- hands -----------------------------------------------------------------------------------

function wire() {
  document.body.addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (button === null) return;
    if (button.dataset.key !== undefined) act({ kind: 'key', key: button.dataset.key });
    else if (button.dataset.act !== undefined) act(JSON.parse(button.dataset.act));
    else if (button.dataset.note !== undefined) {
      if (state.stack.length < STACK_NOTES_MAX)
        state.stack.push(/^\d+$/.test(button.dataset.note) ? Number(button.dataset.note) : button.dataset.note);
      drawStack();
    }
  });
  byId('take-card').addEventListener('click', () => act({ kind: 'take-card' }));
  byId('notes-clear').addEventListener('click', () => {
    state.stack = [];
    drawStack();
  });
  byId('notes-put').addEventListener('click', async () => {
    if (state.stack.length === 0) return;
    const notes = state.stack;
    state.stack = [];
    drawStack();
    const result = await act({ kind: 'notes', notes });
    if (!result.ok) {
      state.stack = notes;
      drawStack();
    } // the hand still holds the stack
  });
  byId('phone-customer').addEventListener('change', (event) => {
    state.phoneIin = event.target.value;
    if (state.snapshot !== undefined) drawPhone(state.snapshot);
  });
  byId('phone-scan').addEventListener('click', () => act({ kind: 'phone-scan-qr', iin: state.phoneIin }));
  byId('console-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId('console-input');
    act({ kind: 'console', line: input.value });
    input.value = '';
  });
}

function connect() {
  const connection = byId('connection');
  const events = new EventSource('/api/events');
  events.addEventListener('snapshot', (event) => draw(JSON.parse(event.data)));
  events.addEventListener('open', () => {
    connection.textContent = 'live';
    connection.dataset.state = 'live';
  });
  events.addEventListener('error', () => {
    connection.textContent = 'reconnecting…';
    connection.dataset.state = 'reconnecting';
  });
}

wire();
drawStack();
connect();
