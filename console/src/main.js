// eddy's web console: editor, streaming results, catalog, queries and
// connectors, over the server's REST API.
import './style.css';
import { el, fmtRate, sparkline } from './util.js';
import { get, ksql, check, stream, closeQuery, setCredentials, AuthError, ApiError, ConnectionError } from './api.js';
import { createEditor, splitStatements, markError, setSchema, catalog } from './editor.js';
import { Grid, ROW_CAP } from './grid.js';
import { drawTopology } from './topology.js';

const session = { props: {}, vars: {} };
const app = document.getElementById('app');
let view; let grid;
let running = null; // { abort, queryId }
const timers = new Set();

// ---- layout ----------------------------------------------------------

const nav = el('nav', null,
  el('span.brand', { text: 'eddy' }),
  el('a', { href: '#editor', id: 'tab-editor', text: 'Editor' }),
  el('a', { href: '#queries', id: 'tab-queries', text: 'Queries' }),
  el('a', { href: '#connectors', id: 'tab-connectors', text: 'Connectors' }),
  el('span.spacer'),
  el('span#server-info.muted'),
  el('button#logout.link', { text: 'Log out', hidden: true, onclick: () => { setCredentials(null); location.reload(); } }));
const side = el('aside#catalog');
const editorPage = el('section#editor-page.page');
const queriesPage = el('section#queries-page.page');
const connectorsPage = el('section#connectors-page.page');
// Said while the server cannot be reached (the pages that poll it keep
// trying, and this goes once they get an answer again).
const offline = el('div#offline.banner', { hidden: true });
app.append(nav, offline, el('div.main', null, side, el('div.pages', null, editorPage, queriesPage, connectorsPage)));

// ---- login -----------------------------------------------------------

function showLogin(message) {
  if (document.getElementById('login')) return;
  const user = el('input#login-user', { placeholder: 'user', autocomplete: 'username' });
  const pass = el('input#login-pass', { type: 'password', placeholder: 'password', autocomplete: 'current-password' });
  const msg = el('p#login-msg.error', { text: message || '' });
  const form = el('form#login.overlay', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      setCredentials(user.value, pass.value);
      try {
        await get('/info');
        form.remove();
        start();
      } catch (e) {
        setCredentials(null);
        msg.textContent = e instanceof AuthError ? 'Wrong user or password.' : e.message;
      }
    },
  }, el('div.box', null, el('h2', { text: 'eddy console' }), el('p', { text: 'This server asks for credentials.' }), user, pass, el('button#login-submit', { type: 'submit', text: 'Log in' }), msg));
  document.body.appendChild(form);
  user.focus();
}

// guard runs an API call and turns a 401 into the login form.
async function guard(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AuthError) { stopTimers(); showLogin('Your session needs credentials.'); }
    throw e;
  }
}

// ---- editor page -----------------------------------------------------

const status = el('span#status.muted');
const stopBtn = el('button#stop', { text: 'Stop', disabled: true, onclick: () => stopQuery() });
const modeBtn = el('button#mode', { text: 'JSON', onclick: () => { grid.setMode(grid.mode === 'table' ? 'json' : 'table'); modeBtn.textContent = grid.mode === 'table' ? 'JSON' : 'Table'; } });
const histSel = el('select#history', { onchange: () => { if (histSel.value) insertText(histSel.value); histSel.value = ''; } });
const output = el('div#output');
const gridBox = el('div#grid');
const notice = el('div#notice.muted');
// Why a query that had started streaming ended early (the server went
// away, say): shown under its rows, which stay.
const streamEnd = el('div#stream-end.error', { hidden: true });
const editorBox = el('div#editor');
const results = el('div.results', null, output, gridBox, notice, streamEnd);
editorPage.append(
  editorBox,
  el('div.toolbar', null,
    el('button#run.primary', { text: 'Run ▶', title: 'Ctrl+Enter: the selection, or every statement', onclick: () => runEditor() }),
    stopBtn, modeBtn, histSel, status),
  results);

function loadHistory() { try { return JSON.parse(localStorage.getItem('eddy.history') || '[]'); } catch { return []; } }
function remember(text) {
  const h = loadHistory().filter((x) => x !== text);
  h.unshift(text);
  localStorage.setItem('eddy.history', JSON.stringify(h.slice(0, 100)));
  renderHistory();
}
function renderHistory() {
  histSel.replaceChildren(el('option', { value: '', text: 'History…' }), ...loadHistory().map((h) => el('option', { value: h, text: h.length > 80 ? h.slice(0, 80) + '…' : h })));
}

