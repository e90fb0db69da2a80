package logs

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"

	"github.com/tsaproject/tsa/internal/store"
)

// Handler tees records: to next (stderr JSON) and into a Writer for the
// store, under one tenant, service and instance.
type Handler struct {
	next     slog.Handler
	w        *Writer
	tenant   string
	service  string
	instance string
	attrs    []slog.Attr
	groups   []string
}

// NewHandler wraps next so every record is also stored.
func NewHandler(next slog.Handler, w *Writer, tenant, service, instance string) *Handler {
	return &Handler{next: next, w: w, tenant: tenant, service: service, instance: instance}
}

func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	err := h.next.Handle(ctx, r)
	attrs := map[string]any{}
	for _, a := range h.attrs {
		put(attrs, a.Key, a.Value)
	}
	prefix := h.prefix()
	r.Attrs(func(a slog.Attr) bool {
		put(attrs, prefix+a.Key, a.Value)
		return true
	})
	e := store.LogEntry{TenantID: h.tenant, Service: h.service, Instance: h.instance, Time: r.Time, Level: r.Level, Message: r.Message}
	if len(attrs) > 0 {
		if b, jerr := json.Marshal(attrs); jerr == nil {
			e.Attrs = b
		}
	}
	h.w.Add(e)
	return err
}

func put(m map[string]any, key string, v slog.Value) {
	v = v.Resolve()
	if e, ok := v.Any().(error); ok {
		m[key] = e.Error()
	} else {
		m[key] = v.Any()
	}
}

func (h *Handler) prefix() string {
	if len(h.groups) == 0 {
		return ""
	}
	return strings.Join(h.groups, ".") + "."
}

// WithAttrs keeps the attributes with the group prefix in force now, as
// slog's own handlers do.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(as)
	c.attrs = append([]slog.Attr(nil), h.attrs...)
	p := h.prefix()
	for _, a := range as {
		c.attrs = append(c.attrs, slog.Attr{Key: p + a.Key, Value: a.Value})
	}
	return &c
}

func (h *Handler) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	c.groups = append(append([]string(nil), h.groups...), name)
	return &c
}
