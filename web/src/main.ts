// TSA's dashboard: a small router over five pages, the connection state in
// the header, and sign-in in front of everything.
import './style.css'
import { api, errorText, setSignedOutHandler, type Me } from './api'
import type { ConnState } from './conn'
import { clear, h, notice } from './dom'
import { live, mountLive } from './live'
import { mountSignIn } from './pages/signin'
import { mountRecordings, mountRecording } from './pages/recordings'
import { mountLogs } from './pages/logs'
import { mountSettings } from './pages/settings'

export interface Ctx {
  me: Me
  go(path: string): void
}

const app = document.getElementById('app')!
let me: Me | null = null
let unmount: (() => void) | null = null
let signInMessage = ''

const NAV = [
  ['/', 'Live'],
  ['/recordings', 'Recordings'],
  ['/logs', 'Logs'],
  ['/settings', 'Settings'],
] as const

const main = h('main', { id: 'main', tabindex: '-1' })
const status = h('div', { class: 'conn', role: 'status', 'aria-live': 'polite' })
const nav = h('nav', { 'aria-label': 'Pages' })
const who = h('span', { class: 'who' })
const signOut = h('button', { type: 'button', class: 'link', onclick: () => void doSignOut() }, 'Sign out')
const header = h(
  'header',
  { class: 'top' },
  h('a', { class: 'brand', href: '/', 'data-nav': '' }, 'TSA'),
  nav,
  status,
  h('div', { class: 'account' }, who, signOut),
)

function go(path: string, replace = false): void {
  if (path !== location.pathname + location.search) {
    if (replace) history.replaceState(null, '', path)
    else history.pushState(null, '', path)
  }
  void route()
}

async function route(): Promise<void> {
  unmount?.()
  unmount = null
  clear(main)
  const path = location.pathname
  if (!me) {
    try {
      me = await api<Me>('GET', '/api/me', undefined, { quiet401: true })
    } catch (e) {
      me = null
      if (!(e as any).status || (e as any).status !== 401) {
        // the server is unreachable or broken: say so, offer a retry
        renderShell(false)
        main.append(notice('error', errorText(e)), h('p', null, h('button', { type: 'button', onclick: () => void route() }, 'Try again')))
        return
      }
    }
  }
  if (!me) {
    live.stop()
    renderShell(false)
    unmount = mountSignIn(main, {
      message: signInMessage,
      done: (m) => {
        me = m
        signInMessage = ''
        go(path === '/signin' ? '/' : path, true)
      },
    })
    return
  }
  renderShell(true)
  live.start()
  const ctx: Ctx = { me, go }
  try {
    let m: RegExpMatchArray | null
    if (path === '/' || path === '/live' || path === '/signin') unmount = mountLive(main)
    else if (path === '/recordings') unmount = mountRecordings(main, ctx)
    else if ((m = path.match(/^\/recordings\/([^/]+)$/))) unmount = mountRecording(main, ctx, decodeURIComponent(m[1]))
    else if (path === '/logs') unmount = mountLogs(main, ctx)
    else if (path === '/settings') unmount = mountSettings(main, ctx)
    else main.append(h('h1', null, 'Page not found'), h('p', null, 'There is no page at ', h('code', null, path), '. ', h('a', { href: '/', 'data-nav': '' }, 'Go to Live'), '.'))
  } catch (e) {
    main.append(notice('error', errorText(e)))
  }
  for (const a of nav.querySelectorAll('a')) {
    const href = a.getAttribute('href')!
    const cur = href === '/' ? path === '/' || path === '/live' : path.startsWith(href)
    if (cur) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
}

function renderShell(signedIn: boolean): void {
  if (!header.isConnected) {
    clear(app)
    app.append(h('a', { class: 'skip', href: '#main' }, 'Skip to content'), header, main)
  }
  clear(nav)
  if (signedIn) for (const [href, label] of NAV) nav.append(h('a', { href, 'data-nav': '' }, label))
  nav.hidden = !signedIn
  status.hidden = !signedIn
  signOut.hidden = !signedIn
  who.textContent = signedIn && me ? `${me.tenant.name}${me.admin ? ' (admin)' : ''}` : ''
}

async function doSignOut(): Promise<void> {
  try {
    await api('DELETE', '/api/session', undefined, { quiet401: true })
  } catch {
    /* signed out either way */
  }
  me = null
  live.stop()
  signInMessage = 'You are signed out.'
  go('/signin')
}

function showState(s: ConnState): void {
  let text = ''
  let cls = ''
  switch (s.kind) {
    case 'idle':
      text = 'Not connected'
      cls = 'off'
      break
    case 'connecting':
      text = s.attempt ? `Reconnecting (attempt ${s.attempt + 1})…` : 'Connecting…'
      cls = 'wait'
      break
    case 'open':
      text = 'Live'
      cls = 'ok'
      break
    case 'waiting': {
      const secs = Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000))
      text = `Connection lost (${s.reason}); retrying in ${secs} s`
      cls = 'bad'
      break
    }
  }
  status.className = `conn conn-${cls}`
  status.dataset.state = s.kind
  clear(status)
  status.append(h('i', { class: 'dot', 'aria-hidden': 'true' }), h('span', null, text))
  if (s.kind === 'waiting') status.append(h('button', { type: 'button', class: 'link', onclick: () => live.conn.retryNow() }, 'Reconnect now'))
}
live.onState(showState)
// keep the retry countdown moving
setInterval(() => {
  if (live.conn.state.kind === 'waiting') showState(live.conn.state)
}, 1000)

setSignedOutHandler((msg) => {
  if (!me) return
  me = null
  live.stop()
  signInMessage = msg
  go('/signin')
})
live.onSignedOut = () => {
  me = null
  signInMessage = 'Your session has ended; sign in again.'
  go('/signin')
}

document.addEventListener('click', (e) => {
  const a = (e.target as Element).closest?.('a[data-nav]') as HTMLAnchorElement | null
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
  e.preventDefault()
  go(a.getAttribute('href')!)
})
window.addEventListener('popstate', () => void route())
window.addEventListener('error', (e) => {
  main.prepend(notice('error', `Something went wrong in the page: ${e.message}. Reload to start again.`))
})
window.addEventListener('unhandledrejection', (e) => {
  main.prepend(notice('error', errorText(e.reason)))
})

void route()
