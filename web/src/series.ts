// The windows of one keyword, kept as columns ready for uPlot. Rows are
// sorted by window start; where windows are missing (a lost connection, a
// server restart) a row of nulls breaks the lines and the gap is remembered
// so the chart can shade it.
import type { Labels, Window } from './api'

export const LABELS = ['positive', 'negative', 'neutral', 'mixed', 'unscored'] as const
export type Label = (typeof LABELS)[number]

interface Row { t: number; end: number; count: number; mean: number | null; q25: number | null; q75: number | null; labels: Labels }

export class Series {
  /** window length in seconds, learned from the windows */
  win = 0
  rows: Row[] = []
  // uPlot's data: x, q75, q25, mean, count
  t: number[] = []
  q75: (number | null)[] = []
  q25: (number | null)[] = []
  mean: (number | null)[] = []
  count: (number | null)[] = []
  lab: (Labels | null)[] = []
  gaps: [number, number][] = []
  version = 0

  get lastEnd(): number {
    return this.rows.length ? this.rows[this.rows.length - 1].end : 0
  }

  /** Adds windows (any order, duplicates ignored). */
  add(ws: Window[]): void {
    let rebuild = false
    for (const w of ws) {
      const r = toRow(w)
      if (!r) continue
      if (r.end - r.t > 0) this.win = r.end - r.t
      const n = this.rows.length
      if (n === 0 || r.t > this.rows[n - 1].t) {
        this.rows.push(r)
        if (!rebuild) this.pushCols(r, n > 0 ? this.rows[n - 1].end : 0)
        continue
      }
      const i = lowerBound(this.rows, r.t)
      if (i < n && this.rows[i].t === r.t) continue
      this.rows.splice(i, 0, r)
      rebuild = true
    }
    if (rebuild) this.rebuild()
    this.version++
  }

  /** Drops windows that started before minT (seconds). */
  trim(minT: number): void {
    if (!this.rows.length || this.rows[0].t >= minT) return
    // trim in chunks, not on every window
    const i = lowerBound(this.rows, minT)
    if (i < 64 && i < this.rows.length / 10) return
    this.rows.splice(0, i)
    this.rebuild()
    this.version++
  }

  clear(): void {
    this.rows = []
    this.rebuild()
    this.version++
  }

  private rebuild(): void {
    this.t = []; this.q75 = []; this.q25 = []; this.mean = []; this.count = []; this.lab = []; this.gaps = []
    let prevEnd = 0
    for (const r of this.rows) {
      this.pushCols(r, prevEnd)
      prevEnd = r.end
    }
  }

  private pushCols(r: Row, prevEnd: number): void {
    const win = r.end - r.t || this.win
    if (prevEnd > 0 && r.t - prevEnd > win * 0.5 + 0.05) {
      // a hole: a null row breaks the lines
      this.t.push(prevEnd); this.q75.push(null); this.q25.push(null); this.mean.push(null); this.count.push(null); this.lab.push(null)
      this.gaps.push([prevEnd, r.t])
    }
    this.t.push(r.t); this.q75.push(r.q75); this.q25.push(r.q25); this.mean.push(r.mean); this.count.push(r.count); this.lab.push(r.labels)
  }

  /** Label counts over windows starting in [from, to]. */
  shares(from: number, to: number): Labels & { total: number } {
    const out = { positive: 0, negative: 0, neutral: 0, mixed: 0, unscored: 0, total: 0 }
    for (let i = lowerBound(this.rows, from); i < this.rows.length && this.rows[i].t <= to; i++) {
      const l = this.rows[i].labels
      out.positive += l.positive; out.negative += l.negative; out.neutral += l.neutral; out.mixed += l.mixed; out.unscored += l.unscored
      out.total += this.rows[i].count
    }
    return out
  }
}

function toRow(w: Window): Row | null {
  const t = Date.parse(w.start) / 1000
  const end = Date.parse(w.end) / 1000
  if (!isFinite(t) || !isFinite(end)) return null
  const labels: Labels = {
    positive: w.labels?.positive ?? 0, negative: w.labels?.negative ?? 0, neutral: w.labels?.neutral ?? 0,
    mixed: w.labels?.mixed ?? 0, unscored: w.labels?.unscored ?? 0,
  }
  const scored = w.count - labels.unscored > 0
  return { t, end, count: w.count, mean: scored ? w.mean : null, q25: scored ? w.q25 : null, q75: scored ? w.q75 : null, labels }
}

function lowerBound(rows: Row[], t: number): number {
  let lo = 0, hi = rows.length
  while (lo < hi) {
    const m = (lo + hi) >> 1
    if (rows[m].t < t) lo = m + 1
    else hi = m
  }
  return lo
}
