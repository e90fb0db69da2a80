package model

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// Example is one labelled text.
type Example struct {
	Text  string
	Label sentiment.Label
}

// ReadTSV reads labelled examples, one a line: label<TAB>text, the label one
// of negative, neutral, positive (any case). Blank lines are skipped. An
// error names the offending line.
func ReadTSV(r io.Reader) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(s) == "" {
			continue
		}
		lab, txt, ok := strings.Cut(s, "\t")
		if !ok {
			return nil, fmt.Errorf("line %d: no tab between label and text", line)
		}
		l, err := sentiment.ParseLabel(lab)
		if err != nil || classOf(l) < 0 {
			return nil, fmt.Errorf("line %d: label %q is not negative, neutral or positive", line, lab)
		}
		out = append(out, Example{Text: txt, Label: l})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return out, nil
}

// Class indices used in training.
const (
	cNeg = iota
	cNeu
	cPos
)

func classOf(l sentiment.Label) int {
	switch l {
	case sentiment.Negative:
		return cNeg
	case sentiment.Neutral:
		return cNeu
	case sentiment.Positive:
		return cPos
	}
	return -1
}

// TrainOptions tunes Train. The zero value means the defaults, which are the
// settings chosen by cross-validation (docs/ANALYZERS.md).
type TrainOptions struct {
	// Seed drives the shuffling of the examples; 0 means 1. The same data,
	// options and seed give byte-identical weights.
	Seed uint64
	// Epochs over the training set; 0 means DefaultEpochs.
	Epochs int
	// LearningRate is AdaGrad's step; 0 means DefaultLearningRate.
	LearningRate float64
	// L2 is the L2 penalty applied to a hashed feature's weight each time
	// the feature occurs (so frequent features are held back more); 0 means
	// DefaultL2, a negative value none. Dense features are not penalised.
	L2 float64
	// Bits sets the number of hashed feature buckets, 2^Bits; 0 means
	// DefaultBits.
	Bits int
	// DenseLearningRate is the step for the dense (lexicon and surface)
	// features, which occur in every post; 0 means DefaultDenseLearningRate.
	DenseLearningRate float64
	// Unbalanced turns off class weighting. By default each class weighs
	// in inversely to its frequency, which is what macro-averaged recall
	// rewards (negative posts are the rarest).
	Unbalanced bool
	// Average returns the mean of the weights at the end of the last
	// AverageEpochs epochs instead of the final ones; 0 means
	// DefaultAverageEpochs, a negative value no averaging.
	AverageEpochs int
	// Runs trains that many times from zero, each with its own order of
	// the examples, and averages the weights of all runs; 0 means
	// DefaultRuns.
	Runs int
	// Val, when set, is scored after every epoch and reported through Log
	// (it plays no part in training).
	Val []Example
	// Log receives progress lines; nil is quiet.
	Log func(format string, args ...any)

	features uint32 // feature switches; 0 means defaultFeatures
}

// The defaults of TrainOptions.
const (
	DefaultEpochs            = 8
	DefaultLearningRate      = 0.01
	DefaultDenseLearningRate = 0.02
	DefaultL2                = 1e-5
	DefaultBits              = 20
	DefaultAverageEpochs     = 4
	DefaultRuns              = 1
	defaultFeatures          = ffBigram | ffLexInd | ffDense
)

