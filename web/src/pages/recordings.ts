import { api, ApiError, errorText, type Post, type Recording, type Window } from '../api'
import { Chart } from '../chart'
import { clear, field, fieldError, h, notice, when } from '../dom'
import type { Ctx } from '../main'
import { renderShares } from '../live'
import { LABELS, Series } from '../series'

/** A datetime-local value (local time, seconds) for a Date. */
function localValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

const STATUS_TEXT: Record<string, string> = { scheduled: 'Scheduled', recording: 'Recording', done: 'Done', cancelled: 'Cancelled' }

export function mountRecordings(el: HTMLElement, ctx: Ctx): () => void {
  const start0 = new Date(Date.now() + 60_000)
  start0.setSeconds(0, 0)
  const kw = h('input', { type: 'text', name: 'keywords', placeholder: 'golang, #rust', autocomplete: 'off' })
  const start = h('input', { type: 'datetime-local', name: 'start', step: '1', value: localValue(start0) })
  const end = h('input', { type: 'datetime-local', name: 'end', step: '1', value: localValue(new Date(start0.getTime() + 3600_000)) })
  const formMsg = h('div', { 'aria-live': 'polite' })
  const submit = h('button', { type: 'submit' }, 'Schedule recording')
  const form = h(
    'form',
    { class: 'schedule', onsubmit: (e: Event) => { e.preventDefault(); void create() } },
    h('h2', null, 'Schedule a recording'),
    h('div', { class: 'row' },
      field('Keywords', kw, 'Comma-separated.'),
      field('Start', start, 'Your local time.'),
      field('End', end)),
    submit,
    formMsg,
  )
  const list = h('div', { class: 'rec-list', 'aria-live': 'polite' })
  el.append(h('h1', null, 'Recordings'), form, h('h2', null, 'Your recordings'), list)

  const fieldFor: Record<string, HTMLElement> = {
    no_keywords: kw, too_many_keywords: kw, bad_keyword: kw,
    missing_time: start, start_in_past: start, end_before_start: end, too_long: end,
  }

  async function create(): Promise<void> {
    for (const f of [kw, start, end]) fieldError(f, '')
    formMsg.replaceChildren()
    const keywords = kw.value.split(',').map((s) => s.trim()).filter(Boolean)
    const s = start.value ? new Date(start.value) : null
    const e = end.value ? new Date(end.value) : null
    submit.disabled = true
    try {
      const rec = await api<Recording>('POST', '/api/recordings', {
        keywords,
        start: s && !isNaN(s.getTime()) ? s.toISOString() : '0001-01-01T00:00:00Z',
        end: e && !isNaN(e.getTime()) ? e.toISOString() : '0001-01-01T00:00:00Z',
      })
      formMsg.append(notice('ok', `Scheduled: ${rec.keywords.join(', ')}, ${when(rec.start)} to ${when(rec.end)}.`))
      kw.value = ''
      await load()
    } catch (err) {
      const target = err instanceof ApiError ? fieldFor[err.code] : undefined
      if (target) {
        fieldError(target, errorText(err))
        target.focus()
      } else formMsg.append(notice('error', errorText(err)))
    } finally {
      submit.disabled = false
    }
  }

  let timer = 0
  let gone = false
  async function load(): Promise<void> {
    clearTimeout(timer)
    try {
      const { recordings } = await api<{ recordings: Recording[] }>('GET', '/api/recordings')
      if (gone) return
      clear(list)
      if (!recordings.length) list.append(h('p', { class: 'empty' }, 'No recordings yet. Schedule one above.'))
      else {
        list.append(
          h('table', { class: 'table' },
            h('thead', null, h('tr', null, h('th', null, 'Keywords'), h('th', null, 'Start'), h('th', null, 'End'), h('th', null, 'Status'), h('th', null, h('span', { class: 'visually-hidden' }, 'Actions')))),
            h('tbody', null, recordings.map((r) =>
              h('tr', { 'data-id': r.id },
                h('td', null, h('a', { href: `/recordings/${encodeURIComponent(r.id)}`, 'data-nav': '' }, r.keywords.join(', '))),
                h('td', null, when(r.start)),
                h('td', null, when(r.end)),
                h('td', null, h('span', { class: `status status-${r.status}` }, STATUS_TEXT[r.status] ?? r.status)),
                h('td', null, h('button', {
                  type: 'button', class: 'link danger', 'aria-label': `Delete recording ${r.keywords.join(', ')}`,
                  onclick: async () => {
                    if (!confirm(`Delete the recording of ${r.keywords.join(', ')} with all its posts?`)) return
                    try { await api('DELETE', `/api/recordings/${encodeURIComponent(r.id)}`); await load() } catch (err) { list.prepend(notice('error', errorText(err))) }
                  },
                }, 'Delete')),
              ))),
          ),
        )
      }
      if (recordings.some((r) => r.status === 'scheduled' || r.status === 'recording')) timer = window.setTimeout(load, 2000)
    } catch (err) {
      if (gone) return
      list.replaceChildren(notice('error', errorText(err)))
      timer = window.setTimeout(load, 10000)
    }
  }
  void load()
  void ctx
  return () => {
    gone = true
    clearTimeout(timer)
  }
}

