import { api, errorText, type LogLine } from '../api'
import { field, h, notice } from '../dom'
import type { Ctx } from '../main'

const MAX_LINES = 1000

export function mountLogs(el: HTMLElement, _ctx: Ctx): () => void {
  const service = h('input', { type: 'text', name: 'service', placeholder: 'tsa' })
  const instance = h('input', { type: 'text', name: 'instance' })
  const level = h('select', { name: 'level' }, ['', 'debug', 'info', 'warn', 'error'].map((l) => h('option', { value: l }, l ? `${l} and above` : 'any level')))
  const q = h('input', { type: 'search', name: 'q', placeholder: 'words in the message' })
  const follow = h('input', { type: 'checkbox', name: 'follow', checked: true })
  const msg = h('div', { 'aria-live': 'polite' })
  const tbody = h('tbody')
  const table = h('table', { class: 'table logs' },
    h('thead', null, h('tr', null, h('th', null, 'Time'), h('th', null, 'Level'), h('th', null, 'Service'), h('th', null, 'Instance'), h('th', null, 'Message'))),
    tbody)
  el.append(
    h('h1', null, 'Logs'),
    h('form', { class: 'toolbar', onsubmit: (e: Event) => { e.preventDefault(); void reload() } },
      field('Service', service), field('Instance', instance), field('Level', level), field('Text', q),
      h('div', { class: 'field check' }, h('label', null, follow, ' Follow new lines')),
      h('button', { type: 'submit' }, 'Apply')),
    msg,
    table,
  )
  let lastID = 0
  let timer = 0
  let gone = false
  const query = (extra: Record<string, string>) => {
    const p = new URLSearchParams()
    for (const [k, inp] of [['service', service], ['instance', instance], ['level', level], ['q', q]] as const) if (inp.value.trim()) p.set(k, inp.value.trim())
    for (const [k, v] of Object.entries(extra)) p.set(k, v)
    return p.toString()
  }
  const row = (l: LogLine) =>
    h('tr', { class: `level-${l.level}` },
      h('td', { class: 'nowrap' }, new Date(l.time).toLocaleString()),
      h('td', null, h('span', { class: `lvl lvl-${l.level}` }, l.level)),
      h('td', null, l.service),
      h('td', { class: 'mono' }, l.instance),
      h('td', null, l.message, l.attrs ? h('code', { class: 'attrs' }, ' ' + JSON.stringify(l.attrs)) : null))

  async function reload(): Promise<void> {
    clearTimeout(timer)
    msg.replaceChildren()
    try {
      const { logs } = await api<{ logs: LogLine[] }>('GET', `/api/logs?${query({ limit: '200' })}`)
      if (gone) return
      tbody.replaceChildren(...logs.map(row))
      lastID = logs.length ? logs[0].id : lastID
      if (!logs.length) msg.append(h('p', { class: 'empty' }, 'No log lines match.'))
    } catch (err) {
      msg.append(notice('error', errorText(err)))
    }
    schedule()
  }
  async function poll(): Promise<void> {
    try {
      const { logs } = await api<{ logs: LogLine[] }>('GET', `/api/logs?${query({ after: String(lastID), limit: '500' })}`)
      if (gone) return
      for (const l of logs) {
        tbody.prepend(row(l))
        lastID = Math.max(lastID, l.id)
      }
      while (tbody.rows.length > MAX_LINES) tbody.deleteRow(-1)
      if (logs.length) msg.replaceChildren()
    } catch (err) {
      msg.replaceChildren(notice('error', errorText(err)))
    }
    schedule()
  }
  function schedule(): void {
    clearTimeout(timer)
    if (!gone && follow.checked) timer = window.setTimeout(poll, 2000)
  }
  follow.addEventListener('change', schedule)
  void reload()
  return () => {
    gone = true
    clearTimeout(timer)
  }
}
