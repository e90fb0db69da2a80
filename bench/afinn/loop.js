'use strict';
// node loop.js FILE [SECONDS]: analyze() alone in a loop over the posts of
// FILE (one a line, "label<TAB>text" when it ends in .tsv), after a warm-up.
// Prints posts per second of wall time and of CPU time.
const fs = require('fs');
const Sentiment = require('sentiment');

const file = process.argv[2];
const seconds = Number(process.argv[3] || 2);
let posts = fs.readFileSync(file, 'utf8').split('\n');
if (posts.length && posts[posts.length - 1] === '') posts.pop();
if (file.endsWith('.tsv')) posts = posts.map((l) => { const i = l.indexOf('\t'); return i < 0 ? l : l.slice(i + 1); });

const s = new Sentiment();
let sink = 0;
function run(ns) {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let n = 0;
  for (;;) {
    for (let i = 0; i < posts.length; i++) sink += s.analyze(posts[i]).score;
    n += posts.length;
    if (process.hrtime.bigint() - t0 >= ns) break;
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return [n / wall, n / ((c.user + c.system) / 1e6)];
}
run(BigInt(Math.round(seconds * 0.25e9))); // warm-up: let the JIT settle
const [wall, cpu] = run(BigInt(Math.round(seconds * 1e9)));
console.log(Math.round(wall), Math.round(cpu), sink === 0.5 ? '' : '');
