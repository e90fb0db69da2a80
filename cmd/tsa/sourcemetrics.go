package main

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/track"
)

// registerSourceMetrics exports the Counters of every tenant's running
// stream. Counts start again when a stream is reopened (after a failure
// or a change of settings), which Prometheus reads as a counter reset.
func registerSourceMetrics(r *prometheus.Registry, e *track.Engine) {
	r.MustRegister(sourceCollector{e})
}

type sourceCollector struct{ e *track.Engine }

var (
	sourceLabels   = []string{"tenant", "source"}
	descConnected  = prometheus.NewDesc("tsa_source_connected", "1 while the tenant's stream is connected to its upstream.", sourceLabels, nil)
	descReconnects = prometheus.NewDesc("tsa_source_reconnects_total", "Reconnects of the tenant's stream to its upstream.", sourceLabels, nil)
	descSrcPosts   = prometheus.NewDesc("tsa_source_posts_total", "Posts the tenant's stream delivered.", sourceLabels, nil)
	descBytes      = prometheus.NewDesc("tsa_source_bytes_total", "Bytes the tenant's stream read from its upstream.", sourceLabels, nil)
	descGaps       = prometheus.NewDesc("tsa_source_gaps_filled_total", "Outages of the tenant's stream filled by search.", sourceLabels, nil)
	descDups       = prometheus.NewDesc("tsa_source_duplicates_dropped_total", "Posts the tenant's stream dropped as already delivered.", sourceLabels, nil)
	descLastError  = prometheus.NewDesc("tsa_source_last_error_info", "The last error of the tenant's stream, in the error label.", append(sourceLabels, "error"), nil)
)

func (sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConnected, descReconnects, descSrcPosts, descBytes, descGaps, descDups, descLastError} {
		ch <- d
	}
}

func (c sourceCollector) Collect(ch chan<- prometheus.Metric) {
	c.e.Streams(func(tenant string, s source.Stream) {
		r, ok := s.(source.CounterReporter)
		if !ok {
			return
		}
		m := r.Counters()
		connected := 0.0
		if m.Connected {
			connected = 1
		}
		ch <- prometheus.MustNewConstMetric(descConnected, prometheus.GaugeValue, connected, tenant, m.Source)
		ch <- prometheus.MustNewConstMetric(descReconnects, prometheus.CounterValue, float64(m.Reconnects), tenant, m.Source)
		ch <- prometheus.MustNewConstMetric(descSrcPosts, prometheus.CounterValue, float64(m.Posts), tenant, m.Source)
		for _, v := range []struct {
			d *prometheus.Desc
			n int64
		}{{descBytes, m.Bytes}, {descGaps, m.GapsFilled}, {descDups, m.Duplicates}} {
			if v.n != source.NotCounted {
				ch <- prometheus.MustNewConstMetric(v.d, prometheus.CounterValue, float64(v.n), tenant, m.Source)
			}
		}
		if m.LastError != "" {
			ch <- prometheus.MustNewConstMetric(descLastError, prometheus.GaugeValue, 1, tenant, m.Source, errorLabel(m.LastError))
		}
	})
}

// maxErrorLabel bounds the error label, in bytes.
const maxErrorLabel = 200

var (
	// Sources never put credentials in errors; these catch a token that
	// slips in anyway, in a header, a query parameter or a URL.
	reBearer   = regexp.MustCompile(`(?i)\bbearer\s+[^\s"',;]+`)
	reSecret   = regexp.MustCompile(`(?i)\b([a-z_]*(?:token|password|passwd|secret|key|auth)[a-z_]*=)[^&\s"',;]+`)
	reUserinfo = regexp.MustCompile(`(://)[^/@\s"']+@`)
)

// errorLabel is a source error fit for a label: credentials redacted,
// valid UTF-8, one line, at most maxErrorLabel bytes.
func errorLabel(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = reBearer.ReplaceAllString(s, "Bearer [redacted]")
	s = reSecret.ReplaceAllString(s, "${1}[redacted]")
	s = reUserinfo.ReplaceAllString(s, "${1}[redacted]@")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxErrorLabel {
		cut := maxErrorLabel
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}
