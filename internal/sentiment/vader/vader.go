// Package vader is VADER (Hutto & Gilbert, ICWSM 2014) as vaderSentiment
// 3.3.x implements it, rule for rule and float for float: the lexicon with
// its emoji descriptions and emoticons, negation, boosters and dampeners,
// "kind of", "least", "no", idioms, "but", ALL CAPS emphasis and ! and ?
// emphasis. Its compound score equals the Python reference's on every post
// tested (docs/ANALYZERS.md, "## vader").
//
// The analyzer registers as "vader" and scores English only.
package vader

import (
	"context"
	"fmt"
	"net/url"

	"github.com/tsaproject/tsa/internal/sentiment"
)

func init() {
	sentiment.Register("vader", func(params url.Values) (sentiment.Analyzer, error) {
		for k := range params {
			return nil, fmt.Errorf("unknown parameter %q (vader takes none)", k)
		}
		return New(), nil
	})
}

// Analyzer scores texts with VADER. It is safe for concurrent use.
type Analyzer struct {
	t *tables
}

// New returns the analyzer; the tables are built on the first call.
func New() *Analyzer { return &Analyzer{t: loadTables()} }

// Name implements sentiment.Analyzer.
func (*Analyzer) Name() string { return "vader" }

// Supports reports true for English ("en") and for an unknown language ("").
func (*Analyzer) Supports(lang string) bool { return lang == "" || lang == "en" }

var detailNames = []string{"pos", "neu", "neg"}

// DetailNames names Result.Detail: VADER's pos, neu and neg proportions.
func (*Analyzer) DetailNames() []string { return detailNames }

// PolarityScores returns exactly what the reference's polarity_scores
// returns for text. Invalid UTF-8 bytes count as characters that are
// neither space, letter nor punctuation (Python would see U+FFFD).
func (a *Analyzer) PolarityScores(text string) Scores { return a.t.polarityScores(text) }

// Analyze implements sentiment.Analyzer; it never fails and does not look at
// ctx, as one text takes about a microsecond.
func (a *Analyzer) Analyze(_ context.Context, doc sentiment.Doc) (sentiment.Result, error) {
	return ToResult(a.t.polarityScores(doc.Text)), nil
}

// MixedThreshold is the share of the text that must be positive and, at the
// same time, negative for a near-zero compound to be labelled mixed.
const MixedThreshold = 0.1

// ToResult maps VADER's scores onto a sentiment.Result:
//
//   - Score and Polarity are compound (already in [-1, 1]); Detail is
//     [pos, neu, neg].
//   - The four scores split VADER's proportions: the part of pos and neg
//     they share, 2*min(pos, neg), is Mixed; the rest of each is Positive or
//     Negative; neu is Neutral. They are scaled to sum to 1 (VADER's rounded
//     proportions may sum to 0.999 or 1.001); an empty text is Neutral 1.
//   - Label uses VADER's customary thresholds: compound >= 0.05 positive,
//     <= -0.05 negative; in between it is mixed when pos and neg both reach
//     MixedThreshold, otherwise neutral.
func ToResult(s Scores) sentiment.Result {
	m := min(s.Pos, s.Neg)
	r := sentiment.Result{
		Positive: s.Pos - m,
		Negative: s.Neg - m,
		Neutral:  s.Neu,
		Mixed:    2 * m,
		Score:    s.Compound,
		Polarity: s.Compound,
		Detail:   [sentiment.MaxDetail]float64{s.Pos, s.Neu, s.Neg},
	}
	r.Normalize()
	switch {
	case s.Compound >= 0.05:
		r.Label = sentiment.Positive
	case s.Compound <= -0.05:
		r.Label = sentiment.Negative
	case s.Pos >= MixedThreshold && s.Neg >= MixedThreshold:
		r.Label = sentiment.Mixed
	default:
		r.Label = sentiment.Neutral
	}
	return r
}
