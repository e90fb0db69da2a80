package server

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/store"
	"github.com/tsaproject/tsa/internal/track/match"
)

// Store is the storage the API needs.
type Store = store.Store

// storeError answers a store failure: the sentinel errors become 4xx.
func (s *Server) storeError(w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", what+" not found")
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "conflict", what+" already exists")
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
	default:
		s.internal(w, what, err)
	}
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	id := identityFrom(r.Context())
	t, err := s.cfg.Store.GetTenant(r.Context(), id.TenantID)
	if err != nil {
		s.storeError(w, "tenant", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenant": tenantJSON(t), "admin": id.Admin, "token_id": id.TokenID})
}

type tenantOut struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	SourceURL string    `json:"source_url"`
	CreatedAt time.Time `json:"created_at"`
}

func tenantJSON(t store.Tenant) tenantOut {
	return tenantOut{ID: t.ID, Name: t.Name, SourceURL: t.SourceURL, CreatedAt: t.CreatedAt}
}

func (s *Server) getTenant(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := identityFrom(ctx).TenantID
	t, err := s.cfg.Store.GetTenant(ctx, id)
	if err != nil {
		s.storeError(w, "tenant", err)
		return
	}
	names, err := s.cfg.Store.CredentialNames(ctx, id)
	if err != nil {
		s.storeError(w, "tenant", err)
		return
	}
	if names == nil {
		names = []string{}
	}
	out := map[string]any{"tenant": tenantJSON(t), "credentials_set": names}
	if s.cfg.Status != nil {
		out["source_status"] = s.cfg.Status(id)
	}
	writeJSON(w, http.StatusOK, out)
}

// putSource sets the tenant's source and credentials. Credentials are
// write-only: they are never returned, only their names.
func (s *Server) putSource(w http.ResponseWriter, r *http.Request) {
	var req struct {
		SourceURL   *string           `json:"source_url"`
		Credentials map[string]string `json:"credentials"`
	}
	if !s.decodeJSON(w, r, &req) {
		return
	}
	ctx := r.Context()
	id := identityFrom(ctx).TenantID
	if req.SourceURL != nil {
		if err := validateSourceURL(*req.SourceURL); err != nil {
			writeError(w, http.StatusBadRequest, "invalid", err.Error())
			return
		}
		if err := s.cfg.Store.SetTenantSource(ctx, id, *req.SourceURL); err != nil {
			s.storeError(w, "tenant", err)
			return
		}
	}
	if req.Credentials != nil {
		for k, v := range req.Credentials {
			if k == "" || len(k) > 64 || len(v) > 4096 {
				writeError(w, http.StatusBadRequest, "invalid", "credential names must be 1-64 bytes and values at most 4096")
				return
			}
		}
		if err := s.cfg.Store.SetTenantCredentials(ctx, id, req.Credentials); err != nil {
			s.storeError(w, "tenant", err)
			return
		}
	}
	s.log.Info("tenant source updated", slog.String("tenant", id), slog.Bool("credentials_changed", req.Credentials != nil))
	if s.cfg.SourceChanged != nil && (req.SourceURL != nil || req.Credentials != nil) {
		s.cfg.SourceChanged(id)
	}
	s.getTenant(w, r)
}

func validateSourceURL(u string) error {
	if u == "" {
		return nil
	}
	scheme, _, ok := strings.Cut(u, "://")
	if !ok {
		return fmt.Errorf("source_url %q: want SCHEME://..., e.g. synth://?rate=50", u)
	}
	switch scheme {
	case "synth", "file", "x", "bluesky":
		return nil
	}
	return fmt.Errorf("source_url: unknown scheme %q (synth, file, x, bluesky)", scheme)
}

type tokenOut struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Admin      bool       `json:"admin"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Token      string     `json:"token,omitempty"` // only when just created
}

func tokenJSON(t store.Token) tokenOut {
	o := tokenOut{ID: t.ID, Name: t.Name, Admin: t.Admin, CreatedAt: t.CreatedAt}
	if !t.LastUsedAt.IsZero() {
		lu := t.LastUsedAt
		o.LastUsedAt = &lu
	}
	return o
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	toks, err := s.cfg.Store.ListTokens(r.Context(), identityFrom(r.Context()).TenantID)
	if err != nil {
		s.storeError(w, "tokens", err)
		return
	}
	out := make([]tokenOut, 0, len(toks))
	for _, t := range toks {
		out = append(out, tokenJSON(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

type tokenReq struct {
	Name  string `json:"name"`
	Admin bool   `json:"admin"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var req tokenReq
	if !s.decodeJSON(w, r, &req) {
		return
	}
	id := identityFrom(r.Context())
	if req.Admin && !id.Admin {
		writeError(w, http.StatusForbidden, "forbidden", "only an admin token can create admin tokens")
		return
	}
	s.issueToken(w, r, id.TenantID, req)
}

