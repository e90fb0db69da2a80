package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tsaproject/tsa/internal/coord"
	"github.com/tsaproject/tsa/internal/coord/mem"
	"github.com/tsaproject/tsa/internal/coord/redis"
	"github.com/tsaproject/tsa/internal/logs"
	"github.com/tsaproject/tsa/internal/recorder"
	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/server"
	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/source/x"
	"github.com/tsaproject/tsa/internal/store"
	"github.com/tsaproject/tsa/internal/track"
	"github.com/tsaproject/tsa/web"
)

func init() {
	commands["serve"] = command{"run the live service: API, websocket, dashboard, tracking, recordings", runServe}
}

type serveFlags struct {
	addr, data, storeURL, coordURL, sourceURL, analyzer, origins, roles string
	pprof                                                               string
	window, grace, shutdown, logRetention                               time.Duration
	logStore, secureCookies                                             bool
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "",
		"Runs TSA: the REST API under /api/, the websocket at /ws, the dashboard at /, /metrics, /healthz,\n"+
			"/readyz; live tracking of keywords for every tenant; recordings on schedule.\n"+
			"With no flags it keeps everything in ./data (SQLite), coordinates in process and reads the\n"+
			"synthetic source.")
	var f serveFlags
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&f.data, "data", "data", "data directory (database, secret key, admin token)")
	fs.StringVar(&f.storeURL, "store", "", "store URL: sqlite://PATH (default sqlite://DATA/tsa.db) or postgres://USER@HOST:PORT/DB")
	fs.StringVar(&f.coordURL, "coord", "mem://", "coordinator URL: mem:// (in process) or redis://HOST:PORT/DB")
	fs.StringVar(&f.sourceURL, "source", "synth://?rate=200", "source of tenants without their own: synth://, file://PATH")
	fs.StringVar(&f.analyzer, "analyzer", sentiment.Default, "analyzer: "+analyzerHelp())
	fs.DurationVar(&f.window, "window", 3*time.Second, "window length (at least 250ms)")
	fs.DurationVar(&f.grace, "stream-grace", 30*time.Second, "how long a tenant's stream outlives its last viewer")
	fs.DurationVar(&f.shutdown, "shutdown-timeout", 15*time.Second, "how long a graceful shutdown may take")
	fs.StringVar(&f.origins, "origins", "", "extra allowed websocket Origin hosts, comma-separated (same host is always allowed)")
	fs.StringVar(&f.roles, "roles", "all", "roles this process plays: all (stream, web and record)")
	fs.BoolVar(&f.logStore, "log-store", true, "also store this process's logs (GET /api/logs, service tsa)")
	fs.DurationVar(&f.logRetention, "log-retention", 7*24*time.Hour, "delete stored logs older than this, checked hourly (0 keeps them all)")
	fs.BoolVar(&f.secureCookies, "secure-cookies", false, "mark the session cookie Secure (serve behind TLS)")
	fs.StringVar(&f.pprof, "pprof", "", "serve net/http/pprof on this loopback address (profiling; off when empty)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if f.roles != "all" {
		return fmt.Errorf("--roles %q: only 'all' is available until the scale-out backends land", f.roles)
	}
	if f.window < track.MinWindow {
		return fmt.Errorf("--window %s: at least %s", f.window, track.MinWindow)
	}
	return serve(ctx, e, f)
}

