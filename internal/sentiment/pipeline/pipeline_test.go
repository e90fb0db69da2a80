package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// wordCounter scores +1 per "good" and -1 per "bad"; it stands in for a real
// analyzer so these tests check the pipeline, not a model.
type wordCounter struct{ fail string }

func (wordCounter) Name() string              { return "words" }
func (wordCounter) Supports(lang string) bool { return lang == "en" }
func (wordCounter) DetailNames() []string     { return []string{"words"} }
func (w wordCounter) Analyze(_ context.Context, d sentiment.Doc) (sentiment.Result, error) {
	if w.fail != "" && strings.Contains(d.Text, w.fail) {
		return sentiment.Result{}, errors.New("analyzer refused")
	}
	f := strings.Fields(d.Text)
	var r sentiment.Result
	for _, x := range f {
		switch x {
		case "good":
			r.Score++
		case "bad":
			r.Score--
		}
	}
	r.Polarity = sentiment.Clamp1(r.Score / 3)
	r.Detail[0] = float64(len(f))
	switch {
	case r.Score > 0:
		r.Label, r.Positive = sentiment.Positive, 1
	case r.Score < 0:
		r.Label, r.Negative = sentiment.Negative, 1
	default:
		r.Label, r.Neutral = sentiment.Neutral, 1
	}
	return r, nil
}

// batchCounter adds the batch method, to exercise that path.
type batchCounter struct {
	wordCounter
	calls atomic.Int64
}

func (b *batchCounter) AnalyzeBatch(ctx context.Context, docs []sentiment.Doc, out []sentiment.Result) ([]error, error) {
	b.calls.Add(1)
	var errs []error
	for i, d := range docs {
		r, err := b.Analyze(ctx, d)
		if err != nil {
			if errs == nil {
				errs = make([]error, len(docs))
			}
			errs[i] = err
		}
		out[i] = r
	}
	return errs, nil
}

type outLine struct {
	ID       json.RawMessage    `json:"id"`
	Label    string             `json:"label"`
	Score    float64            `json:"score"`
	Positive float64            `json:"positive"`
	Detail   map[string]float64 `json:"detail"`
	Error    string             `json:"error"`
}

func run(t *testing.T, a sentiment.Analyzer, in string, opt Options) ([]outLine, Totals, []int64) {
	t.Helper()
	var out bytes.Buffer
	var failed []int64
	opt.OnError = func(line int64, err error) { failed = append(failed, line) }
	tot, err := Run(context.Background(), a, strings.NewReader(in), &out, opt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var lines []outLine
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l outLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("output line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines, tot, failed
}

func TestOrderAndCount(t *testing.T) {
	var in strings.Builder
	const n = 10007
	for i := range n {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&in, "good good %d\n", i)
		case 1:
			fmt.Fprintf(&in, `{"id":"p%d","text":"bad day","lang":"en-GB","extra":[1,2]}`+"\n", i)
		default:
			fmt.Fprintf(&in, "{\"id\":%d,\"text\":\"fine\"}\r\n", i)
		}
	}
	for _, a := range []sentiment.Analyzer{wordCounter{}, &batchCounter{}} {
		lines, tot, failed := run(t, a, in.String(), Options{Workers: 4, BatchSize: 100})
		if tot.Lines != n || tot.Failed != 0 || len(failed) != 0 || len(lines) != n {
			t.Fatalf("%T: totals %+v, %d output lines, failed %v", a, tot, len(lines), failed)
		}
		for i, l := range lines {
			var want string
			switch i % 3 {
			case 0:
				want = fmt.Sprint(i + 1)
				if l.Score != 2 || l.Label != "positive" || l.Detail["words"] != 3 {
					t.Fatalf("line %d: %+v", i+1, l)
				}
			case 1:
				want = fmt.Sprintf(`"p%d"`, i)
				if l.Score != -1 {
					t.Fatalf("line %d: %+v", i+1, l)
				}
			default:
				want = fmt.Sprint(i)
			}
			if string(l.ID) != want {
				t.Fatalf("line %d: id %s, want %s (order lost?)", i+1, l.ID, want)
			}
		}
	}
}

