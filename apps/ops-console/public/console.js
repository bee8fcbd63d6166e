// Ops console page: plain DOM, no framework, no external assets. Every call goes to the
// hub's own API through this origin's /api proxy with the operator's bearer token.
// Text from the API is only ever set with textContent (never parsed as HTML).

const TOKEN_KEY = 'hub-ops-token';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Conversation ids are usually UUIDs too, but the standard allows other identifiers. */
const CONVERSATION_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const $ = (id) => document.getElementById(id);

/** HER-id → name, from the registry (organisations and their services). */
const partyNames = new Map();

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new ApiError(401, 'AUTH.MISSING', 'Enter an operator token first.');
  let res;
  try {
    res = await fetch(`/api/${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The ops console could not be reached.');
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const code = body?.code ?? body?.error?.code ?? `HTTP_${res.status}`;
    const message = body?.message ?? body?.error?.message ?? res.statusText;
    throw new ApiError(res.status, code, typeof message === 'string' ? message : JSON.stringify(message));
  }
  return body;
}

// ---- small DOM builders ----------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const TONE = {
  SUCCEEDED: 'ok', OK: 'ok', ACKNOWLEDGED: 'ok', DELIVERED: 'info', ACCEPTED: 'info', ACTIVE: 'ok', OPEN: 'info',
  RETRYING: 'warn', PARTIAL: 'warn', HELD: 'warn', warning: 'warn', DOWN: 'bad', SUSPENDED: 'warn',
  FAILED: 'bad', REJECTED: 'bad', overdue: 'bad', critical: 'bad', warning_sev: 'warn', info: 'info',
};
function badge(text, tone) {
  return el('span', { class: `badge b-${tone ?? TONE[text] ?? 'info'}` }, text);
}

function time(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return el('time', { datetime: iso }, d.toLocaleString('nb-NO', { dateStyle: 'short', timeStyle: 'medium' }));
}

function party(herId) {
  if (herId === undefined || herId === null) return '–';
  const name = partyNames.get(Number(herId));
  return name ? `${name} (${herId})` : String(herId);
}

function msgLink(msgId) {
  return el('button', { type: 'button', class: 'link', onclick: () => search(msgId), 'aria-label': `Show trace of message ${msgId}` }, msgId);
}

function table(caption, headers, rows, emptyText) {
  if (rows.length === 0) return el('p', { class: 'empty' }, emptyText);
  return el(
    'table',
    {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c) => (c instanceof Node && c.tagName === 'TD' ? c : el('td', {}, c)))))),
  );
}

function errorBox(err) {
  const hint = err.status === 401 ? ' Check the token.' : err.status === 403 ? ' This token may not read it.' : '';
  return el('p', { class: 'error', role: 'alert' }, `${err.message}${hint} `, el('span', { class: 'mono' }, `(${err.code})`));
}

async function fill(target, build) {
  target.setAttribute('aria-busy', 'true');
  try {
    target.replaceChildren(await build());
  } catch (err) {
    target.replaceChildren(errorBox(err));
  } finally {
    target.setAttribute('aria-busy', 'false');
  }
}

// ---- search: message trace, receipts, conversation --------------------------------

function detailText(detail) {
  if (!detail || typeof detail !== 'object') return '';
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}

function traceView(trace, receipts) {
  const m = trace.message;
  const summary = el(
    'dl',
    { class: 'summary' },
    el('dt', {}, 'MsgId'), el('dd', { class: 'mono' }, m.msgId),
    el('dt', {}, 'Type'), el('dd', {}, `${m.msgType} ${m.version ?? ''}`.trim()),
    el('dt', {}, 'Status'), el('dd', {}, badge(m.status)),
    el('dt', {}, 'Conversation'), el('dd', {}, el('button', { type: 'button', class: 'link', onclick: () => search(m.conversationId, 'conversation'), 'aria-label': `Show conversation ${m.conversationId}` }, m.conversationId)),
    el('dt', {}, 'Sender'), el('dd', {}, party(m.senderHerId)),
    el('dt', {}, 'Receivers'), el('dd', {}, (m.receiverHerIds ?? []).map(party).join('; ') || '–'),
    el('dt', {}, 'Created'), el('dd', {}, time(m.createdAt)),
  );
  const stages = table(
    'Trace: every stage in order',
    ['Time', 'Stage', 'Outcome', 'Code', 'Detail'],
    trace.events.map((e) => [time(e.occurredAt), e.stage, badge(e.outcome), el('td', { class: 'mono' }, e.errorCode ?? '–'), detailText(e.detail)]),
    'No stages recorded yet.',
  );
  let apprec;
  if (receipts instanceof ApiError) {
    apprec = receipts.status === 404 ? el('p', { class: 'empty' }, 'No AppRec expectation yet (the message has not been delivered).') : errorBox(receipts);
  } else {
    apprec = [
      table(
        'AppRec status per receiver',
        ['Receiver', 'Status', 'Opened', 'Due (96 h)', 'Closed', 'Errors'],
        receipts.receipts.map((r) => [
          party(r.receiverHerId),
          el('td', {}, badge(r.status), r.overdue ? [' ', badge('overdue')] : null),
          time(r.openedAt),
          time(r.overdueAt),
          time(r.closedAt),
          (r.errors ?? []).map((e) => (typeof e === 'object' ? [e.code, e.text ?? e.description].filter(Boolean).join(' ') : String(e))).join('; ') || '–',
        ]),
        'No AppRec expected.',
      ),
      receipts.unmatchedAppRecs?.length ? el('p', { class: 'note' }, `${receipts.unmatchedAppRecs.length} AppRec(s) could not be matched to a receiver.`) : null,
    ];
  }
  return el('article', { 'aria-labelledby': 'trace-heading' }, el('h3', { id: 'trace-heading' }, `Message ${m.msgType}`), summary, stages, el('h3', {}, 'AppRec'), apprec);
}

function conversationView(conv) {
  return el(
    'article',
    { 'aria-labelledby': 'conv-heading' },
    el('h3', { id: 'conv-heading' }, 'Conversation ', el('span', { class: 'mono' }, conv.conversationId)),
    table(
      'Messages in the order intake accepted them',
      ['Accepted', 'MsgId', 'Type', 'Sender', 'Receivers', 'Status'],
      conv.messages.map((m) => [time(m.acceptedAt), msgLink(m.msgId), m.msgType, party(m.senderHerId), (m.receiverHerIds ?? []).map(party).join('; '), badge(m.status)]),
      'No messages.',
    ),
  );
}

/** Shows a message's trace (a MsgId) or a conversation; `kind` forces the conversation (its id is often its first MsgId). */
async function search(raw, kind = 'any') {
  const id = String(raw).trim();
  $('query').value = id;
  const result = $('result');
  if (!CONVERSATION_ID.test(id)) {
    result.replaceChildren(el('p', { class: 'error', role: 'alert' }, 'Enter a MsgId (a UUID) or a conversation id.'));
    return;
  }
  const conversation = async () => {
    try {
      return conversationView(await api(`intake/v1/conversations/${encodeURIComponent(id)}`));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return el('p', { class: 'empty' }, `No message or conversation with id ${id}.`);
      throw err;
    }
  };
  await fill(result, async () => {
    if (kind === 'conversation' || !UUID.test(id)) return conversation();
    try {
      const trace = await api(`intake/v1/messages/${encodeURIComponent(id)}`);
      const receipts = await api(`receipts/v1/receipts/${encodeURIComponent(id)}`).catch((err) => err);
      return traceView(trace, receipts);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return conversation();
      throw err;
    }
  });
}

// ---- lists ------------------------------------------------------------------------

function receiptRows(list) {
  return list.receipts.map((r) => [msgLink(r.msgId), r.msgType, party(r.senderHerId), party(r.receiverHerId), time(r.overdueAt), badge(r.status)]);
}

function loadLists() {
  fill($('overdue'), async () =>
    table('Overdue AppRecs', ['MsgId', 'Type', 'Sender', 'Receiver', 'Due', 'Status'], receiptRows(await api('receipts/v1/receipts?status=overdue')), 'Nothing overdue.'),
  );
  fill($('rejected'), async () =>
    table('Negative AppRecs', ['MsgId', 'Type', 'Sender', 'Receiver', 'Due', 'Status'], receiptRows(await api('receipts/v1/receipts?status=REJECTED')), 'No rejected messages.'),
  );
  loadAlerts();
  fill($('parties'), async () => {
    const parties = await api('intake/v1/parties');
    indexParties(parties);
    return table(
      'Registered parties',
      ['Party', 'HER-id', 'Kind', 'EPJ', 'Status', 'Reason'],
      parties.map((p) => [p.name, el('td', { class: 'mono' }, String(p.herId)), p.kind, p.epjSystem, badge(p.status), p.statusReason ?? '–']),
      'No parties registered.',
    );
  });
  fill($('downtime'), async () => {
    const { downtime } = await api('alerting/v1/downtime?open=true');
    return table(
      'Open downtime',
      ['Party', 'Kind', 'Since', 'Expected end', 'Reason', 'Declared by'],
      downtime.map((d) => [d.partyName ? `${d.partyName} (${d.partyHerId})` : party(d.partyHerId), badge(d.kind, 'warn'), time(d.startsAt), time(d.expectedEnd), d.reason, d.declaredBy]),
      'No party is down.',
    );
  });
}

function loadAlerts() {
  const all = $('alerts-all').checked;
  fill($('alerts'), async () => {
    const { alerts } = await api(`alerting/v1/alerts${all ? '' : '?open=true'}`);
    return table(
      all ? 'Alerts (newest first)' : 'Open alerts',
      ['Raised', 'Severity', 'Condition', 'Party', 'MsgId', 'Subject', 'Resolved'],
      alerts.map((a) => [
        time(a.createdAt),
        badge(a.severity, a.severity === 'critical' ? 'bad' : a.severity === 'warning' ? 'warn' : 'info'),
        a.condition,
        party(a.partyHerId),
        a.msgId ? msgLink(a.msgId) : '–',
        a.subject,
        time(a.resolvedAt),
      ]),
      all ? 'No alerts.' : 'No open alerts.',
    );
  });
}

function indexParties(parties) {
  partyNames.clear();
  for (const p of parties) {
    partyNames.set(p.herId, p.name);
    for (const s of p.services ?? []) partyNames.set(s.herId, s.name);
  }
}

// ---- token ------------------------------------------------------------------------

function showTokenState() {
  const has = Boolean(sessionStorage.getItem(TOKEN_KEY));
  $('token-state').textContent = has ? 'Token in use for this tab.' : 'No token: enter one to load data.';
}

$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const value = $('token').value.trim();
  if (!value) return;
  sessionStorage.setItem(TOKEN_KEY, value);
  $('token').value = '';
  showTokenState();
  loadLists();
});
$('token-forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showTokenState();
  for (const id of ['result', 'overdue', 'rejected', 'alerts', 'parties', 'downtime']) $(id).replaceChildren();
});
$('search-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  search($('query').value);
});
$('refresh').addEventListener('click', loadLists);
$('alerts-all').addEventListener('change', loadAlerts);

// A link like /#msg=<uuid> opens a trace directly (handy from an alert e-mail).
showTokenState();
if (sessionStorage.getItem(TOKEN_KEY)) {
  loadLists();
  const fromHash = /^#msg=(.+)$/.exec(location.hash);
  if (fromHash) search(decodeURIComponent(fromHash[1]));
}