function insertText(text) {
  showPage('editor');
  const doc = view.state.doc;
  const at = doc.length;
  const sep = doc.length && !doc.toString().endsWith('\n') ? '\n' : '';
  view.dispatch({ changes: { from: at, insert: sep + text }, selection: { anchor: at + sep.length, head: at + sep.length + text.length } });
  view.focus();
}

function firstWord(text) {
  const t = text.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*\s*/, '');
  return (/^\w+/.exec(t) || [''])[0].toUpperCase();
}

// Run while statements run (a push query streaming, say) stops that run
// — its query ends, its later statements do not run — and starts anew.
// Preview does the same.
let runGen = 0;
let runDone = Promise.resolve();
async function exclusive(fn) {
  const gen = ++runGen;
  if (running) stopQuery();
  await runDone;
  if (gen !== runGen) return; // Run pressed again meanwhile: that run goes on
  let finish;
  runDone = new Promise((r) => { finish = r; });
  try {
    output.replaceChildren();
    output.hidden = true;
    gridBox.hidden = true;
    notice.textContent = '';
    streamEnd.hidden = true;
    layout();
    await fn(gen);
  } finally {
    finish();
  }
}

function runEditor() { return exclusive(runScript); }

async function runScript(gen) {
  const sel = view.state.selection.main;
  const text = sel.empty ? view.state.doc.toString() : view.state.sliceDoc(sel.from, sel.to);
  const stmts = splitStatements(text, sel.empty ? 0 : sel.from);
  saveDoc();
  // The whole script is parsed before any of it runs, as in the shell:
  // a syntax error in statement 3 leaves statements 1 and 2 unrun.
  if (stmts.length > 1) {
    let bad;
    try {
      bad = await guard(() => check(stmts.map((st) => st.text), session.props, session.vars));
    } catch (e) {
      if (e instanceof AuthError) return;
      if (e instanceof ConnectionError) {
        output.append(el('div#error.error', null, el('b', { text: 'Not run: ' }), e.message));
        showOutput();
        return;
      }
      bad = { statement: -1 }; // a server without the check: run as before
    }
    if (gen !== runGen) return;
    if (bad.statement >= 0) {
      statementError(stmts[bad.statement], bad.message, 'nothing in the script ran');
      return;
    }
  }
  for (const st of stmts) {
    if (gen !== runGen) return;
    remember(st.text);
    try {
      await runStatement(st);
    } catch (e) {
      if (e instanceof AuthError) return;
      if (e.midStream) {
        // The statement was fine and its rows so far stay in the grid.
        streamEnd.replaceChildren(el('b', { text: 'Query ended: ' }), e.message);
        streamEnd.hidden = false;
        return;
      }
      if (e instanceof ConnectionError) {
        output.append(el('div#error.error', null, el('b', { text: 'Not run: ' }), e.message));
        showOutput();
        return;
      }
      statementError(st, e instanceof ApiError ? e.message : String(e));
      return;
    }
  }
}

// statementError marks where st failed and says why below the editor.
function statementError(st, msg, note) {
  const line = markError(view, st, msg);
  output.append(el('div#error.error', null, el('b', { text: `Error at line ${line}: ` }), msg.split('\nStatement:')[0],
    note ? el('div.muted', { text: `(${note})` }) : null));
  showOutput();
}

async function runStatement(st) {
  const word = firstWord(st.text);
  let m;
  if (word === 'SET' && (m = /^\s*SET\s+'([^']+)'\s*=\s*'([^']*)'/i.exec(st.text))) {
    session.props[m[1]] = m[2];
    return say(`Property '${m[1]}' set to '${m[2]}'.`);
  }
  if (word === 'UNSET' && (m = /^\s*UNSET\s+'([^']+)'/i.exec(st.text))) {
    delete session.props[m[1]];
    return say(`Property '${m[1]}' unset.`);
  }
  if (word === 'DEFINE' && (m = /^\s*DEFINE\s+(\w+)\s*=\s*'([^']*)'/i.exec(st.text))) {
    session.vars[m[1]] = m[2];
    return say(`Variable ${m[1]} defined.`);
  }
  if (word === 'UNDEFINE' && (m = /^\s*UNDEFINE\s+(\w+)/i.exec(st.text))) {
    delete session.vars[m[1]];
    return say(`Variable ${m[1]} undefined.`);
  }
  if (word === 'SELECT' || word === 'PRINT') return runQuery(st.text, word === 'PRINT');
  const ents = await guard(() => ksql(st.text, session.props, session.vars));
  for (const e of ents || []) output.append(renderEntity(e));
  showOutput();
  refreshCatalog();
}