func (o *TrainOptions) defaults() {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Epochs <= 0 {
		o.Epochs = DefaultEpochs
	}
	if o.LearningRate <= 0 {
		o.LearningRate = DefaultLearningRate
	}
	if o.DenseLearningRate <= 0 {
		o.DenseLearningRate = DefaultDenseLearningRate
	}
	if o.L2 == 0 {
		o.L2 = DefaultL2
	} else if o.L2 < 0 {
		o.L2 = 0
	}
	if o.Bits == 0 {
		o.Bits = DefaultBits
	}
	if o.AverageEpochs == 0 {
		o.AverageEpochs = DefaultAverageEpochs
	}
	o.AverageEpochs = min(max(o.AverageEpochs, 1), o.Epochs)
	if o.Runs <= 0 {
		o.Runs = DefaultRuns
	}
	if o.features == 0 {
		o.features = defaultFeatures
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
}

// encoded is one training example as features.
type encoded struct {
	ids   []uint32
	dense [nDense]float32
	class int
}

func encode(lex *lexTable, flags uint32, bits uint8, ex []Example) []encoded {
	out := make([]encoded, len(ex))
	var f featurizer
	for i, e := range ex {
		f.reset(lex, flags, bits)
		featurize(&f, e.Text)
		out[i] = encoded{ids: append([]uint32(nil), f.ids...), dense: f.dense, class: classOf(e.Label)}
	}
	return out
}

// Train fits a model to the examples. It uses one goroutine and is
// deterministic: the same examples, options and seed give the same weights,
// byte for byte (on the same GOARCH). It returns ctx's error if cancelled.
func Train(ctx context.Context, train []Example, opt TrainOptions) (*Model, error) {
	opt.defaults()
	if opt.Bits < minBits || opt.Bits > maxBits {
		return nil, fmt.Errorf("model: bits must be in [%d, %d], have %d", minBits, maxBits, opt.Bits)
	}
	var counts [3]int
	for i, e := range train {
		c := classOf(e.Label)
		if c < 0 {
			return nil, fmt.Errorf("model: example %d: label %q is not negative, neutral or positive", i, e.Label)
		}
		counts[c]++
	}
	for c, n := range counts {
		if n == 0 {
			return nil, fmt.Errorf("model: no %s examples", [3]string{"negative", "neutral", "positive"}[c])
		}
	}
	lex := theLexicon()
	bits := uint8(opt.Bits)
	data := encode(lex, opt.features, bits, train)
	nfeat := 0
	for _, e := range data {
		nfeat += len(e.ids)
	}
	opt.Log("model: %d examples (negative %d, neutral %d, positive %d), %.1f hashed features each, 2^%d buckets",
		len(data), counts[cNeg], counts[cNeu], counts[cPos], float64(nfeat)/float64(len(data)), opt.Bits)

	var cw [3]float64
	for c := range cw {
		cw[c] = 1
		if !opt.Unbalanced {
			cw[c] = float64(len(data)) / (3 * float64(counts[c]))
		}
	}

	t := newTrainer(1<<bits, opt)
	var val []encoded
	if len(opt.Val) > 0 {
		val = encode(lex, opt.features, bits, opt.Val)
	}
	order := make([]int, len(data))
	for run := 0; run < opt.Runs; run++ {
		if run > 0 {
			t.restart()
		}
		if err := t.run(ctx, opt, run, data, order, cw, val); err != nil {
			return nil, err
		}
	}
	m := t.model(bits, opt.features, lex)
	return m, nil
}

// run trains from the current weights for opt.Epochs, in the order drawn
// from the seed and the run number.
func (t *trainer) run(ctx context.Context, opt TrainOptions, run int, data []encoded, order []int, cw [3]float64, val []encoded) error {
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5453414d4f44454c+uint64(run)))
	for ep := 1; ep <= opt.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var loss, wsum float64
		for k, i := range order {
			if k&4095 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			e := &data[i]
			loss += cw[e.class] * t.step(e, cw[e.class])
			wsum += cw[e.class]
		}
		if ep > opt.Epochs-opt.AverageEpochs {
			t.accumulate()
		}
		msg := fmt.Sprintf("model: epoch %d/%d: loss %.4f", ep, opt.Epochs, loss/wsum)
		if opt.Runs > 1 {
			msg = fmt.Sprintf("model: run %d/%d, epoch %d/%d: loss %.4f", run+1, opt.Runs, ep, opt.Epochs, loss/wsum)
		}
		if val != nil {
			cm := t.confusion(val)
			msg += fmt.Sprintf(", val accuracy %.4f macro-recall %.4f macro-F1 %.4f", cm.accuracy(), cm.macroRecall(), cm.macroF1())
		}
		opt.Log("%s", msg)
	}
	return nil
}

// trainer holds the weights during training: per bucket three class scores.
type trainer struct {
	w, g   []float64 // sparse weights and AdaGrad sums, 3 per bucket
	dw, dg [nDense * 3]float64
	avg    []float64
	davg   [nDense * 3]float64
	navg   int
	lr, l2 float64
	dlr    float64
}

func newTrainer(buckets int, opt TrainOptions) *trainer {
	return &trainer{
		w:   make([]float64, 3*buckets),
		g:   make([]float64, 3*buckets),
		avg: make([]float64, 3*buckets),
		lr:  opt.LearningRate,
		dlr: opt.DenseLearningRate,
		l2:  opt.L2,
	}
}

func (t *trainer) scores(e *encoded) (z [3]float64) {
	for _, id := range e.ids {
		w := t.w[3*id : 3*id+3]
		z[0] += w[0]
		z[1] += w[1]
		z[2] += w[2]
	}
	for j, x := range e.dense {
		if x != 0 {
			d := t.dw[3*j : 3*j+3]
			// Explicit conversions round each product, so that no
			// platform fuses them into FMAs and the sums stay identical.
			z[0] += float64(float64(x) * d[0])
			z[1] += float64(float64(x) * d[1])
			z[2] += float64(float64(x) * d[2])
		}
	}
	return z
}