func (s *Server) issueToken(w http.ResponseWriter, r *http.Request, tenantID string, req tokenReq) {
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len(req.Name) > 100 {
		writeError(w, http.StatusBadRequest, "invalid", "a token needs a name of 1-100 bytes")
		return
	}
	t, plain, err := s.cfg.Store.CreateToken(r.Context(), tenantID, req.Name, req.Admin)
	if err != nil {
		s.storeError(w, "token", err)
		return
	}
	out := tokenJSON(t)
	out.Token = plain
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Store.RevokeToken(r.Context(), identityFrom(r.Context()).TenantID, r.PathValue("id")); err != nil {
		s.storeError(w, "token", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type recordingOut struct {
	ID        string    `json:"id"`
	Keywords  []string  `json:"keywords"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

func recordingJSON(rec store.Recording) recordingOut {
	return recordingOut{ID: rec.ID, Keywords: rec.Keywords, Start: rec.Start, End: rec.End, Status: string(rec.Status), CreatedAt: rec.CreatedAt}
}

// MaxRecordingKeywords limits the keywords of one recording.
const MaxRecordingKeywords = 50

func (s *Server) createRecording(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Keywords []string  `json:"keywords"`
		Start    time.Time `json:"start"`
		End      time.Time `json:"end"`
	}
	if !s.decodeJSON(w, r, &req) {
		return
	}
	now := s.cfg.Now()
	switch {
	case len(req.Keywords) == 0:
		writeError(w, http.StatusBadRequest, "no_keywords", "a recording needs at least one keyword")
		return
	case len(req.Keywords) > MaxRecordingKeywords:
		writeError(w, http.StatusBadRequest, "too_many_keywords", fmt.Sprintf("a recording takes at most %d keywords", MaxRecordingKeywords))
		return
	case req.Start.IsZero() || req.End.IsZero():
		writeError(w, http.StatusBadRequest, "missing_time", "give both start and end, as RFC 3339 times (2026-11-21T18:00:00Z)")
		return
	case !req.End.After(req.Start):
		writeError(w, http.StatusBadRequest, "end_before_start", "the end must be after the start")
		return
	case req.Start.Before(now.Add(-s.cfg.RecordingGrace)):
		writeError(w, http.StatusBadRequest, "start_in_past", fmt.Sprintf("the start is in the past (more than %s ago); pick a time from now on", s.cfg.RecordingGrace))
		return
	case req.End.Sub(req.Start) > 31*24*time.Hour:
		writeError(w, http.StatusBadRequest, "too_long", "a recording may last at most 31 days")
		return
	}
	kws := make([]string, 0, len(req.Keywords))
	for _, k := range req.Keywords {
		n, err := NormalizeKeyword(k)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_keyword", err.Error())
			return
		}
		kws = append(kws, n)
	}
	rec, err := s.cfg.Store.CreateRecording(r.Context(), identityFrom(r.Context()).TenantID, kws, req.Start.UTC(), req.End.UTC())
	if err != nil {
		s.storeError(w, "recording", err)
		return
	}
	writeJSON(w, http.StatusCreated, recordingJSON(rec))
}

func (s *Server) listRecordings(w http.ResponseWriter, r *http.Request) {
	recs, err := s.cfg.Store.ListRecordings(r.Context(), identityFrom(r.Context()).TenantID)
	if err != nil {
		s.storeError(w, "recordings", err)
		return
	}
	out := make([]recordingOut, 0, len(recs))
	for _, rec := range recs {
		out = append(out, recordingJSON(rec))
	}
	writeJSON(w, http.StatusOK, map[string]any{"recordings": out})
}

type windowOut struct {
	Keyword  string          `json:"keyword"`
	Start    time.Time       `json:"start"`
	End      time.Time       `json:"end"`
	Count    int64           `json:"count"`
	Mean     float64         `json:"mean"`
	Variance float64         `json:"variance"`
	StdDev   float64         `json:"stddev"`
	Q25      float64         `json:"q25"`
	Median   float64         `json:"median"`
	Q75      float64         `json:"q75"`
	Min      float64         `json:"min"`
	Max      float64         `json:"max"`
	Labels   any             `json:"labels"`
	Samples  json.RawMessage `json:"samples,omitempty"`
}

func (s *Server) getRecording(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tenant := identityFrom(ctx).TenantID
	rec, err := s.cfg.Store.GetRecording(ctx, tenant, r.PathValue("id"))
	if err != nil {
		s.storeError(w, "recording", err)
		return
	}
	wins, err := s.cfg.Store.RecordingWindows(ctx, tenant, rec.ID, r.URL.Query().Get("keyword"))
	if err != nil {
		s.storeError(w, "recording", err)
		return
	}
	out := make([]windowOut, 0, len(wins))
	for _, wn := range wins {
		st := wn.Stats
		out = append(out, windowOut{Keyword: wn.Keyword, Start: wn.Start, End: wn.End, Count: st.Count,
			Mean: st.Mean, Variance: st.Variance, StdDev: st.StdDev, Q25: st.Q25, Median: st.Median, Q75: st.Q75,
			Min: st.Min, Max: st.Max, Labels: st.Labels, Samples: wn.Samples})
	}
	writeJSON(w, http.StatusOK, map[string]any{"recording": recordingJSON(rec), "windows": out})
}

func (s *Server) deleteRecording(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Store.DeleteRecording(r.Context(), identityFrom(r.Context()).TenantID, r.PathValue("id")); err != nil {
		s.storeError(w, "recording", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type postOut struct {
	ID        string    `json:"id"`
	Source    string    `json:"source"`
	Keywords  []string  `json:"keywords"`
	Text      string    `json:"text"`
	Lang      string    `json:"lang"`
	CreatedAt time.Time `json:"created_at"`
	Author    string    `json:"author"`
	URL       string    `json:"url"`
	Label     string    `json:"label"`
	Positive  float64   `json:"positive"`
	Negative  float64   `json:"negative"`
	Neutral   float64   `json:"neutral"`
	Mixed     float64   `json:"mixed"`
	Score     float64   `json:"score"`
	Polarity  float64   `json:"polarity"`
}

func (s *Server) recordingPosts(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	pq := store.PostQuery{Text: q.Get("q"), Keyword: q.Get("keyword"), After: q.Get("after")}
	if l := q.Get("label"); l != "" {
		lab, err := sentiment.ParseLabel(l)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_label", err.Error())
			return
		}
		pq.Label = lab
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		writeError(w, http.StatusBadRequest, "bad_format", "format is json or csv")
		return
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > store.MaxLimit {
			writeError(w, http.StatusBadRequest, "bad_limit", fmt.Sprintf("limit is a number from 1 to %d", store.MaxLimit))
			return
		}
		pq.Limit = n
	}
	tenant := identityFrom(ctx).TenantID
	id := r.PathValue("id")
	if _, err := s.cfg.Store.GetRecording(ctx, tenant, id); err != nil {
		s.storeError(w, "recording", err)
		return
	}
	if format == "csv" {
		s.recordingCSV(w, r, tenant, id, pq)
		return
	}
	page, err := s.cfg.Store.RecordingPosts(ctx, tenant, id, pq)
	if err != nil {
		if errors.Is(err, store.ErrInvalid) {
			writeError(w, http.StatusBadRequest, "bad_cursor", "the 'after' cursor is not valid; start again without it")
			return
		}
		s.storeError(w, "recording", err)
		return
	}
	out := make([]postOut, 0, len(page.Posts))
	for _, p := range page.Posts {
		out = append(out, postJSON(p))
	}
	writeJSON(w, http.StatusOK, map[string]any{"posts": out, "next": page.Next})
}

func postJSON(p store.RecordedPost) postOut {
	kw := p.Post.Keywords
	if kw == nil {
		kw = []string{}
	}
	return postOut{ID: p.Post.ID, Source: p.Post.Source, Keywords: kw, Text: p.Post.Text, Lang: p.Post.Lang,
		CreatedAt: p.Post.CreatedAt, Author: p.Post.Author.Handle, URL: p.Post.URL, Label: string(p.Result.Label),
		Positive: p.Result.Positive, Negative: p.Result.Negative, Neutral: p.Result.Neutral, Mixed: p.Result.Mixed,
		Score: p.Result.Score, Polarity: p.Result.Polarity}
}

// recordingCSV streams every matching post (all pages) as CSV.
func (s *Server) recordingCSV(w http.ResponseWriter, r *http.Request, tenant, id string, pq store.PostQuery) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="recording-%s.csv"`, id))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "source", "created_at", "author", "lang", "keywords", "label", "positive", "negative", "neutral", "mixed", "score", "polarity", "url", "text"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	pq.Limit = store.MaxLimit
	for {
		page, err := s.cfg.Store.RecordingPosts(r.Context(), tenant, id, pq)
		if err != nil {
			s.log.Error("csv export", slog.String("recording", id), slog.Any("err", err))
			return // the status is sent; a cut CSV is the best we can do
		}
		for _, p := range page.Posts {
			o := postJSON(p)
			_ = cw.Write([]string{o.ID, o.Source, o.CreatedAt.UTC().Format(time.RFC3339Nano), o.Author, o.Lang,
				strings.Join(o.Keywords, " "), o.Label, f(o.Positive), f(o.Negative), f(o.Neutral), f(o.Mixed),
				f(o.Score), f(o.Polarity), o.URL, o.Text})
		}
		cw.Flush()
		if page.Next == "" || cw.Error() != nil {
			return
		}
		pq.After = page.Next
	}
}

type logOut struct {
	ID       int64           `json:"id"`
	Service  string          `json:"service"`
	Instance string          `json:"instance"`
	Time     time.Time       `json:"time"`
	Level    string          `json:"level"`
	Message  string          `json:"message"`
	Attrs    json.RawMessage `json:"attrs,omitempty"`
}

func (s *Server) queryLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lq := store.LogQuery{Service: q.Get("service"), Instance: q.Get("instance"), Q: q.Get("q")}
	if l := q.Get("level"); l != "" {
		var lv slog.Level
		if err := lv.UnmarshalText([]byte(l)); err != nil {
			writeError(w, http.StatusBadRequest, "bad_level", "level is debug, info, warn or error")
			return
		}
		lq.MinLevel = &lv
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &lq.Since}, {"until", &lq.Until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_time", p.name+" is an RFC 3339 time, e.g. 2026-11-21T18:00:00Z")
				return
			}
			*p.dst = t
		}
	}
	for _, p := range []struct {
		name string
		dst  *int64
		max  int64
	}{{"after", &lq.After, 1 << 62}, {"before", &lq.Before, 1 << 62}, {"limit", nil, store.MaxLimit}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > p.max {
			writeError(w, http.StatusBadRequest, "bad_"+p.name, p.name+" is a non-negative number")
			return
		}
		if p.dst != nil {
			*p.dst = n
		} else {
			lq.Limit = int(n)
		}
	}
	entries, err := s.cfg.Store.QueryLogs(r.Context(), identityFrom(r.Context()).TenantID, lq)
	if err != nil {
		s.storeError(w, "logs", err)
		return
	}
	out := make([]logOut, 0, len(entries))
	for _, e := range entries {
		out = append(out, logOut{ID: e.ID, Service: e.Service, Instance: e.Instance, Time: e.Time,
			Level: strings.ToLower(e.Level.String()), Message: e.Message, Attrs: e.Attrs})
	}
	writeJSON(w, http.StatusOK, map[string]any{"logs": out})
}

