package evaluate

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/tsaproject/tsa/internal/sentiment"
)

const (
	P = sentiment.Positive
	N = sentiment.Negative
	U = sentiment.Neutral
)

func TestEvaluate(t *testing.T) {
	gold := []sentiment.Label{P, P, P, P, N, N, U, U, U, U}
	pred := []sentiment.Label{P, P, P, U, N, P, U, U, N, sentiment.Mixed}
	r := Evaluate(gold, pred)
	if r.N != 10 || r.Accuracy != 0.6 {
		t.Fatalf("n=%d accuracy=%v", r.N, r.Accuracy)
	}
	// recall: P 3/4, N 1/2, U 2/4 -> macro 0.5833
	if want := (0.75 + 0.5 + 0.5) / 3; math.Abs(r.MacroRecall-want) > 1e-12 {
		t.Errorf("macro recall %v, want %v", r.MacroRecall, want)
	}
	// precision: P 3/4, N 1/2, U 2/3
	pc := r.PerClass["neutral"]
	if math.Abs(pc.Precision-2.0/3) > 1e-12 || pc.Support != 4 {
		t.Errorf("neutral %+v", pc)
	}
	if r.Confusion["neutral"]["mixed"] != 1 || r.Confusion["negative"]["positive"] != 1 {
		t.Errorf("confusion %v", r.Confusion)
	}
	if len(r.Classes) != 3 {
		t.Errorf("classes %v: mixed was only predicted, not a gold class", r.Classes)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b, "x"); err != nil || !strings.Contains(b.String(), "macro-recall  0.5833") {
		t.Errorf("text report:\n%s", b.String())
	}
}

func TestReadTSV(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		err      string
	}{
		{"ok", "positive\tgood day\nnegative\tbad\r\n\nneutral\tmeh\t!\n", 3, ""},
		{"no tab", "positive\tok\nbroken line\n", 0, "x.tsv:2: want label"},
		{"bad label", "happy\tok\n", 0, "x.tsv:1: unknown label"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, err := ReadTSV(strings.NewReader(tc.in), "x.tsv")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || len(ex) != tc.n {
				t.Fatalf("got %d examples, err %v", len(ex), err)
			}
			if ex[2].Text != "meh\t!" {
				t.Errorf("text with tab: %q", ex[2].Text)
			}
		})
	}
}
