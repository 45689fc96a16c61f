// Draws a query's topology graph (from /console/api/queries/{id}) as
// boxes in layers, rows flowing top to bottom, with SVG arrows.
import { el } from './util.js';

const W = 300;
const H = 58;
const GX = 24;
const GY = 40;

export function drawTopology(graph) {
  const layer = {};
  const incoming = {};
  for (const n of graph.nodes) { layer[n.id] = 0; incoming[n.id] = 0; }
  for (const e of graph.edges) incoming[e.to]++;
  // Longest path from a root: each node sits below everything feeding it.
  for (let pass = 0; pass < graph.nodes.length; pass++) {
    let changed = false;
    for (const e of graph.edges) {
      if (layer[e.to] < layer[e.from] + 1) { layer[e.to] = layer[e.from] + 1; changed = true; }
    }
    if (!changed) break;
  }
  const rows = [];
  for (const n of graph.nodes) (rows[layer[n.id]] ||= []).push(n);
  const pos = {};
  const width = Math.max(...rows.map((r) => (r ? r.length : 0)), 1) * (W + GX);
  rows.forEach((r, y) => {
    if (!r) return;
    const off = (width - r.length * (W + GX)) / 2;
    r.forEach((n, x) => { pos[n.id] = { x: off + x * (W + GX), y: y * (H + GY) }; });
  });
  const height = rows.length * (H + GY);
  const box = el('div.topology', { style: `width:${width}px;height:${height}px` });
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.innerHTML = '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z"/></marker></defs>';
  for (const e of graph.edges) {
    const a = pos[e.from];
    const b = pos[e.to];
    const line = document.createElementNS(ns, 'path');
    const x1 = a.x + W / 2; const y1 = a.y + H; const x2 = b.x + W / 2; const y2 = b.y;
    line.setAttribute('d', `M${x1},${y1} C${x1},${y1 + GY / 2} ${x2},${y2 - GY / 2} ${x2},${y2}`);
    line.setAttribute('marker-end', 'url(#arrow)');
    svg.appendChild(line);
  }
  box.appendChild(svg);
  for (const n of graph.nodes) {
    const p = pos[n.id];
    box.appendChild(el(`div.node.${n.kind}`, { style: `left:${p.x}px;top:${p.y}px;width:${W}px;height:${H}px`, title: n.label, 'data-kind': n.kind },
      el('span.kind', { text: n.kind.replace('-', ' ') }), el('span.label', { text: n.label })));
  }
  return box;
}
