// Live: the tracked keywords, their windows and samples, and the page that
// shows them. The state outlives the page, so the connection (and its
// status in the header) stays up on the other pages.
import type { Labels, Sample, Window } from './api'
import { Chart, COLORS } from './chart'
import { LiveConn, type ConnState } from './conn'
import { clear, field, h, notice } from './dom'
import { LABELS, Series } from './series'

const KEEP_SECONDS = 62 * 60
const SAMPLES_SHOWN = 12
const MIN_FRAME_MS = 200
const STORE_KEY = 'tsa.keywords'
export const RANGES = [5, 15, 60] as const

interface KW {
  series: Series
  samples: Sample[]
  /** how many samples ever arrived */
  samplesVersion: number
}

/** Main-thread time spent on updates, read by the browser test. */
export const perf = { updates: 0, handlerMs: 0, renderMs: 0, frames: 0, maxFrameMs: 0 }
;(window as any).__tsaPerf = perf

type Listener = () => void

export class LiveState {
  kws = new Map<string, KW>()
  conn: LiveConn
  rangeMin: number = 5
  lastError = ''
  private listeners = new Set<Listener>()
  private stateListeners = new Set<(s: ConnState) => void>()
  onSignedOut: () => void = () => {}

  constructor() {
    this.conn = new LiveConn({
      window: (w) => this.timed(() => this.addWindows(w.keyword, [w])),
      history: (k, ws) => this.timed(() => this.addWindows(k, ws)),
      tracking: (ks) => this.adopt(ks),
      error: (_code, msg) => {
        this.lastError = msg
        this.changed()
      },
      state: (s) => {
        for (const f of this.stateListeners) f(s)
        this.changed()
      },
      signedOut: () => this.onSignedOut(),
    })
    try {
      const saved = JSON.parse(localStorage.getItem(STORE_KEY) ?? '[]')
      if (Array.isArray(saved)) for (const k of saved) if (typeof k === 'string') this.ensure(k)
      const r = Number(localStorage.getItem('tsa.range'))
      if ((RANGES as readonly number[]).includes(r)) this.rangeMin = r
    } catch {
      /* private mode */
    }
    this.conn.keywords = this.keywords()
  }

  keywords(): string[] {
    return [...this.kws.keys()]
  }

  subscribe(f: Listener): () => void {
    this.listeners.add(f)
    return () => this.listeners.delete(f)
  }

  onState(f: (s: ConnState) => void): () => void {
    this.stateListeners.add(f)
    f(this.conn.state)
    return () => this.stateListeners.delete(f)
  }

  start(): void {
    this.conn.start()
  }

  stop(): void {
    this.conn.stop()
  }

  add(k: string): string {
    k = k.trim()
    if (!k) return 'Type a keyword first.'
    if (this.kws.has(k)) return `"${k}" is already on the page.`
    if (this.kws.size >= 50) return 'At most 50 keywords at a time; remove one first.'
    this.ensure(k)
    this.lastError = ''
    this.keywordsChanged()
    return ''
  }

  remove(k: string): void {
    if (!this.kws.delete(k)) return
    this.keywordsChanged()
  }

  setRange(min: number): void {
    this.rangeMin = min
    try {
      localStorage.setItem('tsa.range', String(min))
    } catch {
      /* ignore */
    }
    this.changed()
  }

  private ensure(k: string): KW {
    let kw = this.kws.get(k)
    if (!kw) {
      kw = { series: new Series(), samples: [], samplesVersion: 0 }
      this.kws.set(k, kw)
    }
    return kw
  }

  private keywordsChanged(): void {
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(this.keywords()))
    } catch {
      /* ignore */
    }
    this.conn.setKeywords(this.keywords())
    this.changed()
  }

  /** The server answers with normalized keywords: rename ours to match. */
  private adopt(ks: string[]): void {
    const mine = this.keywords()
    if (ks.length !== mine.length) return
    let renamed = false
    const next = new Map<string, KW>()
    mine.forEach((k, i) => {
      next.set(ks[i], this.kws.get(k)!)
      if (ks[i] !== k) renamed = true
    })
    if (renamed) {
      this.kws = next
      this.keywordsChanged()
    }
  }

  private timed(f: () => void): void {
    const t0 = performance.now()
    f()
    perf.updates++
    perf.handlerMs += performance.now() - t0
  }

  private addWindows(keyword: string, ws: Window[]): void {
    const kw = this.kws.get(keyword)
    if (!kw) return
    kw.series.add(ws)
    kw.series.trim(Date.now() / 1000 - KEEP_SECONDS)
    let added = 0
    for (const w of ws) {
      if (w.samples?.length) {
        kw.samples.push(...w.samples)
        added += w.samples.length
      }
    }
    if (added) {
      if (kw.samples.length > SAMPLES_SHOWN) kw.samples.splice(0, kw.samples.length - SAMPLES_SHOWN)
      kw.samplesVersion += added // counts samples, so the page adds only the new ones
    }
    this.changed()
  }

  private changed(): void {
    for (const f of this.listeners) f()
  }
}

