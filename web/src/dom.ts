// A tiny DOM helper: h('p', {class: 'x', onclick: fn}, 'text', child).
type Child = Node | string | number | null | undefined | false
type AttrVal = string | number | boolean | null | undefined | ((ev: any) => void)

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, AttrVal> | null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue
      if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v)
      else if (k === 'class') el.className = String(v)
      else if (k === 'value' && 'value' in el) (el as HTMLInputElement).value = String(v)
      else if (k === 'checked' && 'checked' in el) (el as HTMLInputElement).checked = Boolean(v)
      else el.setAttribute(k, v === true ? '' : String(v))
    }
  }
  append(el, children)
  return el
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue
    el.append(typeof c === 'number' ? String(c) : c)
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild)
}

let uid = 0
/** A unique id for label/input pairs. */
export function id(prefix: string): string {
  return `${prefix}-${++uid}`
}

/** A labelled field: <div class=field><label for>…</label><input id></div>. */
export function field(label: string, input: HTMLElement, hint?: string): HTMLDivElement {
  const iid = input.id || id('f')
  input.id = iid
  const err = h('p', { class: 'field-error', id: iid + '-err', role: 'alert', hidden: true })
  input.setAttribute('aria-describedby', iid + '-err')
  return h('div', { class: 'field' }, h('label', { for: iid }, label), input, hint ? h('p', { class: 'hint' }, hint) : null, err)
}

/** Shows (or, with '', hides) the inline error of a field made by field(). */
export function fieldError(input: HTMLElement, msg: string): void {
  const err = document.getElementById(input.id + '-err')
  if (!err) return
  err.textContent = msg
  err.hidden = msg === ''
  input.setAttribute('aria-invalid', msg === '' ? 'false' : 'true')
}

const fmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
export function when(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  return isNaN(d.getTime()) ? iso : fmt.format(d)
}

/** A message box for errors and notices. */
export function notice(kind: 'error' | 'info' | 'ok', msg: string): HTMLDivElement {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, msg)
}
