package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// reference computes the statistics independently: two passes for mean and
// variance, a full sort of the rounded values for type-7 quartiles.
func reference(labels []sentiment.Label, pols []float64) Stats {
	st := Stats{Count: int64(len(labels))}
	var xs []float64
	var rounded []float64
	for i, l := range labels {
		switch l {
		case sentiment.Positive:
			st.Labels.Positive++
		case sentiment.Negative:
			st.Labels.Negative++
		case sentiment.Neutral:
			st.Labels.Neutral++
		case sentiment.Mixed:
			st.Labels.Mixed++
		case sentiment.Unscored:
			st.Labels.Unscored++
			continue
		}
		xs = append(xs, pols[i])
		rounded = append(rounded, math.Round(pols[i]*1000)/1000)
	}
	st.Scored = int64(len(xs))
	if len(xs) == 0 {
		return st
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	st.Mean = sum / float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - st.Mean) * (x - st.Mean)
	}
	st.Variance = ss / float64(len(xs))
	st.StdDev = math.Sqrt(st.Variance)
	st.Min, st.Max = slices.Min(xs), slices.Max(xs)
	slices.Sort(rounded)
	q := func(p float64) float64 {
		h := p * float64(len(rounded)-1)
		lo := int(math.Floor(h))
		if lo+1 >= len(rounded) {
			return rounded[lo]
		}
		return rounded[lo] + (h-float64(lo))*(rounded[lo+1]-rounded[lo])
	}
	st.Q25, st.Median, st.Q75 = q(0.25), q(0.5), q(0.75)
	return st
}

func gen(rng *rand.Rand, n int) ([]sentiment.Label, []float64) {
	labels := make([]sentiment.Label, n)
	pols := make([]float64, n)
	for i := range n {
		labels[i] = sentiment.Labels[rng.IntN(len(sentiment.Labels))]
		switch rng.IntN(4) {
		case 0:
			pols[i] = float64(rng.IntN(11)-5) / 5 // discrete, like afinn
		default:
			pols[i] = math.Tanh(rng.NormFloat64())
		}
	}
	return labels, pols
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func checkStats(t *testing.T, got, want Stats) {
	t.Helper()
	if got.Count != want.Count || got.Scored != want.Scored || got.Labels != want.Labels {
		t.Fatalf("counts: got %+v, want %+v", got, want)
	}
	pairs := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"mean", got.Mean, want.Mean, 1e-12},
		{"variance", got.Variance, want.Variance, 1e-12},
		{"stddev", got.StdDev, want.StdDev, 1e-9},
		{"min", got.Min, want.Min, 0},
		{"max", got.Max, want.Max, 0},
		{"q25", got.Q25, want.Q25, 1e-12},
		{"median", got.Median, want.Median, 1e-12},
		{"q75", got.Q75, want.Q75, 1e-12},
	}
	for _, p := range pairs {
		if !near(p.got, p.want, p.tol) {
			t.Errorf("%s = %v, want %v", p.name, p.got, p.want)
		}
	}
}

func TestAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 4, 7, 100, smallCap - 1, smallCap, smallCap + 1, smallCap + 2, 5000} {
		labels, pols := gen(rng, n)
		var s Summary
		for i := range labels {
			s.AddPolarity(labels[i], pols[i])
		}
		checkStats(t, s.Stats(), reference(labels, pols))
	}
}

func TestMergeEqualsWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 10, smallCap, smallCap + 1, 2 * smallCap, 3000} {
		labels, pols := gen(rng, n)
		var whole Summary
		for i := range labels {
			whole.AddPolarity(labels[i], pols[i])
		}
		for _, cut := range []int{0, n / 3, n / 2, n} {
			var a, b Summary
			for i := range labels {
				if i < cut {
					a.AddPolarity(labels[i], pols[i])
				} else {
					b.AddPolarity(labels[i], pols[i])
				}
			}
			a.Merge(&b)
			checkStats(t, a.Stats(), whole.Stats())
			// Quantiles merge exactly, not just within tolerance.
			w, m := whole.Stats(), a.Stats()
			if w.Q25 != m.Q25 || w.Median != m.Median || w.Q75 != m.Q75 {
				t.Errorf("n=%d cut=%d: quartiles differ after merge: %v/%v/%v vs %v/%v/%v",
					n, cut, m.Q25, m.Median, m.Q75, w.Q25, w.Median, w.Q75)
			}
		}
	}
}

func TestEdgeCases(t *testing.T) {
	tests := []struct {
		name   string
		labels []sentiment.Label
		pols   []float64
		want   Stats
	}{
		{"empty", nil, nil, Stats{}},
		{"only unscored", []sentiment.Label{sentiment.Unscored, sentiment.Unscored}, []float64{0.9, -0.9},
			Stats{Count: 2, Labels: Labels{Unscored: 2}}},
		{"one post", []sentiment.Label{sentiment.Positive}, []float64{0.5},
			Stats{Count: 1, Scored: 1, Mean: 0.5, Q25: 0.5, Median: 0.5, Q75: 0.5, Min: 0.5, Max: 0.5, Labels: Labels{Positive: 1}}},
		{"clamped and NaN", []sentiment.Label{sentiment.Positive, sentiment.Negative, sentiment.Neutral}, []float64{3, -3, math.NaN()},
			Stats{Count: 3, Scored: 3, Mean: 0, Variance: 2.0 / 3, StdDev: math.Sqrt(2.0 / 3), Q25: -0.5, Median: 0, Q75: 0.5, Min: -1, Max: 1,
				Labels: Labels{Positive: 1, Negative: 1, Neutral: 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s Summary
			for i := range tc.labels {
				s.AddPolarity(tc.labels[i], tc.pols[i])
			}
			checkStats(t, s.Stats(), tc.want)
		})
	}
}

func TestShareAndReset(t *testing.T) {
	var s Summary
	s.Add(sentiment.Result{Label: sentiment.Positive, Polarity: 1})
	s.Add(sentiment.Result{Label: sentiment.Negative, Polarity: -1})
	s.Add(sentiment.Result{Label: sentiment.Positive, Polarity: 0.5})
	s.Add(sentiment.Result{Label: sentiment.Unscored})
	st := s.Stats()
	if got := st.Share(sentiment.Positive); got != 0.5 {
		t.Errorf("positive share = %v, want 0.5", got)
	}
	if got := st.Share(sentiment.Unscored); got != 0.25 {
		t.Errorf("unscored share = %v, want 0.25", got)
	}
	s.Reset()
	if st := s.Stats(); st != (Stats{}) {
		t.Errorf("after reset: %+v", st)
	}
}

func BenchmarkAdd(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	_, pols := gen(rng, 4096)
	var s Summary
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.AddPolarity(sentiment.Positive, pols[i&4095])
	}
}

func BenchmarkStats(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	labels, pols := gen(rng, 10000)
	var s Summary
	for i := range labels {
		s.AddPolarity(labels[i], pols[i])
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Stats()
	}
}
