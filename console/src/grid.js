// The results grid: a virtualised list (TanStack Virtual) so a push
// query streaming thousands of rows keeps the page responsive. Rows past
// the cap are dropped from the top with a notice.

import { Virtualizer, elementScroll, observeElementOffset, observeElementRect } from '@tanstack/virtual-core';

export const ROW_CAP = 50000;
const ROW_HEIGHT = 24;
const TRIM_BATCH = 5000;

export class Grid {
  constructor(root) {
    this.root = root;
    this.columns = [];
    this.rows = [];
    this.dropped = 0;
    this.mode = 'table';
    root.classList.add('grid');
    root.innerHTML = '<div class="grid-head"></div><div class="grid-scroll"><div class="grid-body"></div></div>';
    this.head = root.querySelector('.grid-head');
    this.scroll = root.querySelector('.grid-scroll');
    this.body = root.querySelector('.grid-body');
    this.follow = true;
    this.scroll.addEventListener('scroll', () => {
      const s = this.scroll;
      // The header sits outside the scrolled rows: it follows them
      // sideways, or a wide row's cells end up under other columns' names.
      this.head.scrollLeft = s.scrollLeft;
      this.follow = s.scrollTop + s.clientHeight >= s.scrollHeight - ROW_HEIGHT * 2;
    });
    this.virt = new Virtualizer({
      count: 0,
      getScrollElement: () => this.scroll,
      estimateSize: () => ROW_HEIGHT,
      overscan: 10,
      scrollToFn: elementScroll,
      observeElementRect,
      observeElementOffset,
      onChange: () => this.paint(),
    });
    this.cleanup = this.virt._didMount();
    this.pending = false;
  }

  reset(columns) {
    this.columns = columns;
    this.rows = [];
    this.dropped = 0;
    this.follow = true;
    this.renderHead();
    this.refresh();
  }

  setMode(mode) {
    this.mode = mode;
    this.renderHead();
    this.refresh();
  }

  add(row) {
    this.rows.push(row);
    // Dropping the oldest row at every new one moved all 50,000 kept rows
    // each time: a fast query past the cap froze the page for seconds.
    // Rows past the cap go in batches here (so a tab without frames stays
    // bounded) and down to the cap at each repaint.
    if (this.rows.length >= ROW_CAP + TRIM_BATCH) this.trim();
    // One repaint per frame however fast rows come.
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => { this.pending = false; this.refresh(); });
    }
  }

  trim() {
    const n = this.rows.length - ROW_CAP;
    if (n <= 0) return;
    this.rows.splice(0, n);
    this.dropped += n;
  }

  renderHead() {
    this.head.innerHTML = '';
    if (this.mode === 'json') return;
    this.head.style.gridTemplateColumns = this.template();
    for (const c of this.columns) {
      const d = document.createElement('div');
      d.className = 'cell';
      d.textContent = c;
      this.head.appendChild(d);
    }
  }

  template() {
    return this.columns.map(() => 'minmax(120px, 1fr)').join(' ');
  }

  refresh() {
    this.trim();
    this.virt.setOptions({ ...this.virt.options, count: this.rows.length });
    this.virt._willUpdate();
    this.body.style.height = this.virt.getTotalSize() + 'px';
    if (this.follow && this.rows.length) this.virt.scrollToIndex(this.rows.length - 1, { align: 'end' });
    this.paint();
  }

  paint() {
    const items = this.virt.getVirtualItems();
    const frag = document.createDocumentFragment();
    const tpl = this.template();
    for (const it of items) {
      const row = this.rows[it.index];
      if (!row) continue;
      const d = document.createElement('div');
      d.className = 'grid-row';
      d.style.transform = `translateY(${it.start}px)`;
      if (this.mode === 'json') {
        d.classList.add('json');
        const obj = {};
        this.columns.forEach((c, i) => { obj[c] = row[i]; });
        d.textContent = JSON.stringify(this.columns.length === 1 && this.columns[0] === 'record' ? row[0] : obj);
      } else {
        d.style.gridTemplateColumns = tpl;
        for (const v of row) {
          const c = document.createElement('div');
          c.className = 'cell';
          c.textContent = v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v);
          // A long value is cut at its column: the whole of it on hover.
          if (c.textContent.length > 16) c.title = c.textContent.length > 10000 ? c.textContent.slice(0, 10000) + '…' : c.textContent;
          if (v === null) c.classList.add('null');
          d.appendChild(c);
        }
      }
      frag.appendChild(d);
    }
    this.body.replaceChildren(frag);
  }
}