function say(text) { output.append(el('div.msg', { text })); showOutput(); }

// showOutput shows the run's statement results: above the grid when the
// run has a query too (a script's messages stay visible), else alone.
function showOutput() { output.hidden = false; layout(); }
function layout() { results.classList.toggle('both', !output.hidden && !gridBox.hidden); }

async function runQuery(sql, isPrint, extraProps = {}) {
  const ctl = new AbortController();
  running = { abort: ctl, queryId: null };
  stopBtn.disabled = false;
  gridBox.hidden = false;
  layout();
  grid.reset(isPrint ? ['record'] : []);
  let count = 0;
  let answered = false; // the server accepted the query and began to stream
  let recent = []; // arrival times of the last second's rows
  const started = performance.now();
  const tick = () => {
    const now = performance.now();
    recent = recent.filter((t) => now - t < 1000);
    const rate = recent.length / Math.min(1, (now - started) / 1000 || 1);
    status.textContent = `${count} rows · ${fmtRate(rate)} · ${running ? 'running' : 'done'}`;
    status.dataset.rows = String(count);
    grid.trim(); // the count dropped so far, not as of the last repaint
    notice.textContent = grid.dropped ? `Showing the latest ${ROW_CAP} rows; ${grid.dropped} older rows dropped.` : '';
  };
  const timer = setInterval(tick, 250);
  const onRow = (r) => { count++; recent.push(performance.now()); grid.add(r); };
  try {
    await guard(() => stream(sql, { ...session.props, ...extraProps }, session.vars, ctl.signal, isPrint
      ? { onLine: (line) => { answered = true; if (printFormat(line)) return; if (line.trim()) onRow([line]); } }
      : { onHeader: (h) => { answered = true; running.queryId = h.queryId; grid.reset(h.columnNames || []); }, onRow }));
  } catch (e) {
    if (e.name === 'AbortError') return null;
    if (answered) e.midStream = true;
    throw e;
  } finally {
    clearInterval(timer);
    running = null;
    stopBtn.disabled = true;
    tick();
  }
  return count;
}

// printFormat shows PRINT's "Key format: …" and "Value format: …" lines
// above the grid (the latest of each) instead of counting them as rows.
function printFormat(line) {
  const m = /^(Key|Value) format: /.exec(line);
  if (!m) return false;
  const id = `print-${m[1].toLowerCase()}-format`;
  const line0 = el(`div#${id}.msg`, { text: line });
  const old = document.getElementById(id);
  if (old) old.replaceWith(line0); else output.append(line0);
  showOutput();
  return true;
}

function stopQuery() {
  if (!running) return;
  const { abort, queryId } = running;
  if (queryId) closeQuery(queryId);
  abort.abort();
}

