'use strict';
// node analyze.js FILE: what `tsa analyze --analyzer afinn FILE` does, in
// Node with sentiment@5.0.2: read posts a line at a time (plain text, or a
// JSON object with "text" and optional "id" and "lang" when the line starts
// with '{'), score each, write one JSON result per line. NODE_PATH must
// reach the installed package (run.sh sets it).
const fs = require('fs');
const readline = require('readline');
const Sentiment = require('sentiment');
const { result } = require('./sentiment_map.js');

const s = new Sentiment();
const out = [];
let pending = 0;
function emit(line) {
  out.push(line);
  pending += line.length;
  if (pending > 1 << 16) {
    fs.writeSync(1, out.join('\n') + '\n');
    out.length = 0;
    pending = 0;
  }
}

const rl = readline.createInterface({ input: fs.createReadStream(process.argv[2]), crlfDelay: Infinity });
let n = 0;
rl.on('line', (line) => {
  n++;
  let id = n;
  let text = line;
  let lang = '';
  if (/^[ \t]*\{/.test(line)) {
    try {
      const p = JSON.parse(line);
      if (typeof p.text !== 'string') throw new Error('JSON post has no string "text"');
      if (p.id !== undefined && p.id !== null) id = p.id;
      text = p.text;
      lang = typeof p.lang === 'string' ? p.lang : '';
    } catch (e) {
      emit(JSON.stringify({ id: id, error: String(e.message) }));
      return;
    }
  }
  const primary = lang.trim().split(/[-_]/)[0].toLowerCase();
  if (primary !== '' && primary !== 'en') {
    emit(JSON.stringify({ id: id, label: 'unscored', positive: 0, negative: 0, neutral: 1, mixed: 0, score: 0, polarity: 0, detail: { comparative: 0 } }));
    return;
  }
  const r = s.analyze(text);
  const o = result(r);
  emit(JSON.stringify({ id: id, label: o.label, positive: o.positive, negative: o.negative, neutral: o.neutral,
    mixed: o.mixed, score: o.score, polarity: o.polarity, detail: { comparative: r.comparative } }));
});
rl.on('close', () => { if (out.length) fs.writeSync(1, out.join('\n') + '\n'); });
