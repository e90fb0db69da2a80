'use strict';
// The mapping of internal/sentiment/afinn (ResultOf) written in JavaScript,
// so that the Node scripts do the same job as `tsa analyze --analyzer afinn`
// and their output can be compared with it line by line.
const ALPHA = 15;
const PRIOR = 0.5;

function result(r) {
  let pos = 0;
  let neg = 0;
  for (const c of r.calculation) {
    for (const k in c) {
      if (c[k] > 0) pos += c[k];
      else neg -= c[k];
    }
  }
  const m = Math.min(pos, neg);
  const inv = 1 / (Math.max(pos, neg) + PRIOR);
  const out = {
    label: '',
    positive: (pos - m) * inv,
    negative: (neg - m) * inv,
    neutral: PRIOR * inv,
    mixed: m * inv,
    score: r.score,
    polarity: r.score / Math.sqrt(r.score * r.score + ALPHA),
  };
  // sentiment.Result.ArgMax: ties go to neutral, then positive, negative.
  let best = out.neutral;
  out.label = 'neutral';
  if (out.positive > best) { best = out.positive; out.label = 'positive'; }
  if (out.negative > best) { best = out.negative; out.label = 'negative'; }
  if (out.mixed > best) { out.label = 'mixed'; }
  return out;
}

module.exports = { result };