func serve(ctx context.Context, e *env, f serveFlags) error {
	stderrLog := slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	log := slog.New(stderrLog)

	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	st, err := openStore(ctx, f.data, f.storeURL)
	if err != nil {
		return err
	}
	defer st.Close()
	def, err := st.EnsureDefaultTenant(ctx)
	if err != nil {
		return fmt.Errorf("default tenant: %w", err)
	}
	instance := logs.NewInstanceID()
	var logWriter *logs.Writer
	if f.logStore {
		logWriter = logs.NewWriter(st, 0)
		log = slog.New(logs.NewHandler(stderrLog, logWriter, def.ID, "tsa", instance))
	}
	log.Info("starting", slog.String("instance", instance), slog.String("addr", f.addr), slog.String("data", f.data))
	if err := ensureAdminToken(ctx, e, st, def, f.data, log); err != nil {
		return err
	}

	co, err := openCoord(ctx, f.coordURL)
	if err != nil {
		return err
	}
	defer co.Close()
	analyzer, err := sentiment.Open(f.analyzer)
	if err != nil {
		return err
	}
	defer closeAnalyzer(analyzer)

	metrics := server.NewMetrics()
	storeWrites := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tsa_store_write_seconds", Help: "Duration of batched store writes by kind.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	}, []string{"kind"})
	metrics.Registry.MustRegister(storeWrites)

	rec := recorder.New(recorder.Config{
		Store: st, PubSub: co, Topic: server.WindowTopic, Logger: log,
		OnWrite: func(kind string, _ int, d time.Duration, _ error) {
			storeWrites.WithLabelValues(kind).Observe(d.Seconds())
		},
	})
	engine, err := track.New(track.Config{
		OpenStream: func(tenant string) (source.Stream, error) {
			return openTenantStream(ctx, st, tenant, f.sourceURL, e.getenv, log)
		},
		Analyzer:  analyzer,
		Publisher: windowPublisher{co},
		Posts:     rec,
		Logger:    log,
		Window:    f.window,
		Grace:     f.grace,
	})
	if err != nil {
		return err
	}
	tracker := trackerAdapter{engine}
	rec.SetTracker(tracker)
	registerTrackMetrics(metrics.Registry, engine)
	registerSourceMetrics(metrics.Registry, engine)

	var origins []string
	for _, o := range strings.Split(f.origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	hub := server.NewHub(server.HubConfig{OriginPatterns: origins}, tracker, co, log, metrics)
	srv := server.New(server.Config{
		Store: st, Tracker: tracker, Hub: hub, Metrics: metrics, Logger: log,
		Status:        func(tenant string) any { return engine.Status(tenant) },
		SourceChanged: engine.Reopen,
		Ready:         func(ctx context.Context) error { _, err := st.GetTenant(ctx, def.ID); return err },
		Assets:        web.Handler(),
		SecureCookies: f.secureCookies,
	})

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(e.stderr, "tsa: serving on http://%s/ (data in %s)\n", ln.Addr(), f.data)
	if f.pprof != "" {
		stop, err := servePprof(f.pprof, log)
		if err != nil {
			return err
		}
		defer stop()
	}

	// Everything below stops in reverse order: HTTP first (no new
	// clients), then the hub, tracking, the recorder (which writes what it
	// holds), then logs and the store.
	runCtx, stopRun := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	goRun := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	goRun("hub", hub.Run)
	goRun("tracking", engine.Run)
	goRun("keyword mirror", func(ctx context.Context) error { return mirrorKeywords(ctx, st, engine, 5*time.Second, log) })
	if f.logRetention > 0 {
		goRun("log retention", func(ctx context.Context) error { return pruneLogs(ctx, st, f.logRetention, time.Hour, log) })
	}
	recCtx, stopRec := context.WithCancel(context.Background())
	recDone := make(chan struct{})
	go func() {
		defer close(recDone)
		if err := rec.Run(recCtx); err != nil {
			errc <- fmt.Errorf("recorder: %w", err)
		}
	}()
	go func() {
		if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case runErr = <-errc:
		log.Error("stopping after a failure", slog.Any("err", runErr))
	}
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdown)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", slog.Any("err", err))
	}
	stopRun()
	engine.Close()
	wg.Wait()
	stopRec()
	<-recDone
	log.Info("stopped")
	if logWriter != nil {
		if err := logWriter.Close(sctx); err != nil {
			fmt.Fprintf(e.stderr, "tsa: storing the last logs: %v\n", err)
		}
	}
	return runErr
}

