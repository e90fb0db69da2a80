// Package afinn is the "afinn" analyzer: AFINN-165 plus the Emoji Sentiment
// Ranking, scoring every text exactly as the npm package sentiment@5.0.2
// does with `new Sentiment().analyze(text)` (same score, same comparative).
// Score implements that contract; the Analyzer maps it onto
// sentiment.Result.
//
// # Result
//
// Score is the integer score and Detail[0] the comparative (score per
// token). From the token scores after negation, let P be the sum of the
// positive ones and N the sum of the magnitudes of the negative ones
// (score = P - N), m = min(P, N) and M = max(P, N). Then
//
//	Positive = (P - m) / (M + ½)   the net positive excess
//	Negative = (N - m) / (M + ½)   the net negative excess
//	Mixed    =  m      / (M + ½)   the part both sides share
//	Neutral  =  ½      / (M + ½)   a fixed prior of half a point
//
// which sum to 1. A text without scored words is fully neutral; strong
// words on both sides make it mixed. The neutral prior is smaller than the
// weakest AFINN valence (1), so any scored word outweighs it, and Label, the
// largest of the four (Result.ArgMax), is simply:
//
//	neutral  when P = N = 0
//	mixed    when both sides are present and the weaker exceeds half the
//	         stronger (m > M - m), so the shared part beats the net
//	positive or negative by the sign of the score otherwise
//
// Polarity = score / sqrt(score² + 15) is VADER's normalisation of a sum of
// valences with VADER's alpha; AFINN valences (±1..5) are on nearly VADER's
// scale (±1..4), so the two analyzers' polarities are comparable.
package afinn

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"sort"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// Name is the registry name.
const Name = "afinn"

func init() {
	sentiment.Register(Name, func(params url.Values) (sentiment.Analyzer, error) {
		if len(params) > 0 {
			keys := make([]string, 0, len(params))
			for k := range params {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return nil, fmt.Errorf("takes no parameters, got %q", keys)
		}
		return New(), nil
	})
}

// Analyzer is the afinn analyzer. It has no state and is safe for
// concurrent use.
type Analyzer struct{}

// New returns the analyzer, building the shared lookup table on first use.
func New() *Analyzer {
	tableOnce()
	return &Analyzer{}
}

// Name implements sentiment.Analyzer.
func (*Analyzer) Name() string { return Name }

// Supports reports true for English ("en") and an unknown language ("").
// AFINN-165 is an English word list.
func (*Analyzer) Supports(lang string) bool {
	switch sentiment.PrimaryLang(lang) {
	case "en", "":
		return true
	}
	return false
}

var detailNames = []string{"comparative"}

// DetailNames implements sentiment.Analyzer: Detail[0] is the comparative.
func (*Analyzer) DetailNames() []string { return detailNames }

// Analyze implements sentiment.Analyzer. It never fails: the work is a few
// hundred nanoseconds and cannot block, so ctx is not consulted.
func (*Analyzer) Analyze(_ context.Context, doc sentiment.Doc) (sentiment.Result, error) {
	return ResultOf(Score(doc.Text)), nil
}

// polarityAlpha is VADER's normalisation constant (see the package doc).
const polarityAlpha = 15

// neutralPrior is the neutral weight every text starts with (package doc).
const neutralPrior = 0.5

// ResultOf maps the counts of one text to a Result as the package doc says.
func ResultOf(c Counts) sentiment.Result {
	p, n := float64(c.Positive), float64(c.Negative)
	m, big := min(p, n), max(p, n)
	inv := 1 / (big + neutralPrior)
	r := sentiment.Result{
		Positive: (p - m) * inv,
		Negative: (n - m) * inv,
		Mixed:    m * inv,
		Neutral:  neutralPrior * inv,
		Score:    float64(c.Score),
	}
	s := float64(c.Score)
	r.Polarity = sentiment.Clamp1(s / math.Sqrt(s*s+polarityAlpha))
	r.Detail[0] = c.Comparative()
	r.Label = r.ArgMax()
	return r
}
