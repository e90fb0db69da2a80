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

// denseDotGo is denseDot in Go. It returns the dot products of the dense features with the neg and
// pos weights, as sums over even and odd features (two lanes) added at the
// end. Written out: with constant indices the compiler emits a load, a
// multiply and an add per product, where a loop costs it three times that.
func denseDotGo(x *[nDense]float32, d *[nDense][2]float32) (neg, pos float32) {
	w := (*[2 * nDense]float32)(unsafe.Pointer(d))
	var n0, p0, n1, p1 float32
	n0 += x[0] * w[0]
	p0 += x[0] * w[1]
	n1 += x[1] * w[2]
	p1 += x[1] * w[3]
	n0 += x[2] * w[4]
	p0 += x[2] * w[5]
	n1 += x[3] * w[6]
	p1 += x[3] * w[7]
	n0 += x[4] * w[8]
	p0 += x[4] * w[9]
	n1 += x[5] * w[10]
	p1 += x[5] * w[11]
	n0 += x[6] * w[12]
	p0 += x[6] * w[13]
	n1 += x[7] * w[14]
	p1 += x[7] * w[15]
	n0 += x[8] * w[16]
	p0 += x[8] * w[17]
	n1 += x[9] * w[18]
	p1 += x[9] * w[19]
	n0 += x[10] * w[20]
	p0 += x[10] * w[21]
	n1 += x[11] * w[22]
	p1 += x[11] * w[23]
	n0 += x[12] * w[24]
	p0 += x[12] * w[25]
	n1 += x[13] * w[26]
	p1 += x[13] * w[27]
	n0 += x[14] * w[28]
	p0 += x[14] * w[29]
	n1 += x[15] * w[30]
	p1 += x[15] * w[31]
	n0 += x[16] * w[32]
	p0 += x[16] * w[33]
	n1 += x[17] * w[34]
	p1 += x[17] * w[35]
	n0 += x[18] * w[36]
	p0 += x[18] * w[37]
	n1 += x[19] * w[38]
	p1 += x[19] * w[39]
	n0 += x[20] * w[40]
	p0 += x[20] * w[41]
	n1 += x[21] * w[42]
	p1 += x[21] * w[43]
	n0 += x[22] * w[44]
	p0 += x[22] * w[45]
	n1 += x[23] * w[46]
	p1 += x[23] * w[47]
	n0 += x[24] * w[48]
	p0 += x[24] * w[49]
	n1 += x[25] * w[50]
	p1 += x[25] * w[51]
	n0 += x[26] * w[52]
	p0 += x[26] * w[53]
	n1 += x[27] * w[54]
	p1 += x[27] * w[55]
	n0 += x[28] * w[56]
	p0 += x[28] * w[57]
	n1 += x[29] * w[58]
	p1 += x[29] * w[59]
	n0 += x[30] * w[60]
	p0 += x[30] * w[61]
	n1 += x[31] * w[62]
	p1 += x[31] * w[63]
	n0 += x[32] * w[64]
	p0 += x[32] * w[65]
	n1 += x[33] * w[66]
	p1 += x[33] * w[67]
	n0 += x[34] * w[68]
	p0 += x[34] * w[69]
	n1 += x[35] * w[70]
	p1 += x[35] * w[71]
	n0 += x[36] * w[72]
	p0 += x[36] * w[73]
	n1 += x[37] * w[74]
	p1 += x[37] * w[75]
	return n0 + n1, p0 + p1
}

// nDense is written out in denseDot.
var _ = [1]struct{}{}[nDense-38]

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