// step takes one AdaGrad step on e and returns its log loss before it.
func (t *trainer) step(e *encoded, weight float64) float64 {
	z := t.scores(e)
	var p [3]float64
	p[0], p[1], p[2] = softmax3(z[0], z[1], z[2])
	loss := -math.Log(math.Max(p[e.class], 1e-300))
	var gr [3]float64
	for c := range gr {
		gr[c] = p[c]
		if c == e.class {
			gr[c] -= 1
		}
		gr[c] *= weight
	}
	const eps = 1e-8
	for _, id := range e.ids {
		w := t.w[3*id : 3*id+3]
		g := t.g[3*id : 3*id+3]
		for c := 0; c < 3; c++ {
			d := gr[c] + float64(t.l2*w[c])
			g[c] += float64(d * d)
			w[c] -= t.lr * d / (math.Sqrt(g[c]) + eps)
		}
	}
	for j, x := range e.dense {
		if x == 0 {
			continue
		}
		for c := 0; c < 3; c++ {
			k := 3*j + c
			d := gr[c] * float64(x)
			t.dg[k] += float64(d * d)
			t.dw[k] -= t.dlr * d / (math.Sqrt(t.dg[k]) + eps)
		}
	}
	return loss
}

// restart zeroes the weights and AdaGrad sums for another run, keeping the
// running average.
func (t *trainer) restart() {
	clear(t.w)
	clear(t.g)
	t.dw = [nDense * 3]float64{}
	t.dg = [nDense * 3]float64{}
}

// accumulate adds the current weights to the running average.
func (t *trainer) accumulate() {
	for i, w := range t.w {
		t.avg[i] += w
	}
	for i, w := range t.dw {
		t.davg[i] += w
	}
	t.navg++
}

// final returns the weights to export: the average if any was taken.
func (t *trainer) final() ([]float64, []float64) {
	if t.navg == 0 {
		return t.w, t.dw[:]
	}
	n := float64(t.navg)
	w := make([]float64, len(t.avg))
	for i, a := range t.avg {
		w[i] = a / n
	}
	dw := make([]float64, len(t.davg))
	for i, a := range t.davg {
		dw[i] = a / n
	}
	return w, dw
}

// model quantises the weights into a Model.
func (t *trainer) model(bits uint8, flags uint32, lex *lexTable) *Model {
	w, dw := t.final()
	m := &Model{bits: bits, flags: flags, lex: lex, sparse: make([]wpair, 1<<bits)}
	maxAbs := 0.0
	for i := 0; i < len(w); i += 3 {
		maxAbs = max(maxAbs, math.Abs(w[i+cNeg]-w[i+cNeu]), math.Abs(w[i+cPos]-w[i+cNeu]))
	}
	scale := maxAbs / 32767
	if scale == 0 {
		scale = 1
	}
	m.scale = float32(scale)
	scale = float64(m.scale)
	q := func(x float64) int16 {
		return int16(max(-32767, min(32767, math.Round(x/scale))))
	}
	for i := range m.sparse {
		b := w[3*i : 3*i+3]
		m.sparse[i] = wpair{neg: q(b[cNeg] - b[cNeu]), pos: q(b[cPos] - b[cNeu])}
	}
	for j := range m.dense {
		d := dw[3*j : 3*j+3]
		m.dense[j] = [2]float32{float32(d[cNeg] - d[cNeu]), float32(d[cPos] - d[cNeu])}
	}
	return m
}

// confusion scores encoded examples with the current (not averaged) weights.
func (t *trainer) confusion(ex []encoded) confusion {
	var cm confusion
	for i := range ex {
		z := t.scores(&ex[i])
		best := cNeu
		if z[cPos] > z[best] {
			best = cPos
		}
		if z[cNeg] > z[best] {
			best = cNeg
		}
		cm[ex[i].class][best]++
	}
	return cm
}

// confusion[gold][predicted] counts, classes cNeg, cNeu, cPos.
type confusion [3][3]int

func (cm *confusion) accuracy() float64 {
	ok, n := 0, 0
	for g := range cm {
		for p := range cm[g] {
			n += cm[g][p]
			if g == p {
				ok += cm[g][p]
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(ok) / float64(n)
}

func (cm *confusion) recall(c int) float64 {
	n := cm[c][0] + cm[c][1] + cm[c][2]
	if n == 0 {
		return 0
	}
	return float64(cm[c][c]) / float64(n)
}

func (cm *confusion) precision(c int) float64 {
	n := cm[0][c] + cm[1][c] + cm[2][c]
	if n == 0 {
		return 0
	}
	return float64(cm[c][c]) / float64(n)
}

func (cm *confusion) macroRecall() float64 {
	return (cm.recall(0) + cm.recall(1) + cm.recall(2)) / 3
}

func (cm *confusion) macroF1() float64 {
	s := 0.0
	for c := 0; c < 3; c++ {
		p, r := cm.precision(c), cm.recall(c)
		if p+r > 0 {
			s += 2 * p * r / (p + r)
		}
	}
	return s / 3
}
