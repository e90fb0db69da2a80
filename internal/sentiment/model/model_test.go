package model

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// toyExamples is a small made-up training set (the real data may not be
// committed).
func toyExamples() []Example {
	pos := []string{"i love this so much :)", "what a great day", "best game ever!!", "so happy for you ❤️",
		"awesome news, thanks", "this is amazing", "good luck tomorrow, you will win", "lol that was fun 😂"}
	neg := []string{"i hate this", "worst day ever :(", "so sad and tired", "this is terrible",
		"not good at all", "i don't like it", "awful service, never again", "ugh my phone broke 😭"}
	neu := []string{"the game is on saturday", "meeting at 9:30 tomorrow", "new video is up http://t.co/x",
		"@user see you at the station", "tickets go on sale friday", "the store opens at noon",
		"watching the news", "school starts in september"}
	var ex []Example
	for k := 0; k < 3; k++ { // a few copies so that the toy model learns something
		for _, s := range pos {
			ex = append(ex, Example{s, sentiment.Positive})
		}
		for _, s := range neg {
			ex = append(ex, Example{s, sentiment.Negative})
		}
		for _, s := range neu {
			ex = append(ex, Example{s, sentiment.Neutral})
		}
	}
	return ex
}

func trainToy(t testing.TB, opt TrainOptions) *Model {
	t.Helper()
	if opt.Bits == 0 {
		opt.Bits = 14
	}
	m, err := Train(context.Background(), toyExamples(), opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func modelBytes(t testing.TB, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := m.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

func TestTrainDeterministic(t *testing.T) {
	a := modelBytes(t, trainToy(t, TrainOptions{Seed: 5}))
	b := modelBytes(t, trainToy(t, TrainOptions{Seed: 5}))
	if !bytes.Equal(a, b) {
		t.Fatal("two trainings with the same seed differ")
	}
	c := modelBytes(t, trainToy(t, TrainOptions{Seed: 6}))
	if bytes.Equal(a, c) {
		t.Error("different seeds gave identical weights")
	}
}

func TestToyModelLearns(t *testing.T) {
	m := trainToy(t, TrainOptions{Epochs: 20, LearningRate: 0.1})
	for _, c := range []struct {
		text string
		want sentiment.Label
	}{
		{"i love it, great", sentiment.Positive},
		{"terrible, i hate it", sentiment.Negative},
		{"the meeting is on friday", sentiment.Neutral},
	} {
		if r := m.Score(c.text); r.Label != c.want {
			t.Errorf("%q: %s (%+v), want %s", c.text, r.Label, r, c.want)
		}
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	m := trainToy(t, TrainOptions{})
	b := modelBytes(t, m)
	m2, err := Load(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, modelBytes(t, m2)) {
		t.Fatal("Load(WriteTo(m)) differs from m")
	}
	for _, s := range []string{"i love it", "not good", "meh"} {
		if m.Score(s) != m2.Score(s) {
			t.Errorf("%q scores differently after a round trip", s)
		}
	}
}

func TestLoadCorrupt(t *testing.T) {
	good := modelBytes(t, trainToy(t, TrainOptions{}))
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x10
		return b
	}
	for name, b := range map[string][]byte{
		"empty":       nil,
		"magic":       flip(0),
		"truncated":   good[:len(good)/2],
		"no checksum": good[:len(good)-4],
		"bit flip":    flip(len(good) / 2),
		"checksum":    flip(len(good) - 1),
		"trailing":    append(bytes.Clone(good), 0),
		"bits":        flip(8),
	} {
		if _, err := Load(bytes.NewReader(b)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
	v := bytes.Clone(good)
	v[6]++ // feature version
	if _, err := Load(bytes.NewReader(v)); err == nil || !strings.Contains(err.Error(), "retrain") {
		t.Errorf("other feature version: err = %v", err)
	}
}

func TestReadTSV(t *testing.T) {
	ex, err := ReadTSV(strings.NewReader("positive\tgood day\n\nNEGATIVE\tbad\tday\r\nneutral\t\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Example{{"good day", sentiment.Positive}, {"bad\tday", sentiment.Negative}, {"", sentiment.Neutral}}
	if len(ex) != len(want) {
		t.Fatalf("got %v", ex)
	}
	for i := range want {
		if ex[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, ex[i], want[i])
		}
	}
	for _, bad := range []string{"positive good day\n", "ok\tfine\n", "positive\tx\nmixed\ty\n"} {
		_, err := ReadTSV(strings.NewReader(bad))
		if err == nil || !strings.Contains(err.Error(), "line ") {
			t.Errorf("%q: err = %v, want one naming the line", bad, err)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Train(ctx, []Example{{"x", sentiment.Positive}}, TrainOptions{Bits: 12}); err == nil {
		t.Error("training without all three classes should fail")
	}
	if _, err := Train(ctx, []Example{{"x", sentiment.Mixed}}, TrainOptions{Bits: 12}); err == nil {
		t.Error("training on a mixed label should fail")
	}
	if _, err := Train(ctx, toyExamples(), TrainOptions{Bits: 40}); err == nil {
		t.Error("40 bits should be refused")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Train(cctx, toyExamples(), TrainOptions{Bits: 12}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestTrainLogsAndVal(t *testing.T) {
	var lines []string
	trainToy(t, TrainOptions{Epochs: 2, Val: toyExamples(), Log: func(f string, a ...any) {
		lines = append(lines, f)
	}})
	if len(lines) != 3 {
		t.Fatalf("got %d log lines, want 3 (summary and two epochs)", len(lines))
	}
}

func checkResult(t *testing.T, text string, r sentiment.Result) {
	t.Helper()
	sum := r.Positive + r.Negative + r.Neutral + r.Mixed
	if math.Abs(sum-1) > 1e-9 || r.Mixed != 0 {
		t.Fatalf("%q: scores sum to %v: %+v", text, sum, r)
	}
	for _, p := range []float64{r.Positive, r.Negative, r.Neutral} {
		if !(p >= 0 && p <= 1) {
			t.Fatalf("%q: probability out of range: %+v", text, r)
		}
	}
	if r.Label != r.ArgMax() || r.Score != r.Positive-r.Negative || r.Polarity != r.Score {
		t.Fatalf("%q: inconsistent result %+v", text, r)
	}
}

func TestEmbeddedAnalyzer(t *testing.T) {
	a, err := sentiment.Open("")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name() != Name || !a.Supports("en") || !a.Supports("") || a.Supports("ja") || len(a.DetailNames()) != 0 {
		t.Fatalf("analyzer %q: unexpected metadata", a.Name())
	}
	ctx := context.Background()
	for _, c := range []struct {
		text string
		want sentiment.Label
	}{
		{"I love this, what a great day :)", sentiment.Positive},
		{"This is the worst, I hate it :(", sentiment.Negative},
		{"The meeting is at 3pm on Tuesday", sentiment.Neutral},
	} {
		r, err := a.Analyze(ctx, sentiment.Doc{Text: c.text})
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, c.text, r)
		if r.Label != c.want {
			t.Errorf("%q: %s %+v, want %s", c.text, r.Label, r, c.want)
		}
	}
	r, _ := sentiment.Run(ctx, a, sentiment.Doc{Text: "hola", Lang: "es"})
	if r.Label != sentiment.Unscored {
		t.Errorf("Spanish: %s, want unscored", r.Label)
	}
}

func TestOpenWeightsParam(t *testing.T) {
	p := t.TempDir() + "/w.bin"
	m := trainToy(t, TrainOptions{})
	if err := os.WriteFile(p, modelBytes(t, m), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := sentiment.Open("model?weights=" + p)
	if err != nil {
		t.Fatal(err)
	}
	if a.(*Model).Score("great") != m.Score("great") {
		t.Error("model?weights= did not load the file")
	}
	for _, bad := range []string{"model?weights=" + p + ".missing", "model?weight=x", "model?weights=a&weights=b"} {
		if _, err := sentiment.Open(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestConcurrent(t *testing.T) {
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	posts := syntheticPosts(200, 9)
	want := make([]sentiment.Result, len(posts))
	for i, p := range posts {
		want[i] = m.Score(p)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i, p := range posts {
				if r := m.Score(p); r != want[i] {
					t.Errorf("%q: %+v concurrently, %+v alone", p, r, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestLongAndOddTexts(t *testing.T) {
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("so good &amp; not bad!!! 😂 ", 2000)
	for _, s := range []string{"", " ", long, strings.Repeat("a", 10000), "\x00\xff\xfe", "&amp;&amp;&amp;", `\u`, `\ud83d`, "@", "#", "http://"} {
		checkResult(t, s, m.Score(s))
	}
}

func FuzzScore(f *testing.F) {
	for _, s := range []string{"", "I love it :)", "not good!!!", "sooo happyyy 😂😂😂", "&amp;lt;3 \\u2019 \"\"x\"\"",
		"#LoveIt @user http://t.co/x", "Ünïcödé ÉCOLE", "9:30 :D xD T_T <3 </3", "\xff\xfe",
		"not good, very bad. but 2016 was 10!!! why?? LOL", "i'm not HAPPY at all... 3.39 or 1,000",
		"@user: I don't \"like\" it - (really) ... but the 1st & 19th; no, fun. FED UP with 8PM xan't"} {
		f.Add(s)
	}
	m, err := Embedded()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := m.Score(s)
		checkResult(t, s, r)
		if r2 := m.Score(s); r2 != r {
			t.Fatalf("%q: not deterministic: %+v then %+v", s, r, r2)
		}
		// The fast paths (plainWords and its replay) against training's.
		var scored, trained featurizer
		checkScoringMatchesTraining(t, m, s, &scored, &trained)
	})
}
