// The REST API, with errors turned into sentences people can read.

export interface Labels { positive: number; negative: number; neutral: number; mixed: number; unscored: number }
export interface Sample { id: string; text: string; author: string; label: string; score: number; link: string }
export interface Window {
  keyword: string; start: string; end: string; count: number
  mean: number; variance: number; stddev: number; q25: number; median: number; q75: number
  min: number; max: number; labels: Labels; samples?: Sample[] | null
}
export interface Recording { id: string; keywords: string[]; start: string; end: string; status: string; created_at: string }
export interface Post {
  id: string; source: string; keywords: string[]; text: string; lang: string; created_at: string
  author: string; url: string; label: string; score: number; polarity: number
}
export interface LogLine { id: number; service: string; instance: string; time: string; level: string; message: string; attrs?: unknown }
export interface Token { id: string; name: string; admin: boolean; created_at: string; last_used_at: string | null; token?: string }
export interface Tenant { id: string; name: string; source_url: string; created_at: string }
export interface Me { tenant: Tenant; admin: boolean; token_id: string }
export interface TenantInfo { tenant: Tenant; credentials_set: string[]; source_status?: unknown }

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message)
  }
}

/** Called when the session is gone (401 on anything but sign-in). */
export let onSignedOut: (msg: string) => void = () => {}
export function setSignedOutHandler(f: (msg: string) => void): void {
  onSignedOut = f
}

export async function api<T>(method: string, path: string, body?: unknown, opts: { quiet401?: boolean } = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the TSA server. Check that it is running and that your network is up, then try again.')
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let data: any = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    /* not JSON: a proxy's error page, say */
  }
  if (!res.ok) {
    let msg: string = data?.error?.message ?? ''
    if (!msg) {
      msg = res.status >= 500
        ? `The server had a problem (${res.status} ${res.statusText}). Try again in a moment.`
        : `The server refused the request (${res.status} ${res.statusText}).`
    } else {
      msg = msg.charAt(0).toUpperCase() + msg.slice(1)
      if (!/[.!?]$/.test(msg)) msg += '.'
    }
    if (res.status === 401 && !opts.quiet401) onSignedOut(msg)
    throw new ApiError(res.status, data?.error?.code ?? `http_${res.status}`, msg)
  }
  return data as T
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message
  if (e instanceof Error) return `Something went wrong in the page: ${e.message}`
  return 'Something went wrong.'
}