// servePprof serves net/http/pprof on its own listener, which must be a
// loopback address: profiles reveal internals and are never on the API port.
func servePprof(addr string, log *slog.Logger) (func(), error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("--pprof %q: want a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("pprof listening", slog.String("addr", ln.Addr().String()))
	return func() { _ = srv.Close() }, nil
}

func openStore(ctx context.Context, dataDir, storeURL string) (store.Store, error) {
	return openStoreURL(ctx, dataDir, storeURL)
}

func openCoord(ctx context.Context, u string) (coord.Coordinator, error) {
	switch {
	case u == "" || strings.HasPrefix(u, "mem://"):
		return mem.New(0), nil
	case strings.HasPrefix(u, "redis://"), strings.HasPrefix(u, "rediss://"), strings.HasPrefix(u, "unix://"):
		c, err := redis.Open(ctx, u, redis.Options{})
		if err != nil {
			return nil, fmt.Errorf("--coord: %w", err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("--coord %q: want mem:// or redis://HOST:PORT/DB", u)
}

// openTenantStream opens the tenant's own source, or the server's default,
// with the tenant's credentials and a place to keep its cursor.
func openTenantStream(ctx context.Context, st store.Store, tenant, defaultURL string, getenv func(string) string, log *slog.Logger) (source.Stream, error) {
	t, err := st.GetTenant(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w", tenant, err)
	}
	u := t.SourceURL
	if u == "" {
		u = defaultURL
	}
	creds, err := st.TenantCredentials(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("tenant %s credentials: %w", tenant, err)
	}
	// TSA_X_BEARER_TOKEN is the default tenant's X token, and only its.
	if tok := getenv(x.EnvToken); tenant == store.DefaultTenant && tok != "" && creds["bearer_token"] == "" {
		if creds == nil {
			creds = map[string]string{}
		}
		creds["bearer_token"] = tok
	}
	return source.Open(u, source.Options{
		Logger:      log.With(slog.String("tenant", tenant)),
		Credentials: creds,
		State:       sourceState{st, tenant},
	})
}

type sourceState struct {
	st     store.Store
	tenant string
}

func (s sourceState) Get(ctx context.Context, key string) (string, error) {
	v, err := s.st.GetSourceState(ctx, s.tenant, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return v, err
}

func (s sourceState) Put(ctx context.Context, key, value string) error {
	return s.st.PutSourceState(ctx, s.tenant, key, value)
}

// ensureAdminToken gives a fresh installation a way in: an admin token for
// the default tenant, printed once and kept in DATA/admin-token (mode 0600).
func ensureAdminToken(ctx context.Context, e *env, st store.Store, def store.Tenant, dataDir string, log *slog.Logger) error {
	path := filepath.Join(dataDir, "admin-token")
	toks, err := st.ListTokens(ctx, def.ID)
	if err != nil {
		return fmt.Errorf("tokens: %w", err)
	}
	if len(toks) > 0 {
		if _, err := os.Stat(path); err == nil {
			fmt.Fprintf(e.stderr, "tsa: sign in with the token in %s\n", path)
		}
		return nil
	}
	_, plain, err := st.CreateToken(ctx, def.ID, "admin (first start)", true)
	if err != nil {
		return fmt.Errorf("create admin token: %w", err)
	}
	if err := os.WriteFile(path, []byte(plain+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	log.Info("created an admin token for the default tenant", slog.String("file", path))
	fmt.Fprintf(e.stderr, "tsa: first start: admin token for the default tenant (also in %s):\n%s\n", path, plain)
	return nil
}

// mirrorKeywords keeps the store's copy of what each tenant tracks in step
// with the engine, so operators (and a restarted process) can see it.
func mirrorKeywords(ctx context.Context, st store.Store, engine *track.Engine, every time.Duration, log *slog.Logger) error {
	saved := map[string]string{}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		tenants, err := st.ListTenants(ctx)
		if err != nil {
			log.Warn("keyword mirror: list tenants", slog.Any("err", err))
			continue
		}
		for _, ten := range tenants {
			kws := engine.Keywords(ten.ID)
			key := strings.Join(kws, "\x00")
			if prev, ok := saved[ten.ID]; ok && prev == key {
				continue
			}
			if err := st.SetTenantKeywords(ctx, ten.ID, kws); err != nil {
				log.Warn("keyword mirror", slog.String("tenant", ten.ID), slog.Any("err", err))
				continue
			}
			saved[ten.ID] = key
		}
	}
}

// pruneLogs deletes stored logs older than keep, now and then every interval.
func pruneLogs(ctx context.Context, st store.Store, keep, every time.Duration, log *slog.Logger) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := st.PruneLogs(ctx, time.Now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("log retention", slog.Any("err", err))
		case n > 0:
			log.Info("log retention: deleted old log entries", slog.Int64("entries", n), slog.Duration("older_than", keep))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