export const live = new LiveState()

/** Mounts the Live page into el; returns the unmount function. */
export function mountLive(el: HTMLElement): () => void {
  const cards = new Map<string, Card>()
  const input = h('input', { type: 'text', name: 'keyword', placeholder: 'e.g. golang, #rust, climate change', autocomplete: 'off', maxlength: 200 })
  const addErr = h('p', { class: 'field-error', role: 'alert', hidden: true })
  const chips = h('ul', { class: 'chips', 'aria-label': 'Tracked keywords' })
  const rangeSel = h('select', { name: 'range' }, ...RANGES.map((r) => h('option', { value: r, selected: r === live.rangeMin }, `last ${r} minutes`)))
  rangeSel.addEventListener('change', () => live.setRange(Number(rangeSel.value)))
  const errBox = h('div', { class: 'live-error' })
  const empty = h('p', { class: 'empty' }, 'No keywords yet. Add one above to see how people feel about it, live.')
  const grid = h('div', { class: 'cards' })
  const form = h(
    'form',
    {
      class: 'add-keyword',
      onsubmit: (e: Event) => {
        e.preventDefault()
        const parts = input.value.split(',').map((s) => s.trim()).filter(Boolean)
        let msg = parts.length ? '' : 'Type a keyword first.'
        for (const p of parts) msg = live.add(p) || msg
        addErr.textContent = msg
        addErr.hidden = !msg
        if (!msg) input.value = ''
        input.focus()
      },
    },
    field('Add keyword', input),
    h('button', { type: 'submit' }, 'Add'),
  )
  input.setAttribute('aria-label', 'Add keyword')
  el.append(
    h('h1', { class: 'visually-hidden' }, 'Live'),
    h('div', { class: 'toolbar' }, form, h('div', { class: 'range' }, field('Time range', rangeSel))),
    addErr,
    chips,
    errBox,
    empty,
    grid,
  )

  let chipsFor = ''
  let shownErr = ''
  const sync = () => {
    const ks = live.keywords()
    const sig = ks.join('\u0000')
    if (sig !== chipsFor) {
      chipsFor = sig
      clear(chips)
      for (const k of ks) {
        chips.append(
          h('li', { class: 'chip' }, h('span', null, k),
            h('button', { type: 'button', class: 'chip-x', 'aria-label': `Remove keyword ${k}`, title: `Remove ${k}`, onclick: () => live.remove(k) }, '×')),
        )
      }
      for (const [k, c] of cards) {
        if (!live.kws.has(k)) {
          c.destroy()
          cards.delete(k)
        }
      }
      for (const k of ks) {
        let c = cards.get(k)
        if (!c) {
          c = new Card(k, live.kws.get(k)!)
          cards.set(k, c)
        } else if (c.kw !== live.kws.get(k)) {
          c.kw = live.kws.get(k)!
        }
        grid.append(c.el) // keeps the order
      }
      empty.hidden = ks.length > 0
    }
    if (live.lastError !== shownErr) {
      shownErr = live.lastError
      clear(errBox)
      if (shownErr) errBox.append(notice('error', shownErr))
    }
  }

  let raf = 0
  const frame = () => {
    raf = 0
    const t0 = performance.now()
    lastFrame = t0
    sync()
    const max = Date.now() / 1000
    const min = max - live.rangeMin * 60
    for (const c of cards.values()) c.render(min, max)
    const dt = performance.now() - t0
    perf.frames++
    perf.renderMs += dt
    if (dt > perf.maxFrameMs) perf.maxFrameMs = dt
  }
  // Windows of all keywords arrive together, once a window (250 ms at the
  // least): draw at most every MIN_FRAME_MS, in an animation frame.
  let lastFrame = 0
  let wait = 0
  const schedule = () => {
    if (raf || wait) return
    const since = performance.now() - lastFrame
    if (since >= MIN_FRAME_MS) raf = requestAnimationFrame(frame)
    else wait = window.setTimeout(() => {
      wait = 0
      raf = requestAnimationFrame(frame)
    }, MIN_FRAME_MS - since)
  }
  const unsub = live.subscribe(schedule)
  // the time axis moves even when nothing arrives (and the open gap grows)
  const tick = window.setInterval(schedule, 1000)
  sync()
  frame()
  return () => {
    unsub()
    clearInterval(tick)
    if (raf) cancelAnimationFrame(raf)
    clearTimeout(wait)
    for (const c of cards.values()) c.destroy()
  }
}