// renderEntity shows one /ksql answer: lists as tables, statuses as
// messages, anything else as JSON.
function renderEntity(e) {
  const table = entityTable;
  switch (e['@type']) {
    case 'currentStatus': {
      const { message, queryId } = e.commandStatus;
      return el('div.msg', { text: queryId && !message.includes(queryId) ? `${message} (${queryId})` : message });
    }
    case 'streams': return table(['Stream', 'Topic', 'Key', 'Value', 'Windowed'], e.streams.map((s) => [s.name, s.topic, s.keyFormat, s.valueFormat, s.isWindowed]));
    case 'tables': return table(['Table', 'Topic', 'Key', 'Value', 'Windowed'], e.tables.map((s) => [s.name, s.topic, s.keyFormat, s.valueFormat, s.isWindowed]));
    case 'queries': return table(['Query', 'Type', 'State', 'Sinks', 'Statement'], e.queries.map((q) => [q.id, q.queryType, q.state, (q.sinks || []).join(', '), q.queryString]));
    case 'kafka_topics': return table(['Topic', 'Partitions', 'Replicas'], e.topics.map((t) => [t.name, t.replicaInfo.length, t.replicaInfo.join(',')]));
    case 'function_names': return table(['Function', 'Type', 'Category'], e.functions.map((f) => [f.name, f.type, f.category]));
    case 'properties': return table(['Property', 'Scope', 'Value'], e.properties.map((p) => [p.name, p.scope, p.value]));
    case 'kafka_topics_extended': return table(['Topic', 'Partitions', 'Replicas', 'Consumers', 'Consumer groups'], e.topics.map((t) => [t.name, t.replicaInfo.length, t.replicaInfo.join(','), t.consumerCount, t.consumerGroupCount]));
    case 'variables': return e.variables.length ? table(['Variable', 'Value'], e.variables.map((v) => [v.name, v.value])) : el('div.msg', { text: 'No variables defined.' });
    case 'type_list': {
      const types = Object.entries(e.types || {});
      return types.length ? table(['Type', 'Schema'], types.map(([n, t]) => [n, typeText(t)])) : el('div.msg', { text: 'No types defined.' });
    }
    case 'connector_plugins_list': return table(['Class', 'Type', 'Version'], (e.connectorsPlugins || []).map((c) => [c.className, c.type, c.version]));
    case 'source_descriptions': return el('div', null, e.sourceDescriptions.map((d) => describeSource(d)));
    case 'queryDescription': return describeQuery(e.queryDescription);
    case 'query_descriptions': return el('div', null, e.queryDescriptions.map((d) => describeQuery(d)));
    case 'connector_list': return table(['Connector', 'Type', 'Class', 'State'], e.connectors.map((c) => [c.name, c.type, c.className, c.state]));
    case 'sourceDescription': return describeSource(e.sourceDescription);
    default: return el('pre.json', { text: JSON.stringify(e, null, 2) });
  }
}

function entityTable(cols, rows) {
  return el('table.entity', null,
    el('thead', null, el('tr', null, cols.map((c) => el('th', { text: c })))),
    el('tbody', null, rows.map((r) => el('tr', null, r.map((v) => el('td', { text: v == null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v) }))))));
}

// typeText spells a schema ({type, fields, memberSchema}) as SQL.
function typeText(s) {
  if (!s) return '';
  if (s.type === 'ARRAY') return `ARRAY<${typeText(s.memberSchema)}>`;
  if (s.type === 'MAP') return `MAP<STRING, ${typeText(s.memberSchema)}>`;
  if (s.type === 'STRUCT') return `STRUCT<${(s.fields || []).map((f) => `${f.name} ${typeText(f.schema)}`).join(', ')}>`;
  return s.type;
}

function describeSource(d) {
  const queries = (title, list) => (list || []).length
    ? el('div', null, el('h4', { text: title }), entityTable(['Query', 'State', 'Sinks', 'Statement'], list.map((q) => [q.id, q.state, (q.sinks || []).join(', '), q.queryString])))
    : null;
  return el('div.describe', null, el('h4', { text: `${d.type} ${d.name}` }),
    el('p.muted', { text: `topic ${d.topic} · key ${d.keyFormat} · value ${d.valueFormat}${d.partitions ? ' · ' + d.partitions + ' partitions' : ''}` }),
    entityTable(['Column', 'Type', ''], d.fields.map((f) => [f.name, typeText(f.schema), f.type === 'KEY' ? 'KEY' : ''])),
    // What DESCRIBE … EXTENDED adds, as the shell shows it.
    d.extended ? el('div.extended', null,
      el('table.entity', null, el('tbody', null, [['Type', d.type], ['Timestamp field', d.timestamp || 'Not set - using <ROWTIME>'], ['Key format', d.keyFormat], ['Value format', d.valueFormat],
        ['Kafka topic', `${d.topic} (partitions: ${d.partitions}, replication: ${d.replication})`], ...(d.windowType ? [['Window', d.windowType]] : []),
        ...((d.sourceConstraints || []).length ? [['Sources that depend on it', d.sourceConstraints.join(', ')]] : [])]
        .map(([k, v]) => el('tr', null, el('th', { text: k }), el('td', { text: v }))))),
      d.statement ? el('pre.stmt', { text: d.statement }) : null,
      queries('Queries that read from this source', d.readQueries),
      queries('Queries that write to this source', d.writeQueries),
      el('h4', { text: 'Local runtime statistics' }),
      el('pre.plan', { text: [d.statistics, d.errorStats].filter(Boolean).join('\n') || '(none yet)' })) : null,
    !d.extended && d.statistics ? el('p.muted', { text: d.statistics }) : null,
    !d.extended && d.errorStats ? el('p.muted', { text: d.errorStats }) : null);
}

