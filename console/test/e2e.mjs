// Browser test of the web console, driven by the Go test
// TestConsoleInBrowser (cmd/eddy): headless Debian Chromium through
// playwright-core against a running eddy server.
//
//   EDDY_URL         the server's base URL
//   EDDY_PID         the server's process id: the test kills it at the end
//   EDDY_USER/PASS   when set, the server wants these credentials: the
//                    test checks the console asks for them first
//   SCREENSHOT_DIR   where to write the screenshots (optional)
//   CHROMIUM         the browser binary (default /usr/bin/chromium)
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http2 from 'node:http2';

const url = process.env.EDDY_URL;
const user = process.env.EDDY_USER;
const pass = process.env.EDDY_PASS;
const shots = process.env.SCREENSHOT_DIR;
const timeout = 30000;

function step(name) { console.log(`step: ${name}`); }
function fail(msg) { throw new Error(msg); }

const profile = mkdtempSync(join(tmpdir(), 'eddy-console-chromium-'));
// A fresh profile each run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 860 },
});
let page;
try {
  page = await browser.newPage();
  page.setDefaultTimeout(timeout);
  page.on('pageerror', (e) => console.log('page error:', e.message));
  if (user) await authFlow(); else await mainFlow();
  console.log('console browser test: ok');
} catch (e) {
  console.error('FAILED:', e.message);
  if (page) {
    try { console.error('page text:', (await page.locator('body').innerText()).slice(0, 3000)); } catch { /* page gone */ }
  }
  process.exitCode = 1;
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}

// setDoc replaces the editor's text, as typing it would.
async function setDoc(text) {
  await page.evaluate((t) => {
    const v = window.eddyConsole.view;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: t }, selection: { anchor: 0 } });
  }, text);
}

async function runAndWait(text) {
  await setDoc(text);
  await page.click('#run');
}

