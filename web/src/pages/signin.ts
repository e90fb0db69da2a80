import { api, errorText, type Me } from '../api'
import { field, h, notice } from '../dom'

export function mountSignIn(el: HTMLElement, o: { message: string; done(me: Me): void }): () => void {
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', required: true, spellcheck: 'false' })
  const msg = h('div', { class: 'signin-msg', 'aria-live': 'polite' })
  if (o.message) msg.append(notice('info', o.message))
  const btn = h('button', { type: 'submit' }, 'Sign in')
  const form = h(
    'form',
    {
      class: 'signin',
      onsubmit: async (e: Event) => {
        e.preventDefault()
        msg.replaceChildren()
        const t = token.value.trim()
        if (!t) {
          msg.append(notice('error', 'Paste your token first.'))
          token.focus()
          return
        }
        btn.disabled = true
        btn.textContent = 'Signing in…'
        try {
          await api('POST', '/api/session', { token: t }, { quiet401: true })
          const me = await api<Me>('GET', '/api/me', undefined, { quiet401: true })
          o.done(me)
        } catch (err) {
          msg.append(notice('error', errorText(err)))
          token.select()
        } finally {
          btn.disabled = false
          btn.textContent = 'Sign in'
        }
      },
    },
    h('h1', null, 'Sign in to TSA'),
    h('p', null, 'TSA shows how people feel about a topic from what they post, live.'),
    field('Token', token, 'On its first start `tsa serve` prints an admin token and keeps it in DATA/admin-token; `tsa token create` makes more.'),
    btn,
    msg,
  )
  el.append(form)
  token.focus()
  return () => {}
}
