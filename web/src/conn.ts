// The websocket to /ws: tracks keywords, reconnects by itself with backoff
// (capped at 20 s), sends its keywords again, and treats two windows plus
// five seconds without any message as a lost connection.
import type { Window } from './api'

export type ConnState =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: number }
  | { kind: 'open' }
  | { kind: 'waiting'; attempt: number; retryAt: number; reason: string }

export interface ConnEvents {
  window(w: Window): void
  history(keyword: string, ws: Window[]): void
  tracking(keywords: string[]): void
  error(code: string, message: string): void
  state(s: ConnState): void
  /** the session is gone: the server refuses the websocket and /api/me says 401 */
  signedOut(): void
}

export const MAX_BACKOFF_MS = 20_000

export class LiveConn {
  state: ConnState = { kind: 'idle' }
  keywords: string[] = []
  /** window length in ms, learned from the windows (3 s until then) */
  windowMs = 3000
  lastMessageAt = 0
  /** when the connection was last lost (ms since epoch), for the chart gap */
  lostAt: number | null = null

  private ws: WebSocket | null = null
  private attempt = 0
  private timer = 0
  private watchdog = 0
  private trackTimer = 0
  private lastTrackSent = 0
  private stopped = true

  constructor(private ev: ConnEvents, private url = defaultURL()) {}

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.open()
    this.watchdog = window.setInterval(() => this.check(), 1000)
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    clearInterval(this.watchdog)
    clearTimeout(this.trackTimer)
    this.drop()
    this.setState({ kind: 'idle' })
  }

  /** Sets the tracked keywords; sent now or on the next connect. */
  setKeywords(k: string[]): void {
    this.keywords = [...k]
    this.scheduleTrack()
  }

  /** Track messages are limited (5 in a burst, 1/s sustained): coalesce them. */
  private scheduleTrack(delay = 250): void {
    clearTimeout(this.trackTimer)
    this.trackTimer = window.setTimeout(() => this.sendTrack(), delay)
  }

  private sendTrack(): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return
    this.lastTrackSent = Date.now()
    this.ws.send(JSON.stringify({ type: 'track', keywords: this.keywords }))
  }

  private open(): void {
    this.drop()
    this.setState({ kind: 'connecting', attempt: this.attempt })
    let ws: WebSocket
    try {
      ws = new WebSocket(this.url)
    } catch (e) {
      this.lost(`cannot open the websocket: ${(e as Error).message}`)
      return
    }
    this.ws = ws
    ws.onopen = () => {
      if (this.ws !== ws) return
      this.lastMessageAt = Date.now()
      this.setState({ kind: 'open' })
      this.sendTrack()
    }
    ws.onmessage = (m) => {
      if (this.ws !== ws) return
      this.lastMessageAt = Date.now()
      this.attempt = 0
      this.onMessage(m.data)
    }
    ws.onclose = (e) => {
      if (this.ws !== ws) return
      this.lost(e.code === 1009 ? 'a message was too large' : e.reason || 'the connection closed')
    }
    ws.onerror = () => {
      /* onclose follows */
    }
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') return
    let m: any
    try {
      m = JSON.parse(data)
    } catch {
      return
    }
    switch (m.type) {
      case 'window': {
        const ms = Date.parse(m.end) - Date.parse(m.start)
        if (ms > 0) this.windowMs = ms
        this.lostAt = null
        this.ev.window(m as Window)
        break
      }
      case 'history':
        this.ev.history(m.keyword, (m.windows ?? []) as Window[])
        break
      case 'tracking':
        this.ev.tracking(m.keywords ?? [])
        break
      case 'error':
        if (m.code === 'rate_limited') this.scheduleTrack(1100)
        else this.ev.error(m.code, m.message)
        break
      case 'dropped':
        this.ev.error('dropped', `The page fell behind and missed ${m.count} updates.`)
        break
    }
  }

  private lost(reason: string): void {
    this.drop()
    if (this.lostAt === null) this.lostAt = this.lastMessageAt || Date.now()
    if (this.stopped) return
    const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt)
    const delay = Math.min(MAX_BACKOFF_MS, Math.round(base * (0.8 + Math.random() * 0.4)))
    this.attempt++
    this.setState({ kind: 'waiting', attempt: this.attempt, retryAt: Date.now() + delay, reason })
    clearTimeout(this.timer)
    this.timer = window.setTimeout(() => this.open(), delay)
    if (this.attempt >= 2) this.checkSession()
  }

  /** Retries now (the "Reconnect now" button). */
  retryNow(): void {
    if (this.state.kind !== 'waiting') return
    clearTimeout(this.timer)
    this.open()
  }

  private async checkSession(): Promise<void> {
    try {
      const r = await fetch('/api/me', { credentials: 'same-origin' })
      if (r.status === 401) {
        this.stop()
        this.ev.signedOut()
      }
    } catch {
      /* the server is down: keep trying */
    }
  }

  private check(): void {
    if (this.state.kind !== 'open' || !this.ws) return
    const now = Date.now()
    const quiet = now - this.lastMessageAt
    if (quiet > 2 * this.windowMs + 5000) {
      this.lost(`no message for ${Math.round(quiet / 1000)} s`)
      return
    }
    // with no keywords the server sends nothing; ask for a pong
    if (quiet > 4000 && now - this.lastTrackSent > 1000) this.ws.send('{"type":"ping"}')
  }

  private drop(): void {
    const ws = this.ws
    this.ws = null
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null
      try {
        ws.close()
      } catch {
        /* already closed */
      }
    }
  }

  private setState(s: ConnState): void {
    this.state = s
    this.ev.state(s)
  }
}

function defaultURL(): string {
  const u = new URL('/ws', location.href)
  u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return u.toString()
}
