import { api, errorText, type TenantInfo, type Token } from '../api'
import { field, h, notice, when } from '../dom'
import type { Ctx } from '../main'

export function mountSettings(el: HTMLElement, ctx: Ctx): () => void {
  // source and credentials
  const info = h('div', { class: 'tenant-info' }, 'Loading…')
  const src = h('input', { type: 'text', name: 'source_url', placeholder: 'x://  or  bluesky://  or  synth://?rate=50', autocomplete: 'off' })
  const credName = h('input', { type: 'text', name: 'credential_name', value: 'bearer_token', autocomplete: 'off' })
  const credValue = h('input', { type: 'password', name: 'credential_value', autocomplete: 'new-password' })
  const srcMsg = h('div', { 'aria-live': 'polite' })
  const srcForm = h('form', { class: 'settings-form', onsubmit: (e: Event) => { e.preventDefault(); void saveSource() } },
    h('h2', null, 'Source'),
    info,
    field('Source URL', src, 'Empty uses the server’s default source.'),
    h('fieldset', null, h('legend', null, 'Credential (write-only: stored encrypted, never shown again)'),
      h('div', { class: 'row' }, field('Credential name', credName), field('Credential value', credValue))),
    h('button', { type: 'submit' }, 'Save source'),
    srcMsg)

  async function loadTenant(): Promise<void> {
    try {
      const t = await api<TenantInfo>('GET', '/api/tenant')
      src.value = t.tenant.source_url
      info.replaceChildren(
        h('dl', null,
          h('dt', null, 'Tenant'), h('dd', null, t.tenant.name),
          h('dt', null, 'Credentials set'), h('dd', null, t.credentials_set.length ? t.credentials_set.join(', ') : 'none'),
          h('dt', null, 'Source status'), h('dd', null, h('code', null, t.source_status === undefined ? 'unknown' : JSON.stringify(t.source_status)))))
    } catch (err) {
      info.replaceChildren(notice('error', errorText(err)))
    }
  }
  async function saveSource(): Promise<void> {
    srcMsg.replaceChildren()
    const body: Record<string, unknown> = { source_url: src.value.trim() }
    if (credValue.value) {
      if (!credName.value.trim()) {
        srcMsg.append(notice('error', 'Give the credential a name (for X: bearer_token).'))
        return
      }
      body.credentials = { [credName.value.trim()]: credValue.value }
    }
    try {
      await api('PUT', '/api/tenant/source', body)
      credValue.value = ''
      srcMsg.append(notice('ok', 'Saved.'))
      await loadTenant()
    } catch (err) {
      srcMsg.append(notice('error', errorText(err)))
    }
  }

  // tokens
  const tokName = h('input', { type: 'text', name: 'token_name', autocomplete: 'off' })
  const tokAdmin = h('input', { type: 'checkbox', name: 'token_admin' })
  const tokMsg = h('div', { 'aria-live': 'polite' })
  const tokList = h('div')
  const tokForm = h('form', { class: 'settings-form', onsubmit: (e: Event) => { e.preventDefault(); void createToken() } },
    h('h2', null, 'Tokens'),
    tokList,
    h('div', { class: 'row' }, field('Token name', tokName),
      ctx.me.admin ? h('div', { class: 'field check' }, h('label', null, tokAdmin, ' Admin token')) : null),
    h('button', { type: 'submit' }, 'Create token'),
    tokMsg)

  async function loadTokens(): Promise<void> {
    try {
      const { tokens } = await api<{ tokens: Token[] }>('GET', '/api/tokens')
      tokList.replaceChildren(
        h('table', { class: 'table' },
          h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Kind'), h('th', null, 'Created'), h('th', null, 'Last used'), h('th', null, h('span', { class: 'visually-hidden' }, 'Actions')))),
          h('tbody', null, tokens.map((t) =>
            h('tr', null,
              h('td', null, t.name, t.id === ctx.me.token_id ? ' (this session)' : ''),
              h('td', null, t.admin ? 'admin' : 'user'),
              h('td', null, when(t.created_at)),
              h('td', null, when(t.last_used_at)),
              h('td', null, h('button', {
                type: 'button', class: 'link danger', 'aria-label': `Revoke token ${t.name}`,
                onclick: async () => {
                  if (!confirm(`Revoke the token "${t.name}"? Anything using it stops working.`)) return
                  try { await api('DELETE', `/api/tokens/${encodeURIComponent(t.id)}`); await loadTokens() } catch (err) { tokMsg.replaceChildren(notice('error', errorText(err))) }
                },
              }, 'Revoke')))))))
    } catch (err) {
      tokList.replaceChildren(notice('error', errorText(err)))
    }
  }
  async function createToken(): Promise<void> {
    tokMsg.replaceChildren()
    try {
      const t = await api<Token>('POST', '/api/tokens', { name: tokName.value, admin: tokAdmin.checked })
      tokName.value = ''
      const out = h('input', { type: 'text', readonly: true, value: t.token ?? '', 'aria-label': 'New token', class: 'mono wide' })
      tokMsg.append(h('div', { class: 'notice notice-ok', role: 'status' },
        h('p', null, `Token "${t.name}" created. Copy it now: it is shown only once.`), out,
        h('button', { type: 'button', onclick: () => { out.select(); void navigator.clipboard?.writeText(out.value) } }, 'Copy')))
      await loadTokens()
    } catch (err) {
      tokMsg.append(notice('error', errorText(err)))
    }
  }

  el.append(h('h1', null, 'Settings'), srcForm, tokForm)
  void loadTenant()
  void loadTokens()
  return () => {}
}
