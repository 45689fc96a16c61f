// The SQL editor: CodeMirror 6 with eddy's keywords, completion from
// the catalog (sources, columns, functions, properties), errors marked
// where the server says they are, and statement splitting for "run".

import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from '@codemirror/view';
import { EditorState, Prec, Compartment } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { syntaxHighlighting, defaultHighlightStyle, bracketMatching } from '@codemirror/language';
import { autocompletion, completionKeymap, closeBrackets } from '@codemirror/autocomplete';
import { sql, SQLDialect } from '@codemirror/lang-sql';
import { lintGutter, setDiagnostics } from '@codemirror/lint';

const keywords =
  'select from where group by having partition emit changes final limit window tumbling hopping session size advance grace period retention ' +
  'within join left right full outer inner on as and or not is null true false case when then else end like between in distinct ' +
  'create replace stream streams table tables source sink type types drop delete topic topics insert into values show list describe extended ' +
  'explain terminate print set unset define undefine run script alter add column key primary headers header with connector connectors ' +
  'function functions queries query properties variables pause resume all if exists interval beginning struct array map cast';
const types = 'boolean int integer bigint double decimal varchar string bytes date time timestamp';

export const ksqlDialect = SQLDialect.define({ keywords, types, identifierQuotes: '`' });

// catalog is what completion knows; the app refreshes it from SHOW and
// DESCRIBE.
export const catalog = { sources: {}, functions: [], properties: [] };

function extraCompletions(ctx) {
  const before = ctx.state.doc.sliceString(Math.max(0, ctx.pos - 200), ctx.pos);
  // Inside a quoted property name after SET / UNSET.
  const prop = /\b(?:SET|UNSET)\s+'([\w.]*)$/i.exec(before);
  if (prop) {
    return {
      from: ctx.pos - prop[1].length,
      options: catalog.properties.map((p) => ({ label: p, type: 'property' })),
      validFor: /^[\w.]*$/,
    };
  }
  const word = ctx.matchBefore(/\w+/);
  if (!word || (word.from === word.to && !ctx.explicit)) return null;
  return {
    from: word.from,
    options: catalog.functions.map((f) => ({ label: f.name, type: 'function', detail: f.category ? f.category.toLowerCase() : '', apply: f.name + '(' })),
    validFor: /^\w*$/,
  };
}

const langConf = new Compartment();

function language(schema) {
  const lang = sql({ dialect: ksqlDialect, upperCaseKeywords: true, schema });
  return [lang, lang.language.data.of({ autocomplete: extraCompletions })];
}

export function createEditor(parent, { doc, onRun, onChange }) {
  const runKeys = Prec.highest(keymap.of([
    { key: 'Mod-Enter', run: (v) => { onRun(v); return true; } },
    { key: 'Shift-Enter', run: (v) => { onRun(v); return true; } },
  ]));
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        runKeys,
        lineNumbers(), history(), drawSelection(), highlightActiveLine(), bracketMatching(), closeBrackets(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        langConf.of(language({})),
        autocompletion({ activateOnTyping: true }),
        lintGutter(),
        keymap.of([...completionKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.updateListener.of((u) => { if (u.docChanged) { clearErrors(u.view); if (onChange) onChange(); } }),
      ],
    }),
  });
  return view;
}

// setSchema feeds source and column names to the SQL completion.
export function setSchema(view, sources) {
  view.dispatch({ effects: langConf.reconfigure(language(sources)) });
}

let marked = false;
function clearErrors(view) {
  if (!marked) return;
  marked = false;
  view.dispatch(setDiagnostics(view.state, []));
}

// markError underlines where a statement failed: at "line L:C" of the
// message when the server names one (relative to the statement), else
// the whole statement.
export function markError(view, stmt, message) {
  const doc = view.state.doc;
  let from = stmt.from;
  let to = stmt.to;
  const m = /line (\d+):(\d+)/.exec(message || '');
  if (m) {
    const line = Number(m[1]);
    const col = Number(m[2]);
    const startLine = doc.lineAt(stmt.from);
    const lineNo = startLine.number + line - 1;
    if (lineNo <= doc.lines) {
      const l = doc.line(lineNo);
      const base = line === 1 ? stmt.from : l.from;
      from = Math.min(base + Math.max(col - 1, 0), l.to);
      const rest = doc.sliceString(from, l.to);
      const tok = /^[\w'`"]+|^./.exec(rest);
      to = from + (tok ? tok[0].length : 0);
      if (to === from && from > l.from) from -= 1;
    }
  }
  marked = true;
  view.dispatch(setDiagnostics(view.state, [{ from, to: Math.max(to, from), severity: 'error', message: (message || '').split('\nStatement:')[0] }]));
  return doc.lineAt(from).number;
}

// splitStatements cuts text at semicolons outside quotes and comments,
// returning each statement with its offsets in the document.
export function splitStatements(text, offset = 0) {
  const out = [];
  let start = 0;
  let i = 0;
  const push = (end) => {
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (body && !/^(--[^\n]*\n?\s*)+$/.test(body + '\n')) {
      out.push({ text: body + ';', from: offset + start + lead, to: offset + start + lead + body.length });
    }
  };
  while (i < text.length) {
    const c = text[i];
    if (c === "'" || c === '`' || c === '"') {
      const j = text.indexOf(c, i + 1);
      i = j < 0 ? text.length : j + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const j = text.indexOf('\n', i);
      i = j < 0 ? text.length : j + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const j = text.indexOf('*/', i + 2);
      i = j < 0 ? text.length : j + 2;
    } else if (c === ';') {
      push(i);
      start = i + 1;
      i++;
    } else {
      i++;
    }
  }
  push(text.length);
  return out;
}
