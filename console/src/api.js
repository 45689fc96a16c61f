// The REST API as the console uses it: the public ksqlDB-compatible
// endpoints plus eddy's read-only /console/api/*. Credentials, when the
// server wants them, travel as HTTP basic auth on every request.

let auth = sessionStorage.getItem('eddy.auth') || '';

export class AuthError extends Error {}

// ConnectionError: the server could not be reached, or the connection to
// it broke (the server stopped, restarted or was killed). fetch says only
// "Failed to fetch" or "network error".
export class ConnectionError extends Error {}

async function send(path, init) {
  try {
    return await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ConnectionError(`Cannot reach the server at ${location.host}: it is not running, or is restarting (${e.message}).`);
  }
}

export class ApiError extends Error {
  constructor(body, status) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.body = body;
    this.status = status;
  }
}

export function setCredentials(user, pass) {
  auth = user === null ? '' : 'Basic ' + btoa(unescape(encodeURIComponent(user + ':' + pass)));
  if (auth) sessionStorage.setItem('eddy.auth', auth);
  else sessionStorage.removeItem('eddy.auth');
}

function headers(extra) {
  // X-Eddy-Console keeps the browser's own login dialog away on a 401.
  const h = { 'X-Eddy-Console': '1', ...extra };
  if (auth) h.Authorization = auth;
  return h;
}

async function parse(res) {
  if (res.status === 401) throw new AuthError('credentials needed');
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { message: text }; }
  if (!res.ok) throw new ApiError(body, res.status);
  return body;
}

export async function get(path) {
  return parse(await send(path, { headers: headers() }));
}

// ksql runs statements through /ksql and returns their entities.
export async function ksql(text, props = {}, vars = {}) {
  const res = await send('/ksql', {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json', Accept: 'application/vnd.ksql.v1+json' }),
    body: JSON.stringify({ ksql: text, streamsProperties: props, sessionVariables: vars }),
  });
  return parse(res);
}

// check parses a script's statements on the server before any runs:
// {statement: -1}, or the index of the first that does not parse and
// the parser's message.
export async function check(statements, props = {}, vars = {}) {
  const res = await send('/console/api/check', {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json' }),
    body: JSON.stringify({ statements, streamsProperties: props, sessionVariables: vars }),
  });
  return parse(res);
}

// stream runs a SELECT or PRINT through /query-stream and calls onHeader
// once, then onRow per row (or per PRINT line), until the query ends or
// signal aborts. It resolves when the stream ends.
export async function stream(sql, props, vars, signal, { onHeader, onRow, onLine }) {
  const res = await send('/query-stream', {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json', Accept: 'application/vnd.ksqlapi.delimited.v1' }),
    body: JSON.stringify({ sql, properties: props, sessionVariables: vars }),
    signal,
  });
  if (!res.ok) await parse(res);
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let first = true;
  const handle = (line) => {
    if (onLine) { onLine(line); return; }
    if (!line.trim()) return;
    const v = JSON.parse(line);
    if (first && !Array.isArray(v) && v.columnNames) { first = false; onHeader(v); return; }
    first = false;
    if (!Array.isArray(v)) {
      if (v && v['@type'] && String(v['@type']).includes('error')) throw new ApiError(v, 200);
      if (v && v.errorMessage) throw new ApiError(v.errorMessage, 200);
      return; // e.g. a final message
    }
    onRow(v);
  };
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ConnectionError('Lost the connection to the server: it stopped, restarted or was killed, or the network failed. The query has ended; run it again once the server is back.');
    }
    const { done, value } = chunk;
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      handle(line);
    }
  }
  if (buf) handle(buf);
}

export async function closeQuery(queryId) {
  try {
    await fetch('/close-query', {
      method: 'POST',
      headers: headers({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ queryId }),
    });
  } catch { /* the stream is aborted anyway */ }
}
