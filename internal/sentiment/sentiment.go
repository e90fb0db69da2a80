// Package sentiment defines what every analyzer returns for one text and how
// analyzers are chosen by name. The analyzers themselves live in subpackages
// (afinn, vader, model, comprehend, httpmodel) and register here in init.
package sentiment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Label is the class an analyzer gives a text.
type Label string

// The labels. Unscored marks a post the analyzer did not score (a language it
// does not support): it is counted in windows but never averaged in.
const (
	Positive Label = "positive"
	Negative Label = "negative"
	Neutral  Label = "neutral"
	Mixed    Label = "mixed"
	Unscored Label = "unscored"
)

// Labels lists every label in a fixed order (used for tables and counters).
var Labels = [...]Label{Positive, Negative, Neutral, Mixed, Unscored}

// Index returns the position of l in Labels, or -1.
func (l Label) Index() int {
	for i, x := range Labels {
		if x == l {
			return i
		}
	}
	return -1
}

// ParseLabel accepts a label in any case (Comprehend sends POSITIVE).
func ParseLabel(s string) (Label, error) {
	l := Label(strings.ToLower(strings.TrimSpace(s)))
	if l.Index() < 0 {
		return "", fmt.Errorf("unknown label %q", s)
	}
	return l, nil
}

// MaxDetail is how many analyzer-specific extras a Result can carry.
const MaxDetail = 4

// Result is the analysis of one text, in the shape of AWS Comprehend's answer
// plus two polarities.
//
// Positive, Negative, Neutral and Mixed sum to 1. Score is the analyzer's
// native number (afinn: the integer score; vader: compound; model:
// P(positive)-P(negative)). Polarity is in [-1, 1] and comparable across
// analyzers; window statistics are computed over it.
//
// Detail holds the analyzer's own extras by position; the analyzer's
// DetailNames says what each position means. A fixed array keeps Result free
// of allocations on the hot path.
type Result struct {
	Label    Label
	Positive float64
	Negative float64
	Neutral  float64
	Mixed    float64
	Score    float64
	Polarity float64
	Detail   [MaxDetail]float64
}

// Doc is one text to analyze. Lang is a BCP-47 language tag as the source gave
// it ("en", "en-US", "ja"), or empty when unknown.
type Doc struct {
	Text string
	Lang string
}

// Analyzer scores texts. Implementations are safe for concurrent use.
type Analyzer interface {
	// Name is the registry name ("afinn", "vader", ...).
	Name() string
	// Supports reports whether the analyzer can score text in the given
	// primary language subtag ("en"). Callers pass "" when unknown and
	// analyzers must then answer true.
	Supports(lang string) bool
	// DetailNames names the used positions of Result.Detail, in order.
	DetailNames() []string
	// Analyze scores one document.
	Analyze(ctx context.Context, doc Doc) (Result, error)
}

// BatchAnalyzer is implemented by analyzers that call a service and gain from
// sending many texts at once. out has len(docs); a per-document failure is
// reported in errs at the same index (errs may be nil when all succeeded).
type BatchAnalyzer interface {
	Analyzer
	AnalyzeBatch(ctx context.Context, docs []Doc, out []Result) (errs []error, err error)
}

// Closer is implemented by analyzers holding resources (connections).
type Closer interface {
	Close() error
}

// ErrUnsupportedLanguage is returned when a text's language is not supported.
var ErrUnsupportedLanguage = errors.New("unsupported language")

