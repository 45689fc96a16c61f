// Runs two ksqlDB clients published on npm, unchanged, against the eddy
// server at EDDY_URL: ksqldb-js (HTTP/1.1 /ksql and /query-stream, and
// HTTP/2 cleartext for push queries and inserts) and ksqldb-client
// (HTTP/2 for everything). Each check prints "ok" or "FAIL"; the exit
// status is the number of failures.
const KsqldbJS = require('ksqldb-js');
const KsqldbClient = require('ksqldb-client');

const url = process.env.EDDY_URL;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const show = (x) => JSON.stringify(x);
let failures = 0;
function check(what, got, want) {
  const ok = show(got) === show(want);
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${show(got)}${ok ? '' : ` (want ${show(want)})`}`);
}

// waitFor polls fn until it returns a value passing ok, for up to 20 s.
async function waitFor(fn, ok) {
  let v;
  for (let i = 0; i < 100; i++) {
    v = await fn();
    if (ok(v)) return v;
    await sleep(200);
  }
  return v;
}

async function ksqldbJS() {
  const c = new KsqldbJS({ ksqldbURL: url });
  check('ksqldb-js server status', (await c.inspectServerInfo()).data.KsqlServerInfo.serverStatus, 'RUNNING');
  const created = await c.createStream('JSRIDES', ['RIDER VARCHAR KEY', 'LAT DOUBLE', 'SPEED INT'], 'jsrides', 'json', 2);
  check('ksqldb-js createStream', created.data[0].commandStatus.status, 'SUCCESS');

  const pushed = [];
  const queryId = await c.push('SELECT * FROM JSRIDES EMIT CHANGES;', (chunk) => pushed.push(chunk));
  const rides = [{ RIDER: 'a', LAT: 1.5, SPEED: 10 }, { RIDER: 'b', LAT: 2.5, SPEED: 20 }, { RIDER: 'a', LAT: 3.5, SPEED: 30 }];
  // Written as soon as the push query answered: it must see them all.
  const inserted = await c.insertStream('JSRIDES', rides);
  check('ksqldb-js insertStream', inserted.map((r) => r.status), ['ok', 'ok', 'ok']);
  const rows = await waitFor(
    () => pushed.slice(1).join('').split('\n').filter((l) => l).map((l) => JSON.parse(l)),
    (rs) => rs.length >= 3);
  check('ksqldb-js push rows', rows, [['a', 1.5, 10], ['b', 2.5, 20], ['a', 3.5, 30]]);
  check('ksqldb-js terminate', (await c.terminate(queryId)).wasTerminated, true);

  // Under the default auto.offset.reset (latest) the table reads what is
  // written right after CREATE returns, and only that.
  const ctas = await c.ksql('CREATE TABLE JSTOP AS SELECT RIDER, MAX(SPEED) AS TOP, COUNT(*) AS N FROM JSRIDES GROUP BY RIDER;');
  check('ksqldb-js CREATE TABLE AS', ctas.commandStatus.status, 'SUCCESS');
  await c.insertStream('JSRIDES', [{ RIDER: 'a', LAT: 0, SPEED: 7 }, { RIDER: 'c', LAT: 0, SPEED: 9 }]);
  const pull = await waitFor(() => c.pull("SELECT * FROM JSTOP WHERE RIDER = 'a';"), (r) => r.length > 1);
  check('ksqldb-js pull columns', pull[0].columnNames, ['RIDER', 'TOP', 'N']);
  check('ksqldb-js pull rows', pull.slice(1), [['a', 7, 1]]);
  const all = await waitFor(() => c.pull('SELECT RIDER, TOP FROM JSTOP;'), (r) => r.length > 2);
  check('ksqldb-js pull scan', all.slice(1), [['a', 7], ['c', 9]]);
  let err = null;
  try { await c.pull('SELEKT * FROM JSTOP;'); } catch (e) { err = e; }
  check('ksqldb-js bad SQL is a ksqlDBError naming the word', err && err.name === 'ksqlDBError' && /SELEKT/.test(err.message), true);
}

async function ksqldbClient() {
  const u = new URL(url);
  const c = new KsqldbClient({ host: `http://${u.hostname}`, port: Number(u.port) });
  await c.connect();
  try {
    const created = await c.executeStatement("CREATE STREAM PAYMENTS (ID INT KEY, NAME STRING, AMOUNT DOUBLE) WITH (KAFKA_TOPIC='payments', VALUE_FORMAT='JSON', PARTITIONS=1);");
    check('ksqldb-client executeStatement', [created.status, created.data.rows[0].commandStatus.status], [200, 'SUCCESS']);
    const rows = [];
    const push = c.streamQuery('SELECT ID, NAME, AMOUNT * 2 AS DOUBLED FROM PAYMENTS EMIT CHANGES LIMIT 3;', (d) => { if (d.rows) rows.push(...d.rows); });
    await sleep(300); // the client offers no signal that its query started
    for (const [id, name] of [[1, 'x'], [2, 'y'], [3, 'z']]) {
      const r = await c.insertInto('PAYMENTS', { ID: id, NAME: name, AMOUNT: id * 1.25 });
      check(`ksqldb-client insertInto ${id}`, r.data.rows[0].status, 'ok');
    }
    const done = await push;
    check('ksqldb-client push query with LIMIT', [done.status, rows], [200, [
      { ID: 1, NAME: 'x', DOUBLED: 2.5 }, { ID: 2, NAME: 'y', DOUBLED: 5 }, { ID: 3, NAME: 'z', DOUBLED: 7.5 }]]);
    const d = await c.describeSource('PAYMENTS');
    check('ksqldb-client describeSource', d.fields.map((f) => `${f.name} ${f.schema.type}${f.type ? ' ' + f.type : ''}`),
      ['ID INTEGER KEY', 'NAME STRING', 'AMOUNT DOUBLE']);
    const bad = await c.query('SELECT * FROM NOPE;');
    check('ksqldb-client error', [bad.status, bad.error && bad.error.error_code, bad.error && bad.error.message], [400, 40001, 'Exception while preparing statement: NOPE does not exist.']);
  } finally {
    await c.disconnect();
  }
}

(async () => {
  for (const [name, run] of [['ksqldb-js', ksqldbJS], ['ksqldb-client', ksqldbClient]]) {
    try {
      await run();
    } catch (e) {
      failures++;
      console.log(`FAIL ${name} threw: ${e && (e.stack || e)} ${e && e.response ? show(e.response.data) : ''}`);
    }
  }
  process.exit(failures);
})();
