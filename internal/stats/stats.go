// Package stats summarizes the scored posts of one window: count, mean,
// variance, quartiles, extremes and label counts, over the posts' polarity.
//
// A Summary is a mergeable partial result: two halves of a window summarized
// in two processes and merged give the same answer as the whole window, so
// windows can be computed across processes. Counts, extremes and quantiles
// merge exactly; mean and variance merge with Chan et al.'s parallel update,
// equal to the single-pass result up to floating-point rounding (~1e-15).
//
// Quantile method: each polarity is rounded to the nearest 1/1000 (the grid
// -1.000, -0.999, ..., 1.000), and quartiles are Hyndman & Fan type 7 (linear
// interpolation between the closest ranks, as numpy.quantile and R's default)
// over those rounded values. Rounding makes the quantiles of a large window
// computable from a fixed 2001-bucket histogram, so a Summary stays small
// however many posts it holds and merges exactly; the error it adds is at
// most 0.0005, far below what any analyzer can tell apart. Mean, variance,
// min and max use the unrounded polarities.
package stats

import (
	"math"
	"slices"

	"github.com/tsaproject/tsa/internal/sentiment"
)

const (
	gridSteps = 1000                  // buckets per unit of polarity
	buckets   = 2*gridSteps + 1       // -1 .. 1 inclusive
	smallCap  = 512                   // up to this many values are kept as a list
	nLabels   = len(sentiment.Labels) // positive, negative, neutral, mixed, unscored
)

// Summary accumulates scored posts. The zero value is an empty summary ready
// to use. A Summary is not safe for concurrent use; merge per-goroutine
// summaries instead.
type Summary struct {
	count  int64          // every post, unscored included
	labels [nLabels]int64 // by sentiment.Labels index
	n      int64          // posts with a polarity (not unscored)
	mean   float64
	m2     float64 // sum of squared deviations from the mean
	min    float64
	max    float64

	// Rounded polarities: a short list while the summary is small, then a
	// histogram. Which form holds them depends only on n, never on the
	// order of adds and merges, so merged results are exact.
	small []int16
	hist  *[buckets]uint32
}

// Add counts one post with its result. Unscored posts are counted and
// labelled but take no part in the polarity statistics.
func (s *Summary) Add(r sentiment.Result) {
	s.AddPolarity(r.Label, r.Polarity)
}

// AddPolarity counts one post with the given label and polarity.
func (s *Summary) AddPolarity(label sentiment.Label, polarity float64) {
	s.count++
	i := label.Index()
	if i < 0 {
		i = sentiment.Neutral.Index()
	}
	s.labels[i]++
	if label == sentiment.Unscored {
		return
	}
	x := sentiment.Clamp1(polarity)
	s.n++
	if s.n == 1 {
		s.min, s.max = x, x
	} else {
		s.min = math.Min(s.min, x)
		s.max = math.Max(s.max, x)
	}
	// Welford's update.
	d := x - s.mean
	s.mean += d / float64(s.n)
	s.m2 += d * (x - s.mean)
	s.addRounded(round(x), 1)
}

func round(x float64) int16 {
	return int16(math.Round(x * gridSteps))
}

func (s *Summary) addRounded(v int16, times uint32) {
	if s.hist == nil && int(s.n) <= smallCap {
		for range times {
			s.small = append(s.small, v)
		}
		return
	}
	s.toHist()
	s.hist[int(v)+gridSteps] += times
}

func (s *Summary) toHist() {
	if s.hist != nil {
		return
	}
	s.hist = new([buckets]uint32)
	for _, v := range s.small {
		s.hist[int(v)+gridSteps]++
	}
	s.small = nil
}

// Merge adds everything in o to s. o is not changed.
func (s *Summary) Merge(o *Summary) {
	if o == nil || o.count == 0 {
		return
	}
	s.count += o.count
	for i := range s.labels {
		s.labels[i] += o.labels[i]
	}
	if o.n == 0 {
		return
	}
	if s.n == 0 {
		s.min, s.max = o.min, o.max
	} else {
		s.min = math.Min(s.min, o.min)
		s.max = math.Max(s.max, o.max)
	}
	// Chan, Golub & LeVeque's pairwise combination.
	n := s.n + o.n
	d := o.mean - s.mean
	s.mean += d * float64(o.n) / float64(n)
	s.m2 += o.m2 + d*d*float64(s.n)*float64(o.n)/float64(n)
	s.n = n
	if s.hist == nil && o.hist == nil && int(n) <= smallCap {
		s.small = append(s.small, o.small...)
		return
	}
	s.toHist()
	if o.hist != nil {
		for i, c := range o.hist {
			s.hist[i] += c
		}
	} else {
		for _, v := range o.small {
			s.hist[int(v)+gridSteps]++
		}
	}
}