export function mountRecording(el: HTMLElement, ctx: Ctx, id: string): () => void {
  const head = h('div', null, h('p', null, 'Loading the recording…'))
  const charts = h('div', { class: 'cards' })
  const posts = h('section', { class: 'posts' })
  el.append(h('p', null, h('a', { href: '/recordings', 'data-nav': '' }, '← All recordings')), head, charts, posts)
  const made: Chart[] = []
  let gone = false
  let timer = 0
  let postsMounted = false

  async function load(): Promise<void> {
    clearTimeout(timer)
    try {
      const { recording: r, windows } = await api<{ recording: Recording; windows: Window[] }>('GET', `/api/recordings/${encodeURIComponent(id)}`)
      if (gone) return
      head.replaceChildren(
        h('h1', null, `Recording: ${r.keywords.join(', ')}`),
        h('p', { class: 'rec-meta' }, `${when(r.start)} to ${when(r.end)} · `, h('span', { class: `status status-${r.status}` }, STATUS_TEXT[r.status] ?? r.status), ` · ${windows.length} windows`),
      )
      for (const c of made) c.destroy()
      made.length = 0
      clear(charts)
      const min = Date.parse(r.start) / 1000, max = Date.parse(r.end) / 1000
      for (const k of r.keywords) {
        const s = new Series()
        s.add(windows.filter((w) => w.keyword === k))
        const box = h('div', { class: 'chart', 'data-keyword': k })
        const shares = h('div', { class: 'shares' })
        const sh = s.shares(min, max)
        charts.append(h('section', { class: 'card', 'aria-label': `Keyword ${k}` }, h('header', null, h('h2', null, k), h('p', { class: 'summary' }, `${sh.total} posts`)), box, shares))
        renderShares(shares, sh)
        const c = new Chart(box, s, { title: k })
        c.render(min, max, true)
        made.push(c)
      }
      if (!postsMounted) {
        postsMounted = true
        mountPosts(posts, id)
      }
      if (r.status === 'scheduled' || r.status === 'recording') timer = window.setTimeout(load, 3000)
    } catch (err) {
      if (gone) return
      head.replaceChildren(h('h1', null, 'Recording'), notice('error', errorText(err)))
    }
  }
  void load()
  void ctx
  return () => {
    gone = true
    clearTimeout(timer)
    for (const c of made) c.destroy()
  }
}

function mountPosts(el: HTMLElement, id: string): void {
  const label = h('select', { name: 'label' }, h('option', { value: '' }, 'All labels'), LABELS.map((l) => h('option', { value: l }, l)))
  const q = h('input', { type: 'search', name: 'q', placeholder: 'words in the post' })
  const csv = h('a', { class: 'button', download: '' }, 'Download CSV')
  const body = h('div', { 'aria-live': 'polite' })
  const prev = h('button', { type: 'button' }, '← Previous')
  const next = h('button', { type: 'button' }, 'Next →')
  const pageInfo = h('span', { class: 'page-info' })
  const cursors: string[] = [''] // cursor of each page seen
  let page = 0
  let nextCursor = ''
  const LIMIT = 50

  const params = (extra: Record<string, string>) => {
    const p = new URLSearchParams()
    if (label.value) p.set('label', label.value)
    if (q.value.trim()) p.set('q', q.value.trim())
    for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v)
    return p.toString()
  }
  async function load(): Promise<void> {
    csv.href = `/api/recordings/${encodeURIComponent(id)}/posts?${params({ format: 'csv' })}`
    try {
      const r = await api<{ posts: Post[]; next: string }>('GET', `/api/recordings/${encodeURIComponent(id)}/posts?${params({ limit: String(LIMIT), after: cursors[page] })}`)
      nextCursor = r.next
      prev.disabled = page === 0
      next.disabled = !r.next
      pageInfo.textContent = `Page ${page + 1}`
      if (!r.posts.length) {
        body.replaceChildren(h('p', { class: 'empty' }, page === 0 ? 'No posts match.' : 'No more posts.'))
        return
      }
      body.replaceChildren(
        h('table', { class: 'table posts-table' },
          h('thead', null, h('tr', null, h('th', null, 'Time'), h('th', null, 'Label'), h('th', null, 'Polarity'), h('th', null, 'Author'), h('th', null, 'Post'))),
          h('tbody', null, r.posts.map((p) =>
            h('tr', { class: `label-${p.label}` },
              h('td', { class: 'nowrap' }, when(p.created_at)),
              h('td', null, h('span', { class: `tag label-${p.label}` }, p.label)),
              h('td', { class: 'num' }, p.polarity.toFixed(2)),
              h('td', null, p.author ? `@${p.author}` : '—'),
              h('td', null, p.text, p.url ? [' ', h('a', { href: p.url, target: '_blank', rel: 'noopener noreferrer' }, 'open')] : null),
            ))),
        ),
      )
    } catch (err) {
      body.replaceChildren(notice('error', errorText(err)))
    }
  }
  const reset = () => {
    cursors.length = 1
    page = 0
    void load()
  }
  let debounce = 0
  q.addEventListener('input', () => { clearTimeout(debounce); debounce = window.setTimeout(reset, 300) })
  label.addEventListener('change', reset)
  prev.addEventListener('click', () => { if (page > 0) { page--; void load() } })
  next.addEventListener('click', () => { if (nextCursor) { cursors[page + 1] = nextCursor; page++; void load() } })
  el.append(
    h('h2', null, 'Posts'),
    h('div', { class: 'toolbar' }, field('Label', label), field('Text', q), csv),
    body,
    h('div', { class: 'pager' }, prev, pageInfo, next),
  )
  void load()
}
