package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// SessionCookie is the dashboard's session cookie.
const SessionCookie = "tsa_session"

// Identity is who is calling: resolved at the edge and carried in the
// request context, so every handler works inside one tenant.
type Identity struct {
	TenantID string
	TokenID  string
	Admin    bool
}

type identityKey struct{}

func identityFrom(ctx context.Context) Identity {
	id, _ := ctx.Value(identityKey{}).(Identity)
	return id
}

// auth requires a token (Authorization: Bearer) or a session cookie.
func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := s.identify(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tsa"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", err.Error())
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	}
}

var errNoCredentials = errors.New("sign in: send a token as 'Authorization: Bearer TOKEN' or sign in on the dashboard")

func (s *Server) identify(r *http.Request) (Identity, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return Identity{}, errors.New("the Authorization header must be 'Bearer TOKEN'")
		}
		t, err := s.cfg.Store.LookupToken(ctx, strings.TrimSpace(tok))
		if err != nil {
			return Identity{}, errors.New("this token is not valid (revoked, mistyped, or from another server)")
		}
		return Identity{TenantID: t.TenantID, TokenID: t.ID, Admin: t.Admin}, nil
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		t, err := s.cfg.Store.LookupSession(ctx, c.Value)
		if err != nil {
			return Identity{}, errors.New("your session has ended; sign in again")
		}
		return Identity{TenantID: t.TenantID, TokenID: t.ID, Admin: t.Admin}, nil
	}
	return Identity{}, errNoCredentials
}

func (s *Server) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !identityFrom(r.Context()).Admin {
			writeError(w, http.StatusForbidden, "forbidden", "this needs an admin token")
			return
		}
		h(w, r)
	}
}

// createSession trades a token for an HttpOnly session cookie.
func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Token string `json:"token"`
	}
	if !s.decodeJSON(w, r, &req) {
		return
	}
	t, err := s.cfg.Store.LookupToken(r.Context(), strings.TrimSpace(req.Token))
	if err != nil {
		writeError(w, http.StatusUnauthorized, "unauthorized", "this token is not valid (revoked, mistyped, or from another server)")
		return
	}
	sid, err := s.cfg.Store.CreateSession(r.Context(), t.ID, s.cfg.SessionTTL)
	if err != nil {
		s.internal(w, "create session", err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: sid, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.cfg.SecureCookies,
		Expires: s.cfg.Now().Add(s.cfg.SessionTTL),
	})
	writeJSON(w, http.StatusOK, map[string]any{"tenant": t.TenantID, "admin": t.Admin})
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.cfg.Store.DeleteSession(r.Context(), c.Value); err != nil {
			s.internal(w, "delete session", err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.cfg.SecureCookies, Expires: time.Unix(0, 0)})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	s.log.Error("request failed", "op", what, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "something went wrong on the server; try again")
}
