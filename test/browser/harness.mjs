// Starts and stops `tsa serve` for the browser tests, and launches Debian's
// Chromium through playwright-core (browsers can't be downloaded here).
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** One `tsa serve` with a temp data dir; stop and start again on the same port. */
export class TSA {
  constructor(bin, port, extraArgs = []) {
    this.bin = bin
    this.port = port
    this.extraArgs = extraArgs
    this.dir = mkdtempSync(join(tmpdir(), 'tsa-browser-'))
    this.base = `http://127.0.0.1:${port}`
    this.proc = null
    this.log = ''
  }

  async start() {
    const args = ['serve', '--addr', `127.0.0.1:${this.port}`, '--data', this.dir, '--window', '250ms', '--stream-grace', '5s', ...this.extraArgs]
    const p = spawn(this.bin, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    this.proc = p
    let exited = null
    p.on('exit', (code, sig) => (exited = `exit code ${code} signal ${sig}`))
    p.stderr.on('data', (b) => {
      this.log += b.toString()
      if (this.log.length > 200_000) this.log = this.log.slice(-100_000)
    })
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      if (exited) throw new Error(`tsa serve stopped at start (${exited}):\n${this.log.slice(-4000)}`)
      try {
        const r = await fetch(`${this.base}/healthz`)
        if (r.ok) break
      } catch {
        /* not yet */
      }
      await sleep(100)
    }
    if (Date.now() >= deadline) throw new Error(`tsa serve did not answer /healthz in 30 s:\n${this.log.slice(-4000)}`)
    this.token = readFileSync(join(this.dir, 'admin-token'), 'utf8').trim()
  }

  async stop() {
    const p = this.proc
    if (!p || p.exitCode !== null) return
    const done = new Promise((r) => p.once('exit', r))
    p.kill('SIGTERM')
    const t = setTimeout(() => p.kill('SIGKILL'), 15_000)
    await done
    clearTimeout(t)
    this.proc = null
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

// playwright gives every launch a fresh, empty profile (user-data-dir) of its own
export async function launch() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  })
  return { browser }
}

/** Every input, select and textarea has a label or an aria-label. */
export async function unlabelled(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => !el.hidden && el.type !== 'hidden')
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
      .map((el) => el.outerHTML.slice(0, 120)),
  )
}

export { sleep }
