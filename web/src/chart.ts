// One keyword's chart: the mean polarity with its interquartile band, and
// the post count per window as bars on a second axis. Gaps (missing
// windows, or a connection that is down right now) are shaded.
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { Series } from './series'

export const COLORS = {
  // Okabe-Ito: safe for the common kinds of colour blindness
  mean: '#0072B2',
  band: 'rgba(86,180,233,0.30)',
  bars: 'rgba(153,153,153,0.55)',
  gap: 'rgba(213,94,0,0.14)',
  positive: '#009E73',
  negative: '#D55E00',
  neutral: '#999999',
  mixed: '#E69F00',
  unscored: '#CC79A7',
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim()
  return v || fallback
}

export interface ChartOpts {
  title: string
  height?: number
  /** the open gap: from this time (s) to now, while the connection is down */
  liveGap?: () => number | null
}

export class Chart {
  u: uPlot
  private series: Series
  private ro: ResizeObserver
  private drawnVersion = -1
  private range: [number, number] = [0, 0]

  constructor(parent: HTMLElement, series: Series, private opts: ChartOpts) {
    this.series = series
    const fg = cssVar('--muted', '#555')
    const grid = cssVar('--grid', 'rgba(0,0,0,0.08)')
    // blue in light, sky blue in dark (both Okabe-Ito)
    const meanColor = cssVar('--accent', COLORS.mean)
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }
    const bars = uPlot.paths.bars!({ size: [0.9, 40], align: 1 })
    const o: uPlot.Options = {
      width: Math.max(300, parent.clientWidth),
      height: opts.height ?? 220,
      title: undefined,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: { x: { time: true }, y: { range: [-1, 1] }, n: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { ...axis },
        { ...axis, scale: 'y', label: 'polarity', labelSize: 18, size: 44 },
        { ...axis, scale: 'n', side: 1, label: 'posts', labelSize: 18, size: 50, grid: { show: false } },
      ],
      series: [
        {},
        { label: 'q75', stroke: 'transparent', width: 0, points: { show: false }, value: fmtV },
        { label: 'q25', stroke: 'transparent', width: 0, points: { show: false }, value: fmtV },
        { label: 'mean', stroke: meanColor, width: 2, points: { show: false }, value: fmtV },
        { label: 'posts', scale: 'n', stroke: COLORS.bars, fill: COLORS.bars, width: 0, paths: bars, points: { show: false } },
      ],
      bands: [{ series: [1, 2], fill: COLORS.band }],
      hooks: { drawClear: [(u) => this.shadeGaps(u)] },
    }
    this.u = new uPlot(o, this.data(), parent)
    this.u.root.setAttribute('role', 'img')
    this.u.root.setAttribute('aria-label', `${opts.title}: mean polarity over time with the interquartile band, and posts per window`)
    this.ro = new ResizeObserver(() => {
      const w = parent.clientWidth
      if (w > 0 && Math.abs(w - this.u.width) > 2) this.u.setSize({ width: w, height: this.u.height })
    })
    this.ro.observe(parent)
  }

  private data(): uPlot.AlignedData {
    const s = this.series
    return [s.t, s.q75, s.q25, s.mean, s.count] as uPlot.AlignedData
  }

  /** Redraws if the data or the range changed; the range is [min, max] in seconds. */
  render(min: number, max: number, force = false): void {
    const s = this.series
    if (!force && s.version === this.drawnVersion && min === this.range[0] && max === this.range[1]) return
    this.drawnVersion = s.version
    this.range = [min, max]
    this.u.batch(() => {
      this.u.setData(this.data(), false)
      this.u.setScale('x', { min, max })
    })
    // for people's tools and the browser tests
    const box = this.u.root.parentElement
    if (box) {
      box.dataset.points = String(s.rows.length)
      box.dataset.gaps = String(s.gaps.length)
    }
  }

  private shadeGaps(u: uPlot): void {
    const ctx = u.ctx
    const { top, height } = u.bbox
    ctx.save()
    ctx.fillStyle = COLORS.gap
    const min = u.scales.x.min ?? 0, max = u.scales.x.max ?? 0
    const shade = (a: number, b: number) => {
      if (b < min || a > max) return
      const x0 = u.valToPos(Math.max(a, min), 'x', true)
      const x1 = u.valToPos(Math.min(b, max), 'x', true)
      ctx.fillRect(x0, top, Math.max(2, x1 - x0), height)
    }
    for (const [a, b] of this.series.gaps) shade(a, b)
    const open = this.opts.liveGap?.()
    if (open) shade(open, Date.now() / 1000)
    ctx.restore()
  }

  destroy(): void {
    this.ro.disconnect()
    this.u.destroy()
  }
}

function fmtV(_u: uPlot, v: number | null): string {
  return v === null || v === undefined ? '—' : v.toFixed(2)
}
