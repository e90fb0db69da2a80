// TSA's dashboard in a real browser: sign in, live charts, a server
// restart under an open page, recordings, logs, settings, and the
// main-thread time per update with 10 keywords and 250 ms windows.
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { freePort, launch, sleep, TSA, unlabelled } from './harness.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = process.env.TSA_BIN ?? join(ROOT, 'bin/tsa')
// screenshots go to test/browser/out; TSA_SCREENSHOTS=$PWD/docs/img refreshes the committed ones
const SHOTS = process.env.TSA_SCREENSHOTS ?? join(ROOT, 'test/browser/out')
const PERF_OUT = process.env.TSA_PERF_OUT ?? ''

let tsa, browser, context, page

async function points(keyword) {
  return page.evaluate((k) => Number(document.querySelector(`.chart[data-keyword="${k}"]`)?.dataset.points ?? 0), keyword)
}

async function waitFor(what, f, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  let last
  while (Date.now() < deadline) {
    last = await f()
    if (last) return last
    await sleep(200)
  }
  const state = await page.evaluate(() => JSON.stringify({ conn: document.querySelector('.conn')?.textContent, perf: window.__tsaPerf, charts: [...document.querySelectorAll('.chart')].map((c) => c.dataset), path: location.pathname })).catch((e) => String(e))
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)}; page: ${state})`)
}

async function connState() {
  return page.evaluate(() => document.querySelector('.conn')?.dataset.state ?? '')
}

async function addKeyword(k) {
  await page.getByLabel('Add keyword').fill(k)
  await page.getByLabel('Add keyword').press('Enter')
}

describe('dashboard', { concurrency: 1 }, () => {
  before(async () => {
    tsa = new TSA(BIN, await freePort())
    await tsa.start()
    ;({ browser } = await launch())
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    page = await context.newPage()
    page.on('pageerror', (e) => console.error('page error:', e.message))
  })

  after(async () => {
    await browser?.close()
    await tsa?.stop()
    if (process.env.TSA_KEEP) console.error(`server log:\n${tsa?.log.slice(-3000)}`)
    tsa?.cleanup()
  })

  it('the binary serves the dashboard', async () => {
    const r = await fetch(`${tsa.base}/recordings/whatever`)
    const body = await r.text()
    assert.equal(r.status, 200)
    assert.match(body, /<div id="app">/, 'bin/tsa was built without the dashboard: run make assets, then make build')
    assert.match(r.headers.get('content-type'), /text\/html/)
    const js = body.match(/src="(\/assets\/[^"]+\.js)"/)?.[1]
    assert.ok(js, 'index.html names a script under /assets/')
    const a = await fetch(tsa.base + js)
    assert.equal(a.status, 200)
    assert.match(a.headers.get('cache-control'), /immutable/)
  })

  it('a bad token shows a clear message', async () => {
    await page.goto(tsa.base + '/')
    await page.getByLabel('Token').fill('not-a-real-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    const alert = page.getByRole('alert').filter({ hasText: /not valid/ })
    await alert.waitFor({ timeout: 10_000 })
    assert.match(await alert.textContent(), /This token is not valid/)
    assert.deepEqual(await unlabelled(page), [])
  })

  it('signs in with a token', async () => {
    await page.getByLabel('Token').fill(tsa.token)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('link', { name: 'Recordings' }).waitFor({ timeout: 10_000 })
    const cookies = await context.cookies()
    const c = cookies.find((c) => c.name === 'tsa_session')
    assert.ok(c, 'a session cookie')
    assert.equal(c.httpOnly, true)
    await waitFor('the connection to open', async () => (await connState()) === 'open')
  })

  it('adds a keyword and the chart gains points', async () => {
    await addKeyword('golang')
    await page.getByRole('button', { name: 'Remove keyword golang' }).waitFor()
    const n1 = await waitFor('first points', async () => {
      const n = await points('golang')
      return n >= 4 ? n : 0
    })
    await waitFor('more points', async () => (await points('golang')) > n1 + 4)
    await waitFor('sample posts', async () => (await page.locator('.card .sample').count()) > 0)
    assert.deepEqual(await unlabelled(page), [])
  })

  it('reconnects by itself after a server restart and the chart continues', async () => {
    const before = await points('golang')
    await tsa.stop()
    await waitFor('the page to see the connection lost', async () => (await connState()) === 'waiting' || (await connState()) === 'connecting', 15_000)
    assert.match(await page.locator('.conn').textContent(), /lost|Reconnecting/i)
    await sleep(1500)
    await tsa.start()
    await waitFor('the page to reconnect', async () => (await connState()) === 'open', 30_000)
    await waitFor('new points after the restart', async () => (await points('golang')) > before + 4, 20_000)
    const gaps = await page.evaluate(() => Number(document.querySelector('.chart[data-keyword="golang"]')?.dataset.gaps ?? 0))
    assert.ok(gaps >= 1, `the gap is marked on the chart (gaps: ${gaps})`)
  })

  it('shows label shares and saves a screenshot of Live', async () => {
    await addKeyword('climate change')
    await sleep(1200) // track messages are rate-limited: 1 a second
    await addKeyword('#rust')
    await waitFor('points for every keyword', async () => (await points('climate change')) > 10 && (await points('#rust')) > 10, 30_000)
    await sleep(3000)
    assert.match(await page.locator('.card').first().locator('.share-legend').textContent(), /positive \d+%/)
    mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: join(SHOTS, 'live.png') })
  })

  it('recordings: API validation appears next to the field', async () => {
    await page.getByRole('link', { name: 'Recordings' }).click()
    await page.getByRole('heading', { name: 'Schedule a recording' }).waitFor()
    assert.deepEqual(await unlabelled(page), [])
    const [s, e] = await page.evaluate(() => {
      const p = (n) => String(n).padStart(2, '0')
      const f = (d) => `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
      const now = new Date(Date.now() + 3600_000)
      return [f(now), f(new Date(now.getTime() - 60_000))]
    })
    await page.getByLabel('Keywords').fill('golang')
    await page.getByLabel('Start').fill(s)
    await page.getByLabel('End').fill(e)
    await page.getByRole('button', { name: 'Schedule recording' }).click()
    const err = page.locator('.field-error:not([hidden])')
    await err.waitFor({ timeout: 10_000 })
    assert.match(await err.textContent(), /end must be after the start/i)
  })

  it('recordings: create one, see it listed, open it when done', async () => {
    const [s, e] = await page.evaluate(() => {
      const p = (n) => String(n).padStart(2, '0')
      const f = (d) => `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
      const now = new Date()
      return [f(now), f(new Date(now.getTime() + 4000))]
    })
    await page.getByLabel('Keywords').fill('golang, climate change')
    await page.getByLabel('Start').fill(s)
    await page.getByLabel('End').fill(e)
    await page.getByRole('button', { name: 'Schedule recording' }).click()
    const row = page.locator('.rec-list tbody tr').first()
    await row.waitFor({ timeout: 10_000 })
    assert.match(await row.textContent(), /climate change, golang|golang, climate change/)
    await waitFor('the recording to be done', async () => /Done/.test(await row.textContent()), 40_000)
    await row.getByRole('link').click()
    await page.getByRole('heading', { name: /Recording: / }).waitFor()
    await waitFor('stored windows on the chart', async () => (await points('golang')) > 4)
    await waitFor('posts in the table', async () => (await page.locator('.posts-table tbody tr').count()) > 0)
    // filters
    await page.getByLabel('Label', { exact: true }).selectOption('positive')
    await waitFor('only positive posts', async () => {
      const labels = await page.locator('.posts-table tbody .tag').allTextContents()
      return labels.length > 0 && labels.every((l) => l === 'positive')
    })
    const href = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')
    assert.match(href, /format=csv/)
    const csv = await page.evaluate(async (u) => (await fetch(u)).text(), href)
    assert.match(csv.split('\n')[0], /^id,source,created_at/)
    assert.deepEqual(await unlabelled(page), [])
    await page.getByLabel('Label', { exact: true }).selectOption('')
    await waitFor('posts again', async () => (await page.locator('.posts-table tbody tr').count()) > 0)
    await page.screenshot({ path: join(SHOTS, 'recording.png') })
  })

  it('logs and settings load', async () => {
    await page.getByRole('link', { name: 'Logs' }).click()
    await waitFor('log lines', async () => (await page.locator('.logs tbody tr').count()) > 0)
    assert.deepEqual(await unlabelled(page), [])
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByText('admin (first start)').waitFor({ timeout: 10_000 })
    await page.getByLabel('Token name').fill('browser test')
    await page.getByRole('button', { name: 'Create token' }).click()
    await page.getByLabel('New token').waitFor()
    assert.ok((await page.getByLabel('New token').inputValue()).length > 10)
    await page.getByLabel('Source URL').fill('nope')
    await page.getByRole('button', { name: 'Save source' }).click()
    await page.getByRole('alert').filter({ hasText: /want SCHEME/ }).waitFor({ timeout: 10_000 })
    assert.deepEqual(await unlabelled(page), [])
  })

  it('is readable on a phone', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await context.storageState() })
    const p = await phone.newPage()
    for (const path of ['/', '/recordings', '/logs', '/settings']) {
      await p.goto(tsa.base + path)
      await p.locator('main h1, main h2, main .empty').first().waitFor({ timeout: 10_000 })
      await sleep(300)
      const over = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      assert.ok(over <= 1, `${path} scrolls sideways by ${over}px at 390px`)
    }
    await phone.close()
  })

  it('keeps each update under budget with 10 keywords and 250 ms windows', async () => {
    await page.getByRole('link', { name: 'Live' }).click()
    const have = await page.evaluate(() => [...document.querySelectorAll('.chart')].map((c) => c.dataset.keyword))
    const more = ['python', 'rust', 'coffee', 'weather', 'music', 'football', 'election', 'golang', 'climate change', '#rust']
    for (const k of more.filter((k) => !have.includes(k)).slice(0, 10 - have.length)) await addKeyword(k)
    await waitFor('10 charts with points', async () => {
      const ns = await page.evaluate(() => [...document.querySelectorAll('.chart')].map((c) => Number(c.dataset.points ?? 0)))
      return ns.length === 10 && ns.every((n) => n > 4)
    }, 40_000)
    await page.evaluate(() => {
      const p = window.__tsaPerf
      p.updates = p.handlerMs = p.renderMs = p.frames = p.maxFrameMs = 0
      window.__longTasks = []
      new PerformanceObserver((l) => window.__longTasks.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' })
    })
    // Chromium's own account of the main thread: scripts, style, layout, paint
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable')
    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]))
    const m0 = await metrics()
    await sleep(15_000)
    const m1 = await metrics()
    const r = await page.evaluate(() => ({ ...window.__tsaPerf, longTasks: window.__longTasks }))
    const busy = (k) => (1000 * (m1[k] - m0[k])) / r.updates
    const perUpdate = (r.handlerMs + r.renderMs) / r.updates
    const out = {
      keywords: 10, window_ms: 250, seconds: 15, updates: r.updates, frames: r.frames,
      handler_ms_per_update: +(r.handlerMs / r.updates).toFixed(3),
      render_ms_per_frame: +(r.renderMs / r.frames).toFixed(3),
      max_frame_ms: +r.maxFrameMs.toFixed(2),
      main_thread_ms_per_update: +perUpdate.toFixed(3),
      long_tasks: r.longTasks.length,
      long_task_max_ms: Math.round(Math.max(0, ...r.longTasks)),
      // all main-thread work per update (Chromium's TaskDuration), and its parts
      chromium_task_ms_per_update: +busy('TaskDuration').toFixed(3),
      chromium_script_ms_per_update: +busy('ScriptDuration').toFixed(3),
      chromium_layout_style_ms_per_update: +(busy('LayoutDuration') + busy('RecalcStyleDuration')).toFixed(3),
    }
    console.log('PERF ' + JSON.stringify(out))
    if (PERF_OUT) writeFileSync(PERF_OUT, JSON.stringify(out, null, 2) + '\n')
    assert.ok(r.updates > 300, `about 40 updates a second arrive (got ${r.updates} in 15 s)`)
    // the goal is 4 ms; fail only well past it, on a loaded machine
    assert.ok(perUpdate < 12, `main-thread time per update ${perUpdate.toFixed(2)} ms`)
  })

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Token').waitFor()
    const r = await page.evaluate(async () => (await fetch('/api/me')).status)
    assert.equal(r, 401)
  })
})
