package afinn

import (
	"context"
	"testing"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// FuzzAnalyze checks, for any bytes: no panic, scores that sum to 1, a
// polarity in [-1, 1], the same answer twice, and the two tokenizers agree.
//
//	go test ./internal/sentiment/afinn -run '^$' -fuzz FuzzAnalyze -fuzztime 1m
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"", "good", "not good", "LİKE \u212aill", "😂 ❤\ufe0f", "good\tday", "a\u00a0b  c", "\xff\xe2\x82 good",
		"constructor bad", "Ⓜ ΑΣ straße", "I can't stand it!!! #fail @user http://t.co/x"} {
		f.Add(s)
	}
	a := New()
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s string) {
		r, err := a.Analyze(ctx, sentiment.Doc{Text: s})
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, r)
		if r2, _ := a.Analyze(ctx, sentiment.Doc{Text: s}); r2 != r {
			t.Fatalf("not deterministic: %+v then %+v", r, r2)
		}
		c := Score(s)
		if c.Tokens < 1 || c.Positive-c.Negative != c.Score {
			t.Fatalf("counts %+v", c)
		}
		if fc, ok := scoreFast(s); ok && fc != scoreExact(s) {
			t.Fatalf("fast %+v, exact %+v", fc, scoreExact(s))
		}
	})
}
