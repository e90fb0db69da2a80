// Package server is TSA's HTTP face: the REST API under /api/, the websocket
// at /ws, the dashboard at /, /metrics, /healthz and /readyz.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config wires a server.
type Config struct {
	Store   Store
	Tracker Tracker
	Hub     *Hub
	Metrics *Metrics
	Logger  *slog.Logger
	// Status reports a tenant's upstream source health.
	Status func(tenant string) any
	// SourceChanged is told when a tenant's source or credentials change,
	// so its stream can reopen with them; may be nil.
	SourceChanged func(tenant string)
	// Ready reports whether the process can serve (store reachable...).
	Ready func(ctx context.Context) error
	// Assets serves the dashboard; nil serves a page saying how to build it.
	Assets http.Handler
	// MaxBodyBytes limits request bodies (default 1 MiB).
	MaxBodyBytes int64
	// SecureCookies marks the session cookie Secure (behind TLS).
	SecureCookies bool
	// SessionTTL is how long a dashboard session lasts (default 7 days).
	SessionTTL time.Duration
	// RecordingGrace is how far in the past a recording may start (default 1 min).
	RecordingGrace time.Duration
	// Now is the clock (tests).
	Now func() time.Time
}

// Server handles every HTTP route.
type Server struct {
	cfg Config
	mux *http.ServeMux
	log *slog.Logger
}

// New builds the server's routes.
func New(cfg Config) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 7 * 24 * time.Hour
	}
	if cfg.RecordingGrace <= 0 {
		cfg.RecordingGrace = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), log: cfg.Logger}
	s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	m.HandleFunc("GET /readyz", s.readyz)
	m.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Metrics.Registry, promhttp.HandlerOpts{}))
	m.HandleFunc("GET /api/openapi.json", serveOpenAPI)

	m.HandleFunc("POST /api/session", s.route("session", s.createSession))
	m.HandleFunc("DELETE /api/session", s.route("session", s.auth(s.deleteSession)))
	m.HandleFunc("GET /api/me", s.route("me", s.auth(s.me)))

	m.HandleFunc("GET /api/tenant", s.route("tenant", s.auth(s.getTenant)))
	m.HandleFunc("PUT /api/tenant/source", s.route("tenant", s.auth(s.putSource)))
	m.HandleFunc("GET /api/tokens", s.route("tokens", s.auth(s.listTokens)))
	m.HandleFunc("POST /api/tokens", s.route("tokens", s.auth(s.createToken)))
	m.HandleFunc("DELETE /api/tokens/{id}", s.route("tokens", s.auth(s.revokeToken)))

	m.HandleFunc("GET /api/recordings", s.route("recordings", s.auth(s.listRecordings)))
	m.HandleFunc("POST /api/recordings", s.route("recordings", s.auth(s.createRecording)))
	m.HandleFunc("GET /api/recordings/{id}", s.route("recording", s.auth(s.getRecording)))
	m.HandleFunc("DELETE /api/recordings/{id}", s.route("recording", s.auth(s.deleteRecording)))
	m.HandleFunc("GET /api/recordings/{id}/posts", s.route("recording_posts", s.auth(s.recordingPosts)))

	m.HandleFunc("GET /api/logs", s.route("logs", s.auth(s.queryLogs)))

	m.HandleFunc("GET /api/admin/tenants", s.route("admin", s.auth(s.admin(s.listTenants))))
	m.HandleFunc("POST /api/admin/tenants", s.route("admin", s.auth(s.admin(s.createTenant))))
	m.HandleFunc("POST /api/admin/tenants/{id}/tokens", s.route("admin", s.auth(s.admin(s.createTenantToken))))

	m.HandleFunc("/api/", s.route("unknown", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such API endpoint: "+r.Method+" "+r.URL.Path)
	}))
	m.HandleFunc("GET /ws", s.auth(func(w http.ResponseWriter, r *http.Request) {
		s.cfg.Hub.ServeWS(w, r, identityFrom(r.Context()).TenantID)
	}))
	if s.cfg.Assets != nil {
		m.Handle("/", s.cfg.Assets)
	} else {
		m.HandleFunc("/", noAssets)
	}
}

// route counts requests by route and status class.
func (s *Server) route(name string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h(rec, r)
		s.cfg.Metrics.requests.WithLabelValues(name, fmt.Sprintf("%dxx", rec.code/100)).Inc()
	}
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			writeError(w, http.StatusServiceUnavailable, "not_ready", err.Error())
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func noAssets(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, `<!doctype html><title>TSA</title><h1>TSA is running</h1>
<p>This binary was built without the dashboard. Build it with <code>make assets build</code>
(needs Node and npm), or use the API: see <a href="/api/openapi.json">/api/openapi.json</a>.</p>`)
}

// apiError is the body of every error response.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e apiError
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// decodeJSON reads a JSON body into v strictly: a size limit, valid UTF-8,
// no unknown fields, one object only. It writes the 4xx itself and returns
// false on bad input.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, "bad_content_type", "send the body as application/json")
			return false
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("request body is larger than %d bytes", mbe.Limit))
			return false
		}
		writeError(w, http.StatusBadRequest, "bad_body", "could not read the request body")
		return false
	}
	if !utf8.Valid(body) {
		writeError(w, http.StatusBadRequest, "bad_utf8", "request body is not valid UTF-8")
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad_json", "request body is not the expected JSON: "+err.Error())
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "bad_json", "request body holds more than one JSON value")
		return false
	}
	return true
}
