package vader

import (
	"context"
	"math"
	"testing"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// FuzzAnalyze checks what must hold for any input, valid UTF-8 or not: no
// panic, the same answer twice, polarity in [-1, 1], the four scores summing
// to 1 and VADER's proportions summing to 1 (or all zero, for no words).
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"", "good", "NOT bad!!!", "😀 but 😡", "\u212aind of \u0130", "\xff\xfe good", "no no no"} {
		f.Add(s)
	}
	for _, s := range newSynth(3).tweets(50) {
		f.Add(s)
	}
	a := New()
	f.Fuzz(func(t *testing.T, text string) {
		r, err := a.Analyze(context.Background(), sentiment.Doc{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if r2, _ := a.Analyze(context.Background(), sentiment.Doc{Text: text}); r2 != r {
			t.Fatalf("not deterministic: %+v then %+v", r, r2)
		}
		if !(r.Polarity >= -1 && r.Polarity <= 1) || r.Score != r.Polarity {
			t.Fatalf("polarity %v score %v", r.Polarity, r.Score)
		}
		for _, x := range []float64{r.Positive, r.Negative, r.Neutral, r.Mixed} {
			if !(x >= 0 && x <= 1) {
				t.Fatalf("score out of [0, 1]: %+v", r)
			}
		}
		if sum := r.Positive + r.Negative + r.Neutral + r.Mixed; math.Abs(sum-1) > 1e-9 {
			t.Fatalf("scores sum to %v: %+v", sum, r)
		}
		if sum := r.Detail[0] + r.Detail[1] + r.Detail[2]; sum != 0 && math.Abs(sum-1) > 0.0025 {
			t.Fatalf("pos+neu+neg = %v: %+v", sum, r)
		}
	})
}
