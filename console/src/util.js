// Small DOM helpers: el('div#id.class', {attrs}, children...).
export function el(spec, attrs, ...children) {
  const [head, ...classes] = spec.split('.');
  const [tag, id] = head.split('#');
  const e = document.createElement(tag || 'div');
  if (id) e.id = id;
  if (classes.length) e.className = classes.join(' ');
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function fmtRate(v) {
  if (v >= 1000) return (v / 1000).toFixed(1) + 'k/s';
  return (v >= 10 ? v.toFixed(0) : v.toFixed(1)) + '/s';
}

// sparkline draws a small SVG line chart of values over time.
export function sparkline(values, { width = 220, height = 48, label = '', fmt = (v) => String(v) } = {}) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('class', 'spark');
  const vals = values.map((v) => (v == null ? 0 : v));
  const max = Math.max(1, ...vals);
  const n = vals.length;
  if (n > 1) {
    const pts = vals.map((v, i) => `${((i / (n - 1)) * (width - 2) + 1).toFixed(1)},${(height - 14 - (v / max) * (height - 18) + 2).toFixed(1)}`);
    const path = document.createElementNS(ns, 'polyline');
    path.setAttribute('points', pts.join(' '));
    svg.appendChild(path);
  }
  const t = document.createElementNS(ns, 'text');
  t.setAttribute('x', 2);
  t.setAttribute('y', height - 2);
  t.textContent = `${label} ${fmt(vals.length ? vals[n - 1] : 0)} (max ${fmt(max)})`;
  svg.appendChild(t);
  return svg;
}
