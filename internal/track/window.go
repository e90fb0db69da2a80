package track

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/stats"
)

// Window is one keyword's statistics over one window of one tenant.
type Window struct {
	Tenant  string
	Keyword string
	// Start and End are in UTC. Start is a multiple of the window size;
	// End is Start plus the size, except for the partial window Close
	// flushes, and a longer window after missed ticks.
	Start, End time.Time
	stats.Stats
	// Samples are the most positive posts, most positive first, then the
	// most negative, most negative first. Shared: do not modify.
	Samples []Sample
}

// Sample is a post shown as an example of a window's sentiment.
type Sample struct {
	ID     string          `json:"id"`
	Text   string          `json:"text"`
	Author string          `json:"author"` // handle
	Label  sentiment.Label `json:"label"`
	Score  float64         `json:"score"` // polarity
	Link   string          `json:"link"`
}

// timeLayout is RFC 3339 with milliseconds, for UTC times.
const timeLayout = "2006-01-02T15:04:05.000Z"

// AppendJSON appends w as the websocket message
//
//	{"type":"window","keyword":…,"start":…,"end":…,"count":…,"mean":…,
//	 "variance":…,"stddev":…,"q25":…,"median":…,"q75":…,"min":…,"max":…,
//	 "labels":{"positive":…,"negative":…,"neutral":…,"mixed":…,"unscored":…},
//	 "samples":[{"id":…,"text":…,"author":…,"label":…,"score":…,"link":…}]}
//
// with times in RFC 3339 with milliseconds, UTC. The tenant is not part of
// the message: a connection only ever sees its own. Numbers and strings are
// written as encoding/json writes them (without HTML escaping); it costs a
// tenth of encoding/json, which matters when every window goes to
// thousands of clients.
func (w *Window) AppendJSON(b []byte) []byte {
	b = append(b, `{"type":"window","keyword":`...)
	b = appendString(b, w.Keyword)
	b = append(b, `,"start":"`...)
	b = w.Start.UTC().AppendFormat(b, timeLayout)
	b = append(b, `","end":"`...)
	b = w.End.UTC().AppendFormat(b, timeLayout)
	b = append(b, `","count":`...)
	b = strconv.AppendInt(b, w.Count, 10)
	for _, f := range [...]struct {
		name string
		v    float64
	}{
		{`,"mean":`, w.Mean}, {`,"variance":`, w.Variance}, {`,"stddev":`, w.StdDev},
		{`,"q25":`, w.Q25}, {`,"median":`, w.Median}, {`,"q75":`, w.Q75},
		{`,"min":`, w.Min}, {`,"max":`, w.Max},
	} {
		b = append(b, f.name...)
		b = appendFloat(b, f.v)
	}
	b = append(b, `,"labels":{"positive":`...)
	b = strconv.AppendInt(b, w.Labels.Positive, 10)
	b = append(b, `,"negative":`...)
	b = strconv.AppendInt(b, w.Labels.Negative, 10)
	b = append(b, `,"neutral":`...)
	b = strconv.AppendInt(b, w.Labels.Neutral, 10)
	b = append(b, `,"mixed":`...)
	b = strconv.AppendInt(b, w.Labels.Mixed, 10)
	b = append(b, `,"unscored":`...)
	b = strconv.AppendInt(b, w.Labels.Unscored, 10)
	b = append(b, `},"samples":[`...)
	for i := range w.Samples {
		s := &w.Samples[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendString(b, s.ID)
		b = append(b, `,"text":`...)
		b = appendString(b, s.Text)
		b = append(b, `,"author":`...)
		b = appendString(b, s.Author)
		b = append(b, `,"label":`...)
		b = appendString(b, string(s.Label))
		b = append(b, `,"score":`...)
		b = appendFloat(b, s.Score)
		b = append(b, `,"link":`...)
		b = appendString(b, s.Link)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// MarshalJSON implements json.Marshaler with AppendJSON.
func (w Window) MarshalJSON() ([]byte, error) {
	return w.AppendJSON(nil), nil
}

// windowJSON is the message's shape for decoding.
type windowJSON struct {
	Type    string       `json:"type"`
	Keyword string       `json:"keyword"`
	Start   time.Time    `json:"start"`
	End     time.Time    `json:"end"`
	Count   int64        `json:"count"`
	Mean    float64      `json:"mean"`
	Var     float64      `json:"variance"`
	StdDev  float64      `json:"stddev"`
	Q25     float64      `json:"q25"`
	Median  float64      `json:"median"`
	Q75     float64      `json:"q75"`
	Min     float64      `json:"min"`
	Max     float64      `json:"max"`
	Labels  stats.Labels `json:"labels"`
	Samples []Sample     `json:"samples"`
}

// UnmarshalJSON reads the message AppendJSON writes, for processes that
// receive windows over pub/sub. Tenant is left as it was and Stats.Scored,
// which the message does not carry, is 0.
func (w *Window) UnmarshalJSON(data []byte) error {
	var m windowJSON
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("window: %w", err)
	}
	if m.Type != "window" {
		return fmt.Errorf("window: message type %q", m.Type)
	}
	w.Keyword, w.Start, w.End, w.Samples = m.Keyword, m.Start.UTC(), m.End.UTC(), m.Samples
	w.Stats = stats.Stats{
		Count: m.Count, Mean: m.Mean, Variance: m.Var, StdDev: m.StdDev,
		Q25: m.Q25, Median: m.Median, Q75: m.Q75, Min: m.Min, Max: m.Max, Labels: m.Labels,
	}
	return nil
}

// appendFloat writes f as encoding/json does: shortest representation,
// exponent only for very small or large magnitudes. Statistics are always
// finite; a non-finite value would make invalid JSON, so it is written as 0.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 -> 1e-7, as encoding/json.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hex = "0123456789abcdef"

// appendString writes s as a JSON string the way encoding/json does without
// HTML escaping: invalid UTF-8 becomes U+FFFD, and U+2028 and U+2029 are
// escaped for JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// keywordAcc accumulates one keyword's current window: the mergeable
// summary and the best samples on each side.
type keywordAcc struct {
	sum      stats.Summary
	pos, neg sampleHeap
}

func (a *keywordAcc) add(sp *ScoredPost) {
	a.sum.Add(sp.Result)
	if sp.Result.Label == sentiment.Unscored {
		return
	}
	// Samples illustrate a side: a window of only negative posts shows
	// no "most positive" one.
	switch p := sp.Result.Polarity; {
	case p > 0:
		a.pos.offer(sp, p)
	case p < 0:
		a.neg.offer(sp, -p)
	}
}

// samples returns the window's samples in message order, or nil.
func (a *keywordAcc) samples() []Sample {
	n := len(a.pos.items) + len(a.neg.items)
	if n == 0 {
		return nil
	}
	out := make([]Sample, 0, n)
	out = a.pos.appendSorted(out)
	return a.neg.appendSorted(out)
}

func (a *keywordAcc) reset() {
	a.sum.Reset()
	a.pos.items, a.pos.seq = a.pos.items[:0], 0
	a.neg.items, a.neg.seq = a.neg.items[:0], 0
}

// sampleHeap keeps the max posts with the largest key, the earlier post
// winning a tie: a heap with the worst kept post on top, so a post that
// does not beat it, nearly every post once the window is warm, costs one
// comparison.
type sampleHeap struct {
	max   int
	seq   uint64 // arrival order of offered posts
	items []heapItem
}

type heapItem struct {
	key float64
	seq uint64
	s   Sample
}

// worse orders the heap: lower key, or the same key and later arrival.
func (a *heapItem) worse(b *heapItem) bool {
	return a.key < b.key || a.key == b.key && a.seq > b.seq
}

func (h *sampleHeap) offer(sp *ScoredPost, key float64) {
	h.seq++
	if len(h.items) == h.max && (h.max == 0 || key <= h.items[0].key) {
		return
	}
	it := heapItem{key: key, seq: h.seq, s: Sample{
		ID: sp.Post.ID, Text: sp.Post.Text, Author: sp.Post.Author.Handle,
		Label: sp.Result.Label, Score: sp.Result.Polarity, Link: sp.Post.URL,
	}}
	if len(h.items) < h.max {
		h.items = append(h.items, it)
		for i := len(h.items) - 1; i > 0; {
			p := (i - 1) / 2
			if !h.items[i].worse(&h.items[p]) {
				break
			}
			h.items[p], h.items[i] = h.items[i], h.items[p]
			i = p
		}
		return
	}
	h.items[0] = it
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(h.items) && h.items[l].worse(&h.items[small]) {
			small = l
		}
		if r := l + 1; r < len(h.items) && h.items[r].worse(&h.items[small]) {
			small = r
		}
		if small == i {
			return
		}
		h.items[i], h.items[small] = h.items[small], h.items[i]
		i = small
	}
}

// appendSorted appends the kept samples, best first.
func (h *sampleHeap) appendSorted(out []Sample) []Sample {
	items := slices.Clone(h.items)
	slices.SortFunc(items, func(a, b heapItem) int {
		switch {
		case b.worse(&a):
			return -1
		case a.worse(&b):
			return 1
		}
		return 0
	})
	for _, it := range items {
		out = append(out, it.s)
	}
	return out
}

// windowAcc is a tenant's current window: an accumulator per keyword.
// byIdx resolves the matcher's keyword indexes once per matcher and window,
// so adding a post costs no map lookup.
type windowAcc struct {
	byKw    map[string]*keywordAcc
	bound   *matchSet
	byIdx   []*keywordAcc
	samples int
}

func newWindowAcc(samples int) *windowAcc {
	return &windowAcc{byKw: map[string]*keywordAcc{}, samples: samples}
}

func (w *windowAcc) bind(ms *matchSet) {
	if w.bound == ms {
		return
	}
	w.byIdx = w.byIdx[:0]
	for _, kw := range ms.keywords {
		a := w.byKw[kw]
		if a == nil {
			a = &keywordAcc{pos: sampleHeap{max: w.samples}, neg: sampleHeap{max: w.samples}}
			w.byKw[kw] = a
		}
		w.byIdx = append(w.byIdx, a)
	}
	w.bound = ms
}

// reset empties w for reuse, dropping keywords ms no longer tracks.
func (w *windowAcc) reset(ms *matchSet) {
	for kw, a := range w.byKw {
		if _, ok := ms.index[kw]; !ok {
			delete(w.byKw, kw)
			continue
		}
		a.reset()
	}
	w.bound, w.byIdx = nil, w.byIdx[:0]
}

// history keeps a keyword's recent windows in a ring. Old entries lose
// their samples: statistics for an hour of 3 s windows cost about 200 KB
// per keyword, samples for all of them would cost ten times that.
type history struct {
	ring []histEntry
	next int // where the next entry goes once the ring is full
}

type histEntry struct {
	start, end int64 // Unix nanoseconds
	st         stats.Stats
	samples    []Sample
}

func (h *history) add(w *Window, size, keepSamples int) {
	e := histEntry{start: w.Start.UnixNano(), end: w.End.UnixNano(), st: w.Stats, samples: w.Samples}
	var at int
	if len(h.ring) < size {
		h.ring = append(h.ring, e)
		at = len(h.ring) - 1
	} else {
		at = h.next
		h.ring[at] = e
		h.next = (at + 1) % size
	}
	if keepSamples < size {
		old := (at - keepSamples + size) % size
		if old < len(h.ring) {
			h.ring[old].samples = nil
		}
	}
}

// lastEnd is the end of the newest entry, in Unix nanoseconds.
func (h *history) lastEnd() int64 {
	if len(h.ring) == 0 {
		return math.MinInt64
	}
	return h.ring[(h.next+len(h.ring)-1)%len(h.ring)].end
}

// since returns the windows that start at or after t, oldest first.
func (h *history) since(tenant, keyword string, t time.Time) []Window {
	var out []Window
	from := t.UnixNano()
	for i := range h.ring {
		e := &h.ring[(h.next+i)%len(h.ring)]
		if e.start < from {
			continue
		}
		out = append(out, Window{
			Tenant: tenant, Keyword: keyword,
			Start: time.Unix(0, e.start).UTC(), End: time.Unix(0, e.end).UTC(),
			Stats: e.st, Samples: e.samples,
		})
	}
	return out
}
