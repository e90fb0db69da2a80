// Package model is TSA's default analyzer, "model": a multinomial logistic
// regression (three classes: negative, neutral, positive) over hashed word
// n-grams and features drawn from the AFINN-165, VADER and Emoji Sentiment
// Ranking lexicons, trained by the project on the SemEval 2013–2016 tweets
// (see docs/ANALYZERS.md). The trained weights are embedded in the binary.
//
// Scoring a post allocates nothing and takes one to two microseconds on one
// core (docs/BENCHMARKS.md): the tokenizer reads most words eight bytes at a
// time and hashes them as it goes, and the lexicons live in one small
// open-addressing table keyed by the same hashes.
package model

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"sync"
	"unsafe"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// Name is the registry name of the analyzer.
const Name = "model"

//go:embed weights.bin
var embedded []byte

// Embedded returns the model trained by the project, loaded once.
var Embedded = sync.OnceValues(func() (*Model, error) {
	if len(embedded) == 0 {
		return nil, errors.New("model: no embedded weights")
	}
	return Load(bytes.NewReader(embedded))
})

func init() {
	sentiment.Register(Name, func(params url.Values) (sentiment.Analyzer, error) {
		for k, v := range params {
			if k != "weights" || len(v) != 1 {
				return nil, fmt.Errorf("unknown or repeated parameter %q (model takes only weights=FILE)", k)
			}
		}
		if p := params.Get("weights"); p != "" {
			f, err := os.Open(p)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			m, err := Load(f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			return m, nil
		}
		return Embedded()
	})
}

// wpair is the weight of one hashed feature: its contribution to the
// negative and the positive score, each relative to neutral (softmax is
// unchanged when the same number is added to all three scores, so neutral's
// weight is folded into the other two). Quantised: multiply by Model.scale.
type wpair struct{ neg, pos int16 }

// Model is a trained classifier. It is immutable and safe for concurrent use;
// it is also a sentiment.Analyzer.
type Model struct {
	bits   uint8
	flags  uint32
	scale  float32
	dense  [nDense][2]float32 // neg, pos relative to neutral
	sparse []wpair
	lex    *lexTable
}

// Name implements sentiment.Analyzer.
func (m *Model) Name() string { return Name }

// Supports implements sentiment.Analyzer: English, or unknown.
func (m *Model) Supports(lang string) bool {
	l := sentiment.PrimaryLang(lang)
	return l == "" || l == "en"
}

// DetailNames implements sentiment.Analyzer; the model has no extras.
func (m *Model) DetailNames() []string { return nil }

// Analyze implements sentiment.Analyzer.
func (m *Model) Analyze(_ context.Context, doc sentiment.Doc) (sentiment.Result, error) {
	return m.Score(doc.Text), nil
}

// Score scores one text. Positive, Negative and Neutral are the class
// probabilities and Mixed is 0; Label is the most probable class; Score and
// Polarity are P(positive) - P(negative).
func (m *Model) Score(text string) sentiment.Result {
	neg, neu, pos := m.Probs(text)
	r := sentiment.Result{Positive: pos, Negative: neg, Neutral: neu}
	r.Label = r.ArgMax()
	r.Score = pos - neg
	r.Polarity = sentiment.Clamp1(r.Score)
	return r
}

// Probs returns the probabilities of the three classes for text.
func (m *Model) Probs(text string) (neg, neu, pos float64) {
	var f featurizer
	f.w = m.sparse
	f.init(m.lex, m.flags, m.bits)
	featurize(&f, text)
	dn, dp := denseDot(&f.dense, &m.dense)
	zn := float64(f.acc[0])*float64(m.scale) + float64(dn)
	zp := float64(f.acc[1])*float64(m.scale) + float64(dp)
	return softmax3(zn, 0, zp)
}

// denseDotGo is denseDot in Go: the dot products of the dense features
// with the neg and pos weights, as sums over even and odd features (the
// assembly's two lanes) added at the end.
func denseDotGo(x *[nDense]float32, d *[nDense][2]float32) (neg, pos float32) {
	var n0, p0, n1, p1 float32
	for j := 0; j+1 < nDense; j += 2 {
		n0 += x[j] * d[j][0]
		p0 += x[j] * d[j][1]
		n1 += x[j+1] * d[j+1][0]
		p1 += x[j+1] * d[j+1][1]
	}
	if nDense%2 != 0 {
		n0 += x[nDense-1] * d[nDense-1][0]
		p0 += x[nDense-1] * d[nDense-1][1]
	}
	return n0 + n1, p0 + p1
}

// featurize runs the tokenizer over text, cleaning it first when it carries
// escapes, and finishes f.
func featurize(f *featurizer, text string) {
	if needsClean(text) {
		var buf [512]byte
		b := clean(buf[:0], text)
		// b is not written to while the string view of it is in use.
		tokenize(unsafe.String(unsafe.SliceData(b), len(b)), f)
	} else {
		tokenize(text, f)
	}
	f.finish()
}

// softmax3 returns the softmax of three scores. The largest score's
// exponential is 1, so two calls to math.Exp suffice.
func softmax3(a, b, c float64) (float64, float64, float64) {
	mx := max(a, b, c)
	if math.IsNaN(mx) || math.IsInf(mx, 0) {
		return 0, 1, 0
	}
	var ea, eb, ec float64
	switch mx {
	case a:
		ea, eb, ec = 1, math.Exp(b-a), math.Exp(c-a)
	case b:
		ea, eb, ec = math.Exp(a-b), 1, math.Exp(c-b)
	default:
		ea, eb, ec = math.Exp(a-c), math.Exp(b-c), 1
	}
	s := ea + eb + ec
	return ea / s, eb / s, ec / s
}