// Reset empties s, keeping its list storage for reuse. A histogram is
// dropped: keeping 8 KB for every quiet keyword costs more than it saves.
func (s *Summary) Reset() {
	*s = Summary{small: s.small[:0]}
}

// Count is the number of posts added, unscored included.
func (s *Summary) Count() int64 { return s.count }

// Stats is the finished summary of a window.
type Stats struct {
	Count    int64   `json:"count"`  // all posts
	Scored   int64   `json:"scored"` // posts with a polarity
	Mean     float64 `json:"mean"`
	Variance float64 `json:"variance"` // population variance
	StdDev   float64 `json:"stddev"`
	Q25      float64 `json:"q25"`
	Median   float64 `json:"median"`
	Q75      float64 `json:"q75"`
	Min      float64 `json:"min"`
	Max      float64 `json:"max"`
	Labels   Labels  `json:"labels"`
}

// Labels holds the count of posts per label.
type Labels struct {
	Positive int64 `json:"positive"`
	Negative int64 `json:"negative"`
	Neutral  int64 `json:"neutral"`
	Mixed    int64 `json:"mixed"`
	Unscored int64 `json:"unscored"`
}

// Share returns the fraction of all posts that carry label l (0 when empty).
func (st Stats) Share(l sentiment.Label) float64 {
	if st.Count == 0 {
		return 0
	}
	var c int64
	switch l {
	case sentiment.Positive:
		c = st.Labels.Positive
	case sentiment.Negative:
		c = st.Labels.Negative
	case sentiment.Neutral:
		c = st.Labels.Neutral
	case sentiment.Mixed:
		c = st.Labels.Mixed
	case sentiment.Unscored:
		c = st.Labels.Unscored
	}
	return float64(c) / float64(st.Count)
}

// Stats computes the finished statistics. With no scored posts every
// polarity statistic is 0.
func (s *Summary) Stats() Stats {
	st := Stats{
		Count:  s.count,
		Scored: s.n,
		Labels: Labels{
			Positive: s.labels[sentiment.Positive.Index()],
			Negative: s.labels[sentiment.Negative.Index()],
			Neutral:  s.labels[sentiment.Neutral.Index()],
			Mixed:    s.labels[sentiment.Mixed.Index()],
			Unscored: s.labels[sentiment.Unscored.Index()],
		},
	}
	if s.n == 0 {
		return st
	}
	st.Mean = s.mean
	st.Variance = math.Max(0, s.m2/float64(s.n))
	st.StdDev = math.Sqrt(st.Variance)
	st.Min, st.Max = s.min, s.max
	st.Q25, st.Median, st.Q75 = s.quartiles()
	return st
}

func (s *Summary) quartiles() (q25, q50, q75 float64) {
	ps := [3]float64{0.25, 0.5, 0.75}
	var out [3]float64
	if s.hist == nil {
		sorted := slices.Clone(s.small)
		slices.Sort(sorted)
		at := func(k int64) int16 { return sorted[k] }
		for i, p := range ps {
			out[i] = type7(p, s.n, at)
		}
		return out[0], out[1], out[2]
	}
	// Order statistics from the histogram: walk the buckets once per
	// needed rank. Six lookups per window is cheap next to a full sort.
	at := func(k int64) int16 {
		var cum int64
		for i, c := range s.hist {
			cum += int64(c)
			if cum > k {
				return int16(i - gridSteps)
			}
		}
		return gridSteps
	}
	for i, p := range ps {
		out[i] = type7(p, s.n, at)
	}
	return out[0], out[1], out[2]
}

// type7 is Hyndman & Fan's definition 7 over n rounded values, where at(k)
// gives the k-th smallest (0-based).
func type7(p float64, n int64, at func(int64) int16) float64 {
	h := p * float64(n-1)
	lo := int64(math.Floor(h))
	x := float64(at(lo))
	if frac := h - float64(lo); frac > 0 && lo+1 < n {
		x += frac * (float64(at(lo+1)) - x)
	}
	return x / gridSteps
}