// api calls the REST API from outside the page, as a foreign client.
async function api(path, body) {
  const res = await fetch(url + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) fail(`${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

// insertsStream posts body to /inserts-stream, which wants HTTP/2 (h2c).
function insertsStream(body) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': '/inserts-stream', 'content-type': 'application/vnd.ksqlapi.delimited.v1' });
    let status = 0;
    let text = '';
    req.setEncoding('utf8');
    req.on('response', (h) => { status = h[':status']; });
    req.on('data', (d) => { text += d; });
    req.on('end', () => { session.close(); resolve({ status, body: text }); });
    req.on('error', reject);
    req.end(body);
  });
}

async function mainFlow() {
  step('open the console');
  await page.goto(url + '/');
  await page.waitForSelector('.cm-content');
  await page.waitForSelector('#cat-streams');

  step('the server answers /favicon.ico with an icon');
  const icon = await fetch(url + '/favicon.ico');
  const iconText = await icon.text();
  if (icon.status !== 200 || !/^image\/svg\+xml/.test(icon.headers.get('content-type')) || !iconText.startsWith('<svg')) fail(`/favicon.ico: ${icon.status} ${icon.headers.get('content-type')}`);

  step('each browser tab keeps its own editor text');
  // Run in this tab, then in another: this tab, reloaded, has its own
  // text back, not the other tab's.
  await runAndWait('SHOW TOPICS; -- tab one');
  await page.waitForSelector('#output table.entity');
  const other = await browser.newPage();
  await other.goto(url + '/');
  await other.waitForSelector('.cm-content');
  await other.evaluate((t) => { const v = window.eddyConsole.view; v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: t } }); }, 'SHOW STREAMS; -- tab two');
  await other.click('#run');
  await other.waitForSelector('#output table.entity');
  await other.close();
  await page.reload();
  await page.waitForSelector('#cat-streams');
  const tabText = await page.evaluate(() => window.eddyConsole.view.state.doc.toString());
  if (tabText !== 'SHOW TOPICS; -- tab one') fail(`this tab's text after the other tab ran: ${JSON.stringify(tabText)}`);

  step('create a stream, insert rows, create a persistent query');
  await runAndWait([
    "SET 'auto.offset.reset' = 'earliest';",
    "CREATE STREAM orders (id INT KEY, item STRING, qty INT) WITH (kafka_topic='orders', value_format='JSON', partitions=2);",
    "INSERT INTO orders (id, item, qty) VALUES (1, 'apple', 3);",
    "INSERT INTO orders (id, item, qty) VALUES (2, 'pear', 1);",
    "INSERT INTO orders (id, item, qty) VALUES (3, 'apple', 4);",
    'CREATE TABLE qty_by_item AS SELECT item, SUM(qty) AS total, COUNT(*) AS n FROM orders GROUP BY item;',
  ].join('\n'));
  await page.waitForFunction(() => document.querySelector('#error') || [...document.querySelectorAll('#output .msg')].some((m) => /QTY_BY_ITEM/.test(m.textContent)));
  if (await page.$('#error')) fail('statements failed: ' + await page.textContent('#error'));
  await page.waitForSelector('#cat-streams [data-source="ORDERS"]');

  step('completion knows the new stream and its columns');
  await setDoc('SELECT * FROM ORD');
  await page.evaluate(() => { const v = window.eddyConsole.view; v.dispatch({ selection: { anchor: v.state.doc.length } }); v.focus(); });
  await page.keyboard.press('Control+Space');
  await page.waitForSelector('.cm-tooltip-autocomplete li:has-text("ORDERS")');
  await page.keyboard.press('Escape');

  step('a push query streams rows into the grid');
  await runAndWait('SELECT id, item, qty FROM orders EMIT CHANGES;');
  await page.waitForFunction(() => Number(document.querySelector('#status').dataset.rows) >= 3);
  if (!(await page.isEnabled('#stop'))) fail('the stop button is not enabled while the query runs');
  // Rows written by another client while the query runs appear too.
  await api('/ksql', { ksql: "INSERT INTO orders (id, item, qty) VALUES (4, 'plum', 7); INSERT INTO orders (id, item, qty) VALUES (5, 'kiwi', 2);" });
  await page.waitForFunction(() => Number(document.querySelector('#status').dataset.rows) >= 5);
  await page.waitForSelector('.grid-row .cell:text-is("plum")');
  const header = await page.$$eval('.grid-head .cell', (cs) => cs.map((c) => c.textContent));
  if (header.join(',') !== 'ID,ITEM,QTY') fail('grid header: ' + header);
  if (shots) await page.screenshot({ path: join(shots, 'console-editor.png') });

  step('stop it');
  await page.click('#stop');
  await page.waitForFunction(() => /done/.test(document.querySelector('#status').textContent) && document.querySelector('#stop').disabled);
  const stopped = Number(await page.getAttribute('#status', 'data-rows'));
  await api('/ksql', { ksql: "INSERT INTO orders (id, item, qty) VALUES (6, 'fig', 1);" });
  await page.waitForTimeout(500); // a stopped query must not keep adding rows
  if (Number(await page.getAttribute('#status', 'data-rows')) !== stopped) fail('rows arrived after stop');

  step('JSON view');
  await page.click('#mode');
  await page.waitForSelector('.grid-row.json:has-text("\\"ITEM\\":\\"plum\\"")');
  await page.click('#mode');

  step("a script's messages stay above its query's rows; DEFINE and ${var}");
  await runAndWait("DEFINE wanted = 'plum';\nSELECT id, item FROM orders WHERE item = '${wanted}' EMIT CHANGES LIMIT 1;");
  await page.waitForFunction(() => /done/.test(document.querySelector('#status').textContent) && document.querySelector('#stop').disabled);
  await page.waitForSelector('.grid-row .cell:text-is("plum")');
  if (!(await page.isVisible('#output .msg:text("Variable wanted defined.")'))) fail("the script's DEFINE message is hidden once its query runs");

  step('SHOW VARIABLES as a table, EXPLAIN with its topology as text');
  const ctas = (await api('/ksql', { ksql: 'SHOW QUERIES;' }))[0].queries.find((q) => q.id.startsWith('CTAS_QTY_BY_ITEM')).id;
  await runAndWait(`SHOW VARIABLES;\nEXPLAIN ${ctas};`);
  await page.waitForSelector('#output table.entity td:text-is("wanted")');
  await page.waitForSelector('#output pre.plan:has-text("Sub-topology")');
  if (await page.$('#output pre.json')) fail('shown as raw JSON: ' + await page.textContent('#output pre.json'));

  step('DESCRIBE … EXTENDED shows the queries reading the source and its statistics');
  await runAndWait('DESCRIBE orders EXTENDED;');
  await page.waitForSelector(`#output .describe table.entity td:text-is("${ctas}")`, { timeout: 10000 })
    .catch(() => fail('DESCRIBE EXTENDED does not list the query reading ORDERS'));
  await page.waitForSelector('#output h4:text-is("Queries that read from this source")');
  await page.waitForSelector('#output h4:text-is("Local runtime statistics")');
  await page.waitForSelector('#output td:text-is("orders (partitions: 2, replication: 1)")');

  step('Run while a push query streams stops it and runs the new statement');
  await runAndWait('SELECT id, item FROM orders EMIT CHANGES;');
  await page.waitForFunction(() => Number(document.querySelector('#status').dataset.rows) >= 5 && !document.querySelector('#stop').disabled);
  await runAndWait('SHOW STREAMS;');
  await page.waitForSelector('#output table.entity td:text-is("ORDERS")');
  if (!(await page.isDisabled('#stop'))) fail('the push query still runs after Run');
  for (let i = 0; ; i++) {
    const qs = await api('/ksql', { ksql: 'SHOW QUERIES;' });
    if (!qs[0].queries.some((q) => q.queryType === 'PUSH')) break;
    if (i === 100) fail('the push query is still open on the server: ' + JSON.stringify(qs[0].queries));
    await page.waitForTimeout(100);
  }

  step("a wide row's header scrolls with its cells; a long value shows whole on hover");
  const names = Array.from({ length: 30 }, (_, i) => `c${i + 1}`);
  await api('/ksql', { ksql: `CREATE STREAM wide (id INT KEY, ${names.map((n) => n + ' STRING').join(', ')}) WITH (kafka_topic='wide', value_format='JSON', partitions=1);` });
  await api('/ksql', { ksql: `INSERT INTO wide (id, ${names.join(', ')}) VALUES (1, ${names.map((n) => (n === 'c30' ? `'${'L'.repeat(3000)}'` : `'value_${n}'`)).join(', ')});` });
  await runAndWait('SELECT * FROM wide EMIT CHANGES LIMIT 1;');
  await page.waitForSelector('.grid-row .cell:text-is("value_c20")');
  await page.evaluate(() => { document.querySelector('.grid-scroll').scrollLeft = 2000; });
  await page.waitForFunction(() => document.querySelector('.grid-scroll').scrollLeft > 0);
  await page.waitForFunction(() => {
    const h = [...document.querySelectorAll('.grid-head .cell')].find((c) => c.textContent === 'C20');
    const c = [...document.querySelectorAll('.grid-row .cell')].find((x) => x.textContent === 'value_c20');
    return Math.abs(h.getBoundingClientRect().x - c.getBoundingClientRect().x) < 2;
  }, null, { timeout: 5000 }).catch(() => fail('the header of column C20 is not above its cells once the grid scrolls sideways'));
  const longTitle = await page.$eval('.grid-row .cell:last-child', (c) => c.title.length);
  if (longTitle !== 3000) fail(`the long value's title has ${longTitle} characters, want 3000`);

  step('a push query past the 50,000-row cap keeps the latest rows without freezing the page');
  // 60,000 rows through /inserts-stream, then a push query over all of
  // them: the grid keeps the latest 50,000. Dropping the oldest row at
  // every new one moved all kept rows each time (10,000 moves of a
  // 50,000-row array here; a 200,000-row topic froze the page for 40 s):
  // count how often an array that large is spliced.
  await api('/ksql', { ksql: "CREATE STREAM bulk (id INT KEY, v STRING) WITH (kafka_topic='bulk', value_format='JSON', partitions=1);" });
  const bulk = ['{"target":"BULK"}'];
  for (let i = 0; i < 60000; i++) bulk.push(JSON.stringify({ ID: i, V: 'v' + i }));
  const ins = await insertsStream(bulk.join('\n') + '\n');
  const acks = ins.body.trim().split('\n');
  if (ins.status !== 200 || acks.length !== 60000 || !/"status":"ok"/.test(acks[59999])) fail(`/inserts-stream: ${ins.status} ${acks.length} acks, last ${acks[acks.length - 1]}`);
  await page.evaluate(() => {
    window.bigSplices = 0;
    const splice = Array.prototype.splice;
    Array.prototype.splice = function (...a) { if (this.length > 40000) window.bigSplices++; return splice.apply(this, a); };
  });
  await runAndWait('SELECT id, v FROM bulk EMIT CHANGES LIMIT 60000;');
  await page.waitForFunction(() => /done/.test(document.querySelector('#status').textContent) && document.querySelector('#status').dataset.rows === '60000', null, { timeout: 120000 });
  const capped = await page.evaluate(() => ({ notice: document.querySelector('#notice').textContent, splices: window.bigSplices }));
  if (capped.splices > 100) fail(`the grid spliced its 50,000 rows ${capped.splices} times for 10,000 new rows`);
  if (!/latest 50000 rows; 10000 older rows dropped/.test(capped.notice)) fail('notice: ' + capped.notice);
  const kept = await page.evaluate(() => ({ n: window.eddyConsole.grid.rows.length, last: window.eddyConsole.grid.rows.at(-1) }));
  if (kept.n !== 50000 || kept.last[0] !== 59999) fail(`the grid kept ${kept.n} rows ending with ${kept.last}, want the latest 50000`);

  step('a pull query');
  // The table's aggregate writes its latest rows at each commit (output
  // caching, every 2 s), so the answer may need a second asking.
  for (let attempt = 0; ; attempt++) {
    await page.evaluate(() => { document.querySelector('#status').dataset.rows = '-1'; });
    await runAndWait("SELECT * FROM qty_by_item WHERE item = 'apple';");
    await page.waitForFunction(() => /done/.test(document.querySelector('#status').textContent) && Number(document.querySelector('#status').dataset.rows) >= 0);
    if (await page.$('.grid-row .cell:text-is("7")')) break;
    if (attempt === 20) fail('the pull query never answered apple = 7');
    await page.waitForTimeout(500);
  }

  step('PRINT shows the topic\'s records');
  await page.evaluate(() => { document.querySelector('#status').dataset.rows = '-1'; });
  await runAndWait("PRINT 'orders' FROM BEGINNING LIMIT 2;");
  // The status of the previous query says done too, and PRINT's first
  // rows are its format lines: wait for two records.
  await page.waitForFunction(() => /done/.test(document.querySelector('#status').textContent) &&
    [...document.querySelectorAll('.grid-row .cell')].filter((c) => c.textContent.startsWith('rowtime:')).length >= 2);
  const printed = await page.$$eval('.grid-row .cell', (cs) => cs.map((c) => c.textContent).filter((t) => t.startsWith('rowtime:')));
  if (printed.length !== 2 || !/value: \{"ITEM":/.test(printed[0])) fail('PRINT rows: ' + printed);
  // The format lines show above the grid and are not rows.
  const printCount = await page.getAttribute('#status', 'data-rows');
  if (printCount !== '2') fail(`PRINT … LIMIT 2 counted ${printCount} rows`);
  if (!(await page.isVisible('#output .msg:text-matches("^Value format: ")'))) fail('PRINT\'s value format line is not shown above the grid');

  step('Preview of a topic holding fewer records than its limit ends by itself');
  // orders holds 6 records; Preview asks for up to 50.
  await page.click('#cat-streams [data-source="ORDERS"]');
  await page.click('#preview');
  await page.waitForSelector('#output .msg:text-is("Preview ended: all 6 records orders held when it started.")', { timeout: 15000 })
    .catch(() => fail('the preview of a 6-record topic has not ended after 15 s'));
  await page.waitForFunction(() => /done/.test(document.querySelector('#status').textContent) && document.querySelector('#stop').disabled);
  if (await page.getAttribute('#status', 'data-rows') !== '6') fail('preview rows: ' + await page.getAttribute('#status', 'data-rows'));

  step('a syntax error is marked at its line');
  await runAndWait('SELECT *\nFROM orders\nWHERE qty = = 1 EMIT CHANGES;');
  await page.waitForSelector('#error');
  const marked = await page.waitForSelector('.cm-lintRange-error');
  const line = await marked.evaluate((n) => [...document.querySelectorAll('.cm-content .cm-line')].indexOf(n.closest('.cm-line')) + 1);
  if (line !== 3) fail(`error marked on line ${line}, want 3`);
  if (!/line 3/.test(await page.textContent('#error'))) fail('error text: ' + await page.textContent('#error'));

  step('a script is parsed whole first: a syntax error in statement 3 runs none of it');
  await page.evaluate(() => document.querySelector('#output').replaceChildren());
  await runAndWait([
    "CREATE STREAM early1 (id INT KEY, v STRING) WITH (kafka_topic='early1', value_format='JSON', partitions=1);",
    "CREATE STREAM early2 (id INT KEY, v STRING) WITH (kafka_topic='early2', value_format='JSON', partitions=1);",
    'SELECT * FROM early1',
    'WHERE v = = 1 EMIT CHANGES;',
  ].join('\n'));
  await page.waitForSelector('#error');
  const early = await page.textContent('#error');
  const earlyMark = await page.waitForSelector('.cm-lintRange-error');
  const earlyLine = await earlyMark.evaluate((n) => [...document.querySelectorAll('.cm-content .cm-line')].indexOf(n.closest('.cm-line')) + 1);
  const earlyStreams = (await api('/ksql', { ksql: 'SHOW STREAMS;' }))[0].streams.map((x) => x.name);
  if (earlyStreams.includes('EARLY1') || earlyStreams.includes('EARLY2')) fail(`statements 1 and 2 ran before the syntax error in 3 was found (${early})`);
  if (earlyLine !== 4 || !/^Error at line 4: line 2:/.test(early) || !/nothing in the script ran/.test(early)) fail(`error marked on line ${earlyLine}: ${early}`);

  step("a persistent query's page: topology and records in");
  await page.click('#tab-queries');
  const link = await page.waitForSelector('#query-list a:text-matches("CTAS_QTY_BY_ITEM")');
  await link.click();
  await page.waitForSelector('.topology .node.source');
  await page.waitForSelector('.topology .node.sink');
  await page.waitForSelector('.topology .node.repartition-topic');
  await page.waitForFunction(() => Number((document.querySelector('#records-in') || {}).textContent) > 0);
  await page.waitForSelector('#lag table td');
  if (shots) {
    await page.waitForTimeout(2500); // one more sample for the charts
    await page.setViewportSize({ width: 1400, height: 1250 });
    await page.screenshot({ path: join(shots, 'console-query.png') });
  }

  step('PAUSE and RESUME from the query page');
  await page.click('#pause');
  await page.waitForSelector('h2 .state.PAUSED');
  let shown = await api('/ksql', { ksql: 'SHOW QUERIES;' });
  if (!shown[0].queries.some((q) => q.id.startsWith('CTAS_QTY_BY_ITEM') && q.state === 'PAUSED')) fail('SHOW QUERIES does not say PAUSED after PAUSE');
  await page.click('#resume');
  await page.waitForSelector('h2 .state.RUNNING');
  shown = await api('/ksql', { ksql: 'SHOW QUERIES;' });
  if (!shown[0].queries.some((q) => q.id.startsWith('CTAS_QTY_BY_ITEM') && q.state === 'RUNNING')) fail('SHOW QUERIES does not say RUNNING after RESUME');

  step('TERMINATE from the query page');
  page.once('dialog', (d) => d.accept());
  await page.click('#terminate');
  await page.waitForFunction(() => document.querySelector('#query-list') && !/CTAS_QTY_BY_ITEM/.test(document.querySelector('#query-list').textContent));
  const left = await api('/ksql', { ksql: 'SHOW QUERIES;' });
  if (left[0].queries.some((q) => q.id.startsWith('CTAS_QTY_BY_ITEM'))) fail('the query still runs after TERMINATE');

  if (process.env.EDDY_PID) {
    step('the server is killed while a push query streams: its rows stay and the page says what happened');
    await page.click('#tab-editor');
    await runAndWait('SELECT id, item FROM orders EMIT CHANGES;');
    await page.waitForFunction(() => Number(document.querySelector('#status').dataset.rows) >= 6);
    process.kill(Number(process.env.EDDY_PID), 'SIGKILL');
    await page.waitForFunction(() => document.querySelector('#stop').disabled);
    const end = await page.waitForSelector('#stream-end:not([hidden])');
    if (!/Lost the connection to the server/.test(await end.textContent())) fail('stream end: ' + await end.textContent());
    if (!(await page.isVisible('.grid-row .cell:text-is("plum")'))) fail("the query's rows are gone from the grid");
    if (await page.$('.cm-lintRange-error')) fail('the statement is marked as wrong');
    step('and a statement run while it is down says so');
    await runAndWait('SHOW STREAMS;');
    const err = await page.waitForSelector('#error');
    if (!/Cannot reach the server/.test(await err.textContent())) fail('error: ' + await err.textContent());
    step('and the queries page says the server is unreachable instead of showing its last answer as current');
    await page.click('#tab-queries');
    const banner = await page.waitForSelector('#offline:not([hidden])');
    if (!/Cannot reach the server/.test(await banner.textContent())) fail('banner: ' + await banner.textContent());
  }
}

async function authFlow() {
  step('the console asks for credentials');
  await page.goto(url + '/');
  await page.waitForSelector('#login');
  step('nothing runs without them');
  const status = await page.evaluate(async () => (await fetch('/ksql', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Eddy-Console': '1' },
    body: JSON.stringify({ ksql: "CREATE STREAM sneaky (id INT KEY) WITH (kafka_topic='sneaky', value_format='JSON', partitions=1);" }) })).status);
  if (status !== 401) fail(`/ksql without credentials: ${status}`);
  if (await page.$('#cat-streams')) fail('the catalog loaded without credentials');
  step('wrong credentials are refused');
  await page.fill('#login-user', user);
  await page.fill('#login-pass', pass + 'x');
  await page.click('#login-submit');
  await page.waitForSelector('#login-msg:text("Wrong user or password.")');
  step('the right ones open the console');
  await page.fill('#login-pass', pass);
  await page.click('#login-submit');
  await page.waitForSelector('#login', { state: 'detached' });
  await page.waitForSelector('#cat-streams');
  await runAndWait('SHOW STREAMS;');
  await page.waitForSelector('#output table.entity');
  if (/SNEAKY/.test(await page.textContent('#output'))) fail('a statement sent without credentials ran');
}