// describeQuery shows EXPLAIN's answer: the statement, columns, sources
// and sinks, and the topology and execution plan as the text they are.
function describeQuery(q) {
  return el('div.describe', null,
    el('h4', { text: q.id ? `${q.id}${q.state ? ' · ' + q.state : ''}` : 'Query' }),
    el('pre.stmt', { text: q.statementText }),
    el('p.muted', { text: `sources ${(q.sources || []).join(', ')} · sinks ${(q.sinks || []).join(', ')}${q.queryType ? ' · ' + q.queryType : ''}` }),
    entityTable(['Column', 'Type', ''], (q.fields || []).map((f) => [f.name, typeText(f.schema), f.type === 'KEY' ? 'KEY' : ''])),
    q.topology ? el('div', null, el('h4', { text: 'Topology' }), el('pre.plan', { text: q.topology })) : null,
    q.executionPlan ? el('div', null, el('h4', { text: 'Execution plan' }), el('pre.plan', { text: q.executionPlan })) : null,
    q.statistics ? el('p.muted', { text: q.statistics }) : null,
    q.errorStats ? el('p.muted', { text: q.errorStats }) : null,
    (q.queryErrors || []).length ? el('pre.error', { text: q.queryErrors.map((x) => x.errorMessage || JSON.stringify(x)).join('\n') }) : null);
}

// ---- catalog ---------------------------------------------------------