func (s *Server) listTenants(w http.ResponseWriter, r *http.Request) {
	ts, err := s.cfg.Store.ListTenants(r.Context())
	if err != nil {
		s.storeError(w, "tenants", err)
		return
	}
	out := make([]tenantOut, 0, len(ts))
	for _, t := range ts {
		out = append(out, tenantJSON(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenants": out})
}

func (s *Server) createTenant(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name      string `json:"name"`
		SourceURL string `json:"source_url"`
	}
	if !s.decodeJSON(w, r, &req) {
		return
	}
	if err := validateSourceURL(req.SourceURL); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	t, err := s.cfg.Store.CreateTenant(r.Context(), strings.TrimSpace(req.Name), req.SourceURL)
	if err != nil {
		s.storeError(w, "tenant", err)
		return
	}
	writeJSON(w, http.StatusCreated, tenantJSON(t))
}

func (s *Server) createTenantToken(w http.ResponseWriter, r *http.Request) {
	var req tokenReq
	if !s.decodeJSON(w, r, &req) {
		return
	}
	t, err := s.cfg.Store.GetTenant(r.Context(), r.PathValue("id"))
	if err != nil {
		s.storeError(w, "tenant", err)
		return
	}
	s.issueToken(w, r, t.ID, req)
}

// NormalizeKeyword checks and normalizes one keyword as tracking does.
func NormalizeKeyword(k string) (string, error) { return match.Normalize(k) }
