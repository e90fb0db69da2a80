package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tsaproject/tsa/internal/coord"
	"github.com/tsaproject/tsa/internal/secret"
	"github.com/tsaproject/tsa/internal/server"
	"github.com/tsaproject/tsa/internal/store"
	"github.com/tsaproject/tsa/internal/store/postgres"
	"github.com/tsaproject/tsa/internal/store/sqlite"
	"github.com/tsaproject/tsa/internal/track"

	// The sources built into the binary.
	_ "github.com/tsaproject/tsa/internal/source/bluesky"
	_ "github.com/tsaproject/tsa/internal/source/file"
	_ "github.com/tsaproject/tsa/internal/source/synth"
	_ "github.com/tsaproject/tsa/internal/source/x"
)

// openStoreURL opens the store a URL names; "" means SQLite in dataDir.
func openStoreURL(ctx context.Context, dataDir, u string) (store.Store, error) {
	box, err := secret.Load(dataDir)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if u == "" {
		u = "sqlite://" + filepath.Join(dataDir, "tsa.db")
	}
	switch {
	case strings.HasPrefix(u, "sqlite://"):
		st, err := sqlite.Open(ctx, u, store.Options{Secrets: box})
		if err != nil {
			return nil, err
		}
		return st, nil
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		st, err := postgres.Open(ctx, u, store.Options{Secrets: box})
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	return nil, fmt.Errorf("--store %q: want sqlite://PATH or postgres://USER@HOST:PORT/DB", u)
}

// windowPublisher sends each window, encoded once as the websocket message,
// to the pub/sub topic of its tenant and keyword.
type windowPublisher struct{ ps coord.PubSub }

func (p windowPublisher) PublishWindow(ctx context.Context, w track.Window) error {
	return p.ps.Publish(ctx, server.WindowTopic(w.Tenant, w.Keyword), w.AppendJSON(nil))
}

// trackerAdapter gives the hub and the recorder the engine with windows
// already encoded.
type trackerAdapter struct{ e *track.Engine }

func (t trackerAdapter) Subscribe(tenant, sub string, kws []string) ([]string, error) {
	return t.e.Subscribe(tenant, sub, kws)
}
func (t trackerAdapter) Unsubscribe(tenant, sub string) { t.e.Unsubscribe(tenant, sub) }
func (t trackerAdapter) History(tenant, keyword string, since time.Time) [][]byte {
	ws := t.e.Recent(tenant, keyword, since)
	out := make([][]byte, len(ws))
	for i := range ws {
		out[i] = ws[i].AppendJSON(nil)
	}
	return out
}

// registerTrackMetrics exports the engine's counters, read at scrape time.
func registerTrackMetrics(r *prometheus.Registry, e *track.Engine) {
	r.MustRegister(trackCollector{e})
}

type trackCollector struct{ e *track.Engine }

var (
	descPostsIn  = prometheus.NewDesc("tsa_posts_in_total", "Posts read from sources, by source.", []string{"source"}, nil)
	descMatched  = prometheus.NewDesc("tsa_posts_matched_total", "Posts that matched at least one tracked keyword.", nil, nil)
	descAnalysis = prometheus.NewDesc("tsa_analysis_seconds", "Analyzer latency per batch of matched posts.", nil, nil)
	descAnErr    = prometheus.NewDesc("tsa_analysis_errors_total", "Matched posts left unscored by a failing analyzer.", nil, nil)
	descWindows  = prometheus.NewDesc("tsa_windows_emitted_total", "Window results published.", nil, nil)
	descRestarts = prometheus.NewDesc("tsa_stream_restarts_total", "Upstream stream runs that failed and were retried.", nil, nil)
)

func (c trackCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPostsIn, descMatched, descAnalysis, descAnErr, descWindows, descRestarts} {
		ch <- d
	}
}

func (c trackCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.e.Metrics()
	for src, n := range m.PostsIn {
		ch <- prometheus.MustNewConstMetric(descPostsIn, prometheus.CounterValue, float64(n), src)
	}
	ch <- prometheus.MustNewConstMetric(descMatched, prometheus.CounterValue, float64(m.PostsMatched))
	ch <- prometheus.MustNewConstMetric(descAnErr, prometheus.CounterValue, float64(m.AnalysisErrors))
	ch <- prometheus.MustNewConstMetric(descWindows, prometheus.CounterValue, float64(m.WindowsEmitted))
	ch <- prometheus.MustNewConstMetric(descRestarts, prometheus.CounterValue, float64(m.StreamRestarts))
	ch <- prometheus.MustNewConstHistogram(descAnalysis, m.Analysis.Count, m.Analysis.Sum, m.Analysis.Buckets)
}