function quoteIdent(n) { return /^[A-Z_][A-Z0-9_]*$/.test(n) ? n : '`' + n.replace(/`/g, '``') + '`'; }

async function first(text) {
  const r = await guard(() => ksql(text, session.props, session.vars));
  return r && r[0];
}

// A refresh asked for while one runs runs again after it, so the panel
// always ends up showing the catalog after the last statement.
let catalogBusy = false;
let catalogAgain = false;
async function refreshCatalog() {
  if (catalogBusy) { catalogAgain = true; return; }
  catalogBusy = true;
  catalogAgain = false;
  try {
    const [streams, tables, topics, types, functions, props, connectors] = await Promise.all(
      ['SHOW STREAMS;', 'SHOW TABLES;', 'SHOW TOPICS;', 'SHOW TYPES;', 'SHOW FUNCTIONS;', 'SHOW PROPERTIES;', 'SHOW CONNECTORS;']
        .map((s) => first(s).catch(() => null)));
    const sources = [...(streams ? streams.streams : []), ...(tables ? tables.tables : [])];
    catalog.functions = functions ? functions.functions : [];
    catalog.properties = props ? props.properties.map((p) => p.name) : [];
    const cols = {};
    await Promise.all(sources.slice(0, 200).map(async (s) => {
      const d = await first(`DESCRIBE ${quoteIdent(s.name)};`).catch(() => null);
      cols[s.name] = d ? d.sourceDescription.fields.map((f) => f.name) : [];
    }));
    catalog.sources = cols;
    setSchema(view, cols);
    renderCatalog({ streams: streams ? streams.streams : [], tables: tables ? tables.tables : [], topics: topics ? topics.topics : [],
      types: types ? types.types : {}, functions: catalog.functions, connectors: connectors ? connectors.connectors : [] });
  } finally {
    catalogBusy = false;
    if (catalogAgain) refreshCatalog();
  }
}

function section(title, id, items, open = true) {
  const d = el(`details#${id}`, { open }, el('summary', { text: `${title} (${items.length})` }), el('ul', null, items));
  return d;
}

function renderCatalog(c) {
  const detail = el('div#source-detail');
  const src = (s) => el('li', null, el('a', { href: '#', 'data-source': s.name, text: s.name, onclick: (ev) => { ev.preventDefault(); showSource(s.name, detail); } }));
  side.replaceChildren(
    el('h3', { text: 'Catalog' }),
    section('Streams', 'cat-streams', c.streams.map(src)),
    section('Tables', 'cat-tables', c.tables.map(src)),
    detail,
    section('Topics', 'cat-topics', c.topics.map((t) => el('li', null, el('a', { href: '#', text: t.name, title: `${t.replicaInfo.length} partitions · click to PRINT`, onclick: (ev) => { ev.preventDefault(); insertText(`PRINT '${t.name}' FROM BEGINNING LIMIT 20;`); } }))), false),
    section('Types', 'cat-types', Object.entries(c.types).map(([n, t]) => el('li', { title: JSON.stringify(t), text: n })), false),
    section('Functions', 'cat-functions', c.functions.map((f) => el('li', null, el('a', { href: '#', text: f.name, title: `${f.type} · ${f.category}`, onclick: (ev) => { ev.preventDefault(); insertText(`DESCRIBE FUNCTION ${f.name};`); } }))), false),
    section('Connectors', 'cat-connectors', c.connectors.map((x) => el('li', null, el('a', { href: '#connectors', text: `${x.name} (${x.state})` }))), c.connectors.length > 0));
}

async function showSource(name, box) {
  const d = (await first(`DESCRIBE ${quoteIdent(name)} EXTENDED;`)).sourceDescription;
  box.replaceChildren(el('div.detail', null,
    el('h4', { text: `${d.type} ${d.name}` }),
    el('p.muted', { text: `topic ${d.topic}, ${d.partitions} partitions` }),
    el('p.muted', { text: `key ${d.keyFormat} · value ${d.valueFormat}${d.windowType ? ' · ' + d.windowType + ' window' : ''}` }),
    el('table.cols', null, d.fields.map((f) => el('tr', null, el('td', { text: f.name }), el('td.muted', { text: f.schema.type + (f.type === 'KEY' ? ' KEY' : '') })))),
    d.statistics ? el('p.muted', { text: d.statistics }) : null,
    el('div.buttons', null,
      el('button#query-this', { text: 'Query this', onclick: () => insertText(`SELECT * FROM ${quoteIdent(d.name)} EMIT CHANGES;`) }),
      el('button#preview', { text: 'Preview', title: 'the first records of its topic', onclick: () => { showPage('editor'); exclusive(() => preview(d.topic)); } }))));
}

// preview prints a topic's first records. It ends once it has shown
// every record the topic held when it started (eddy.print.to.end), so a
// topic of 3 records shows them and ends instead of waiting for more.
async function preview(topic) {
  const limit = 50;
  let shown;
  try {
    shown = await runQuery(`PRINT '${topic}' FROM BEGINNING LIMIT ${limit};`, true, { 'eddy.print.to.end': 'true' });
  } catch (e) {
    say(e.message);
    return;
  }
  if (shown == null) return; // stopped
  say(shown >= limit ? `Preview: the first ${limit} records of ${topic}.`
    : `Preview ended: ${shown === 0 ? 'no records' : shown === 1 ? 'the one record' : `all ${shown} records`} ${topic} held when it started.`);
}

// ---- queries page ----------------------------------------------------

function stopTimers() { for (const t of timers) clearInterval(t); timers.clear(); }
// every polls fn; while the server cannot be reached the page says so
// (its figures are as of the last answer) and keeps trying.
function every(ms, fn) {
  let lastAnswer = null;
  const poll = async () => {
    try {
      await fn();
      lastAnswer = new Date();
      offline.hidden = true;
    } catch (e) {
      if (!(e instanceof ConnectionError)) throw e;
      const asOf = lastAnswer ? ` This page shows the server's answer of ${lastAnswer.toTimeString().slice(0, 8)}.` : '';
      offline.textContent = `${e.message}${asOf} Trying again every ${ms / 1000} s.`;
      offline.hidden = false;
    }
  };
  poll();
  timers.add(setInterval(poll, ms));
}

function renderQueries() {
  const body = el('tbody#query-list');
  queriesPage.replaceChildren(el('h2', { text: 'Persistent queries' }),
    el('table.list', null, el('thead', null, el('tr', null, ['Query', 'State', 'Sinks', 'In/s', 'Out/s', 'Lag', 'Rate (last minutes)'].map((h) => el('th', { text: h })))), body));
  every(2000, async () => {
    const [q, m] = await Promise.all([first('SHOW QUERIES;'), guard(() => get('/console/api/metrics'))]);
    body.replaceChildren(...q.queries.filter((x) => x.queryType === 'PERSISTENT').map((x) => {
      const pts = m.queries[x.id] || [];
      const last = pts[pts.length - 1] || {};
      return el('tr', null,
        el('td', null, el('a', { href: `#queries/${x.id}`, text: x.id })),
        el('td', null, el(`span.state.${x.state}`, { text: x.state })),
        el('td', { text: (x.sinks || []).join(', ') }),
        el('td', { text: fmtRate(last.inPerSec || 0) }),
        el('td', { text: fmtRate(last.outPerSec || 0) }),
        el('td', { text: last.lag == null ? '' : String(last.lag) }),
        el('td', null, sparkline(pts.map((p) => p.inPerSec), { width: 160, height: 30, label: 'in', fmt: fmtRate })));
    }));
  });
}

function renderQuery(id) {
  const head = el('div.qhead');
  const charts = el('div.charts');
  const topo = el('div#topology');
  const lag = el('div#lag');
  const errs = el('div#proc-errors');
  const stores = el('div#stores');
  queriesPage.replaceChildren(el('p', null, el('a', { href: '#queries', text: '← all queries' })), head, charts, el('h3', { text: 'Topology' }), topo, stores,
    el('div.cols2', null, el('div', null, el('h3', { text: 'Input lag per partition' }), lag), el('div', null, el('h3', { text: 'Processing errors' }), errs)));
  let topoKey = '';
  every(2000, async () => {
    let q;
    try {
      q = await guard(() => get(`/console/api/queries/${encodeURIComponent(id)}`));
    } catch (e) {
      if (e instanceof ApiError) head.replaceChildren(el('h2', { text: id }), el('p.error', { text: e.message }));
      return;
    }
    const m = await guard(() => get(`/console/api/metrics?query=${encodeURIComponent(id)}`));
    const pts = m.queries[q.id] || [];
    head.replaceChildren(
      el('h2', null, q.id, ' ', el(`span.state.${q.state}`, { text: q.state }),
        // PAUSE keeps the query's state and offsets; RESUME reads on.
        q.state === 'PAUSED'
          ? el('button#resume.plain', { text: 'RESUME', onclick: () => pauseResume('RESUME', q.id) })
          : el('button#pause.plain', { text: 'PAUSE', onclick: () => pauseResume('PAUSE', q.id) }),
        el('button#terminate.danger', { text: 'TERMINATE', onclick: async () => {
          if (!confirm(`TERMINATE ${q.id}?`)) return;
          try { await guard(() => ksql(`TERMINATE ${q.id};`)); location.hash = '#queries'; } catch (e) { alert(e.message); }
        } })),
      el('pre.stmt', { text: q.statement }),
      el('div.counters', null,
        el('span', null, 'records in ', el('b#records-in', { text: String(q.recordsIn) })),
        el('span', null, 'records out ', el('b#records-out', { text: String(q.recordsOut) })),
        el('span', null, 'processing errors ', el('b#errors', { text: String(q.processingErrors) })),
        el('span', null, 'tasks ', el('b', { text: String(q.tasks) }))),
      q.queryError ? el('p.error', { text: q.queryError }) : '');
    charts.replaceChildren(
      sparkline(pts.map((p) => p.inPerSec), { label: 'in', fmt: fmtRate }),
      sparkline(pts.map((p) => p.outPerSec), { label: 'out', fmt: fmtRate }),
      sparkline(pts.map((p) => p.lag), { label: 'lag', fmt: (v) => String(Math.round(v)) }));
    const key = JSON.stringify(q.topology);
    if (key !== topoKey) { topoKey = key; topo.replaceChildren(drawTopology(q.topology)); }
    stores.replaceChildren(...(q.stores || []).map((s) => el('p.muted', { text: 'state store ' + s })));
    lag.replaceChildren(el('table.list', null, el('tr', null, ['Topic', 'Partition', 'Committed', 'End', 'Lag'].map((h) => el('th', { text: h }))),
      q.lag.map((l) => el('tr', null, [l.topic, l.partition, l.committed < 0 ? '—' : l.committed, l.end, l.lag].map((v) => el('td', { text: String(v) }))))));
    errs.replaceChildren(q.recentErrors.length === 0 ? el('p.muted', { text: 'None.' }) : el('table.list', null,
      el('tr', null, ['Time', 'Kind', 'Where', 'Message'].map((h) => el('th', { text: h }))),
      q.recentErrors.map((e) => el('tr', null, el('td', { text: new Date(e.time).toISOString().slice(11, 19) }), el('td', { text: e.kind }), el('td', { text: `${e.topic}/${e.partition}@${e.offset}` }), el('td', { text: e.message })))),
    el('p', null, el('a', { href: '#', text: 'Query the processing log', onclick: (ev) => { ev.preventDefault(); insertText(`SELECT * FROM KSQL_PROCESSING_LOG WHERE LOGGER = 'processing.${q.id}' EMIT CHANGES;`); } })));
  });
}

async function pauseResume(verb, id) {
  try { await guard(() => ksql(`${verb} ${id};`)); } catch (e) { alert(e.message); }
}

// ---- connectors page -------------------------------------------------

function renderConnectors() {
  const box = el('div#connector-list');
  connectorsPage.replaceChildren(el('h2', { text: 'Connectors' }), box);
  every(3000, async () => {
    const list = (await first('SHOW CONNECTORS;')).connectors;
    if (!list.length) { box.replaceChildren(el('p.muted', { text: 'No connectors. CREATE SOURCE|SINK CONNECTOR in the editor.' })); return; }
    const descs = await Promise.all(list.map((c) => first(`DESCRIBE CONNECTOR ${quoteIdent(c.name)};`).catch((e) => ({ error: e.message }))));
    box.replaceChildren(...list.map((c, i) => {
      const d = descs[i];
      const st = d.status || { connector: {}, tasks: [] };
      return el('div.connector', null,
        el('h3', null, c.name, ' ', el(`span.state.${st.connector.state || ''}`, { text: st.connector.state || c.state })),
        el('p.muted', { text: `${c.type} · ${c.className}` }),
        d.error ? el('p.error', { text: d.error }) : null,
        st.connector.trace ? el('pre.error', { text: st.connector.trace }) : null,
        el('table.list', null, el('tr', null, ['Task', 'State', 'Worker', 'Last error', 'Progress'].map((h) => el('th', { text: h }))),
          st.tasks.map((t) => el('tr', null, el('td', { text: String(t.id) }), el('td', null, el(`span.state.${t.state}`, { text: t.state })), el('td', { text: t.worker_id }),
            el('td.error', { text: t.trace ? `${t.errorTime || ''} ${t.trace.split('\n')[0]}` : '' }), el('td', { text: t.progress || '' })))));
    }));
  });
}

// ---- routing ---------------------------------------------------------

function showPage(name) {
  if (name === 'editor' && location.hash !== '#editor' && location.hash !== '') location.hash = '#editor';
  route();
}

function route() {
  stopTimers();
  offline.hidden = true;
  const h = location.hash.replace(/^#/, '') || 'editor';
  const [page, arg] = h.split('/');
  for (const [n, p] of [['editor', editorPage], ['queries', queriesPage], ['connectors', connectorsPage]]) {
    p.hidden = n !== page;
    document.getElementById('tab-' + n).classList.toggle('active', n === page);
  }
  if (page === 'queries') (arg ? renderQuery(decodeURIComponent(arg)) : renderQueries());
  if (page === 'connectors') renderConnectors();
}

async function start() {
  const info = await guard(() => get('/info'));
  const si = info.KsqlServerInfo || {};
  document.getElementById('server-info').textContent = `${si.serverStatus || ''} · ${si.kafkaClusterId || ''} · ${si.version || ''}`;
  document.getElementById('logout').hidden = !sessionStorage.getItem('eddy.auth');
  window.addEventListener('hashchange', route);
  route();
  await refreshCatalog();
}

// The editor's text is kept per browser tab (session storage, which a
// reload keeps): two tabs each keep their own. A new tab starts from the
// text last saved in any tab (local storage).
function saveDoc() {
  const text = view.state.doc.toString();
  sessionStorage.setItem('eddy.doc', text);
  localStorage.setItem('eddy.doc', text);
}
let saveTimer = 0;
view = createEditor(editorBox, {
  doc: sessionStorage.getItem('eddy.doc') ?? localStorage.getItem('eddy.doc') ?? "SET 'auto.offset.reset' = 'earliest';\nSHOW STREAMS;\n",
  onRun: () => runEditor(),
  onChange: () => { clearTimeout(saveTimer); saveTimer = setTimeout(saveDoc, 300); },
});
grid = new Grid(gridBox);
gridBox.hidden = true;
renderHistory();
window.eddyConsole = { view, grid }; // for tests and the curious: the editor and the results grid
start().catch((e) => { if (!(e instanceof AuthError)) say(e.message); });
