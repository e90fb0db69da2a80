'use strict';
// node compare.js A B: compares two files of scored JSON lines (Node's and
// tsa's) field by field, numbers as numbers; lines both rejected count as
// the same. Prints "identical N" or the first differences.
const fs = require('fs');
const a = fs.readFileSync(process.argv[2], 'utf8').split('\n');
const b = fs.readFileSync(process.argv[3], 'utf8').split('\n');
let bad = 0;
const n = Math.max(a.length, b.length);
for (let i = 0; i < n; i++) {
  if (a[i] === b[i]) continue;
  let same = false;
  try {
    const x = JSON.parse(a[i]);
    const y = JSON.parse(b[i]);
    if (x.error !== undefined || y.error !== undefined) {
      // Both rejected the line (messages differ between Go and JS).
      same = x.error !== undefined && y.error !== undefined && x.id === y.id;
    } else {
      same = ['id', 'label', 'positive', 'negative', 'neutral', 'mixed', 'score', 'polarity'].every((k) => x[k] === y[k]) &&
        (x.detail || {}).comparative === (y.detail || {}).comparative;
    }
  } catch (e) { same = false; }
  if (!same && ++bad <= 5) console.log('line ' + (i + 1) + ' differs');
}
console.log(bad ? 'differ ' + bad : 'identical ' + (a[a.length - 1] === '' ? a.length - 1 : a.length));
process.exitCode = bad ? 1 : 0;