class Card {
  el: HTMLElement
  private chart: Chart | null = null
  private chartBox: HTMLElement
  private summary: HTMLElement
  private shares: HTMLElement
  private summaryText = ''
  private sharesKey = ''
  private list: HTMLUListElement
  private samplesShown = 0

  constructor(public keyword: string, public kw: KW) {
    this.chartBox = h('div', { class: 'chart', 'data-keyword': keyword })
    this.summary = h('p', { class: 'summary' })
    this.shares = h('div', { class: 'shares' })
    this.list = h('ul', { class: 'samples', 'aria-label': `Sample posts for ${keyword}` })
    this.el = h(
      'section',
      { class: 'card', 'aria-label': `Keyword ${keyword}` },
      h('header', null, h('h2', null, keyword), this.summary),
      this.chartBox,
      this.shares,
      h('details', { class: 'samples-box', open: true }, h('summary', null, 'Sample posts'), this.list),
    )
  }

  render(min: number, max: number): void {
    if (!this.chart) {
      if (!this.el.isConnected) return
      this.chart = new Chart(this.chartBox, this.kw.series, {
        title: this.keyword,
        liveGap: () => (live.conn.state.kind === 'open' || live.conn.lostAt === null ? null : live.conn.lostAt / 1000),
      })
    }
    const open = live.conn.state.kind !== 'open'
    const s = this.kw.series
    // while the page holds less than the range, the chart starts at its first window
    if (s.t.length && s.t[0] > min) min = Math.min(s.t[0], max - 30)
    this.chart.render(min, max, open)
    const sh = s.shares(min, max)
    const last = lastNonNull(s.mean)
    const text = `${sh.total} posts in the last ${live.rangeMin} min` + (last === null ? '' : ` · latest mean ${last.toFixed(2)}`)
    if (text !== this.summaryText) {
      this.summaryText = text
      this.summary.textContent = text
    }
    // the bar and legend change only when a rounded share does
    const key = LABELS.map((l) => Math.round((1000 * sh[l]) / Math.max(1, sh.total))).join(',')
    if (key !== this.sharesKey) {
      this.sharesKey = key
      renderShares(this.shares, sh)
    }
    if (this.samplesShown !== this.kw.samplesVersion) {
      // add only the new samples at the top, drop the oldest at the bottom
      const fresh = Math.min(this.kw.samplesVersion - Math.max(0, this.samplesShown), this.kw.samples.length)
      this.samplesShown = this.kw.samplesVersion
      this.list.querySelector('.empty')?.remove()
      const items = this.kw.samples.slice(this.kw.samples.length - fresh).reverse().map(sampleItem)
      this.list.prepend(...items)
      while (this.list.children.length > SAMPLES_SHOWN) this.list.lastElementChild!.remove()
    }
    if (!this.list.firstChild) this.list.append(h('li', { class: 'empty' }, 'No posts yet.'))
  }

  destroy(): void {
    this.chart?.destroy()
    this.chart = null
    this.el.remove()
  }
}

export function renderShares(el: HTMLElement, sh: Labels & { total: number }): void {
  const sum = LABELS.reduce((a, l) => a + (sh[l] ?? 0), 0)
  const bar = h('div', { class: 'share-bar', role: 'img', 'aria-label': 'Share of each label' })
  const legend = h('ul', { class: 'share-legend' })
  for (const l of LABELS) {
    const n = sh[l] ?? 0
    const pct = sum ? (100 * n) / sum : 0
    if (pct > 0) bar.append(h('span', { style: `width:${pct.toFixed(2)}%;background:${COLORS[l]}`, title: `${l} ${pct.toFixed(0)}%` }))
    if (l === 'unscored' && n === 0) continue
    legend.append(h('li', null, h('i', { class: `dot label-${l}`, 'aria-hidden': 'true' }), `${l} ${pct.toFixed(0)}%`))
  }
  el.replaceChildren(bar, legend)
}

export function sampleItem(s: Sample): HTMLLIElement {
  const label = s.label || 'unscored'
  return h(
    'li',
    { class: `sample label-${label}` },
    h('span', { class: 'tag' }, label),
    h('span', { class: 'text' }, s.text),
    h('span', { class: 'meta' }, s.author ? `@${s.author} · ` : '', `polarity ${Number(s.score).toFixed(2)}`,
      s.link ? [' · ', h('a', { href: s.link, target: '_blank', rel: 'noopener noreferrer' }, 'open post')] : null),
  )
}

function lastNonNull(a: (number | null)[]): number | null {
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== null) return a[i]
  return null
}