// PrimaryLang returns the lower-cased primary subtag of a language tag:
// "en-US" -> "en", "" -> "".
func PrimaryLang(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// UnscoredResult is what a post in an unsupported language gets.
func UnscoredResult() Result {
	return Result{Label: Unscored, Neutral: 1}
}

// Run scores doc with a, giving Unscored to a language a does not support.
func Run(ctx context.Context, a Analyzer, doc Doc) (Result, error) {
	if lang := PrimaryLang(doc.Lang); lang != "" && !a.Supports(lang) {
		return UnscoredResult(), nil
	}
	return a.Analyze(ctx, doc)
}

// RunBatch scores docs into out (len(out) == len(docs)), using the batch
// method when a has one. Unsupported languages become Unscored without a call.
// errs[i] is set for a document that failed on its own; err is a failure of
// the whole call.
func RunBatch(ctx context.Context, a Analyzer, docs []Doc, out []Result) (errs []error, err error) {
	if len(out) != len(docs) {
		return nil, fmt.Errorf("sentiment: out has %d slots for %d docs", len(out), len(docs))
	}
	setErr := func(i int, e error) {
		if errs == nil {
			errs = make([]error, len(docs))
		}
		errs[i] = e
	}
	ba, ok := a.(BatchAnalyzer)
	if !ok {
		for i, d := range docs {
			r, e := Run(ctx, a, d)
			if e != nil {
				if ctx.Err() != nil {
					return errs, ctx.Err()
				}
				setErr(i, e)
			}
			out[i] = r
		}
		return errs, nil
	}
	// Send only the supported documents; keep their positions.
	idx := make([]int, 0, len(docs))
	sub := make([]Doc, 0, len(docs))
	for i, d := range docs {
		if lang := PrimaryLang(d.Lang); lang != "" && !a.Supports(lang) {
			out[i] = UnscoredResult()
			continue
		}
		idx = append(idx, i)
		sub = append(sub, d)
	}
	if len(sub) == 0 {
		return nil, nil
	}
	res := make([]Result, len(sub))
	subErrs, err := ba.AnalyzeBatch(ctx, sub, res)
	if err != nil {
		return nil, err
	}
	for j, i := range idx {
		out[i] = res[j]
		if subErrs != nil && subErrs[j] != nil {
			setErr(i, subErrs[j])
		}
	}
	return errs, nil
}

// Factory builds an analyzer from the parameters of its spec.
type Factory func(params url.Values) (Analyzer, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Factory{}
)

// Register makes an analyzer available by name. It panics on a duplicate,
// which is a programming error.
func Register(name string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("sentiment: analyzer registered twice: " + name)
	}
	registry[name] = f
}

// Names lists the registered analyzers, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Default is the analyzer used when none is named.
const Default = "model"

// Open builds an analyzer from a spec: a registered name, optionally followed
// by parameters in URL query form, e.g. "vader", "comprehend?region=eu-west-1",
// "http?url=http://127.0.0.1:3000/predict&format=tei".
func Open(spec string) (Analyzer, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		spec = Default
	}
	name, query, _ := strings.Cut(spec, "?")
	params, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("analyzer %q: parameters: %w", spec, err)
	}
	registryMu.RLock()
	f, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown analyzer %q (have %s)", name, strings.Join(Names(), ", "))
	}
	a, err := f(params)
	if err != nil {
		return nil, fmt.Errorf("analyzer %s: %w", name, err)
	}
	return a, nil
}

// Clamp1 limits x to [-1, 1] and maps NaN to 0.
func Clamp1(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return 0
	case x > 1:
		return 1
	case x < -1:
		return -1
	}
	return x
}

// Normalize scales the four scores of r so they sum to 1. A result whose
// scores are all zero becomes fully neutral.
func (r *Result) Normalize() {
	s := r.Positive + r.Negative + r.Neutral + r.Mixed
	if s <= 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		r.Positive, r.Negative, r.Neutral, r.Mixed = 0, 0, 1, 0
		return
	}
	r.Positive /= s
	r.Negative /= s
	r.Neutral /= s
	r.Mixed /= s
}

// ArgMax returns the label of the largest of the four scores; ties go to
// neutral first, then positive, negative, mixed.
func (r *Result) ArgMax() Label {
	best, l := r.Neutral, Neutral
	if r.Positive > best {
		best, l = r.Positive, Positive
	}
	if r.Negative > best {
		best, l = r.Negative, Negative
	}
	if r.Mixed > best {
		l = Mixed
	}
	return l
}