func TestBadLines(t *testing.T) {
	long := strings.Repeat("good ", 300)
	in := strings.Join([]string{
		"good",                                 // 1 ok
		`{"text": 5}`,                          // 2 text not a string
		`{"id":"x","text":"ok"`,                // 3 truncated JSON
		"bad \xff\xfe",                         // 4 invalid UTF-8
		long,                                   // 5 too long
		`{"id":{"a":1},"text":"good"}`,         // 6 id is an object
		`{"id":"q","lang":"ja","text":"good"}`, // 7 unsupported language
		"",                                     // 8 empty text is still a post
		`{"id":"f","text":"please FAIL"}`,      // 9 the analyzer fails
		"good good",                            // 10 ok, no final newline
	}, "\n")
	for _, a := range []sentiment.Analyzer{wordCounter{fail: "FAIL"}, &batchCounter{wordCounter: wordCounter{fail: "FAIL"}}} {
		lines, tot, failed := run(t, a, in, Options{Workers: 2, BatchSize: 3, MaxLine: 1000})
		if tot.Lines != 10 || len(lines) != 10 {
			t.Fatalf("%T: %d lines out, totals %+v", a, len(lines), tot)
		}
		wantFailed := []int64{2, 3, 4, 5, 6, 9}
		if fmt.Sprint(failed) != fmt.Sprint(wantFailed) || tot.Failed != int64(len(wantFailed)) {
			t.Errorf("%T: failed lines %v, want %v", a, failed, wantFailed)
		}
		for _, i := range wantFailed {
			if lines[i-1].Error == "" {
				t.Errorf("line %d: no error in %+v", i, lines[i-1])
			}
		}
		if string(lines[2].ID) != "3" || string(lines[8].ID) != `"f"` {
			t.Errorf("error lines keep their id: %s %s", lines[2].ID, lines[8].ID)
		}
		if lines[6].Label != "unscored" {
			t.Errorf("japanese post: %+v", lines[6])
		}
		if lines[9].Score != 2 {
			t.Errorf("last line without newline: %+v", lines[9])
		}
		if !strings.Contains(lines[4].Error, "too long") {
			t.Errorf("long line: %+v", lines[4])
		}
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	w.n++
	if w.n > 1 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteErrorStops(t *testing.T) {
	in := strings.Repeat("good\n", 1<<20)
	_, err := Run(context.Background(), wordCounter{}, strings.NewReader(in), &failWriter{}, Options{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := strings.Repeat("good\n", 100000)
	if _, err := Run(ctx, wordCounter{}, strings.NewReader(in), &bytes.Buffer{}, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{"hello", `{"text":"x","id":1}`, `{"id":"a"}`, "{", `{"text":"\ud800"}`, "\xff", `  {"text":"a","lang":"en"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		p, err := ParseLine(line, 7)
		if !json.Valid(p.ID) {
			t.Fatalf("id %q is not JSON", p.ID)
		}
		if err == nil && !utf8.ValidString(p.Text) {
			t.Fatalf("accepted invalid UTF-8 text %q", p.Text)
		}
		r := sentiment.Result{Label: sentiment.Neutral, Neutral: 1}
		out := AppendResult(nil, p.ID, &r, []string{"a"})
		if err != nil {
			out = AppendError(nil, p.ID, err)
		}
		if !json.Valid(out) {
			t.Fatalf("output %q is not JSON", out)
		}
	})
}

func BenchmarkRun(b *testing.B) {
	var in strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&in, "this is a good post number %d about something bad and good\n", i)
	}
	s := in.String()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := Run(context.Background(), wordCounter{}, strings.NewReader(s), bytes.NewBuffer(nil), Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*10000/b.Elapsed().Seconds(), "posts/s")
}
