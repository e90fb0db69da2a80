package track

import (
	"slices"
	"strings"

	"github.com/tsaproject/tsa/internal/source"
)

// Streams calls fn with each tenant's running stream, by tenant name, for
// monitoring. fn runs with no lock held and must not keep the stream.
func (e *Engine) Streams(fn func(tenant string, s source.Stream)) {
	e.mu.Lock()
	ts := make([]*tenant, 0, len(e.tenants))
	for _, t := range e.tenants {
		ts = append(ts, t)
	}
	e.mu.Unlock()
	slices.SortFunc(ts, func(a, b *tenant) int { return strings.Compare(a.name, b.name) })
	for _, t := range ts {
		t.mu.Lock()
		s := t.stream
		t.mu.Unlock()
		if s != nil {
			fn(t.name, s)
		}
	}
}
