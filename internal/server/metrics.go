package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the server's Prometheus metrics. Other parts (tracking, the
// recorder) register theirs on Registry.
type Metrics struct {
	Registry *prometheus.Registry

	wsClients  prometheus.Gauge
	wsMessages prometheus.Counter
	dropped    prometheus.Counter
	requests   *prometheus.CounterVec
}

// NewMetrics makes a registry with the Go and process collectors and the
// server's own metrics.
func NewMetrics() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: r,
		wsClients: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tsa_websocket_clients", Help: "Websocket clients connected.",
		}),
		wsMessages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tsa_websocket_messages_sent_total", Help: "Messages written to websocket clients (windows, history, replies).",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tsa_websocket_messages_dropped_total", Help: "Messages dropped because a client's queue was full.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tsa_http_requests_total", Help: "HTTP requests by route and status class.",
		}, []string{"route", "code"}),
	}
	r.MustRegister(m.wsClients, m.wsMessages, m.dropped, m.requests)
	return m
}
