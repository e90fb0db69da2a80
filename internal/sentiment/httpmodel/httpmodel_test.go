package httpmodel_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/sentiment/httpmodel"
	"github.com/tsaproject/tsa/internal/sentiment/httpmodel/httpmodelfake"
	"github.com/tsaproject/tsa/internal/testutil/leak"
)

type env struct {
	fake *httpmodelfake.Server
	srv  *httptest.Server
	a    *httpmodel.Analyzer
}

// newEnv starts a fake and opens an analyzer on it through the registry.
// path is the URL path ("/predict"); extra is added to the spec.
func newEnv(t *testing.T, path, extra string, setup ...func(*httpmodelfake.Server)) *env {
	t.Helper()
	leak.Check(t)
	fake := httpmodelfake.New()
	for _, f := range setup {
		f(fake)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	spec := "http?url=" + srv.URL + path + extra
	if !strings.Contains(extra, "backoff=") {
		spec += "&backoff=2ms&max_backoff=20ms"
	}
	an, err := sentiment.Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := an.(*httpmodel.Analyzer)
	if !ok {
		t.Fatalf("Open gave %T", an)
	}
	t.Cleanup(func() { _ = a.Close() })
	return &env{fake, srv, a}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// want is the Result for text from the fake's three probabilities.
func want(text string) sentiment.Result {
	neg, neu, pos := httpmodelfake.Scores(text)
	r := sentiment.Result{Positive: pos, Negative: neg, Neutral: neu}
	r.Label = r.ArgMax()
	r.Score = pos - neg
	r.Polarity = r.Score
	return r
}

func sameResult(t *testing.T, i int, got, want sentiment.Result) {
	t.Helper()
	const eps = 1e-9
	near := func(a, b float64) bool { return math.Abs(a-b) < eps }
	if got.Label != want.Label || !near(got.Positive, want.Positive) || !near(got.Negative, want.Negative) ||
		!near(got.Neutral, want.Neutral) || !near(got.Mixed, want.Mixed) || !near(got.Score, want.Score) ||
		!near(got.Polarity, want.Polarity) || got.Detail != ([sentiment.MaxDetail]float64{}) {
		t.Errorf("doc %d: got %+v, want %+v", i, got, want)
	}
}

var sampleTexts = []string{
	"I love this, great day",
	"this is terrible and bad",
	"the bus leaves at nine",
	"good food but awful service",
	"happy happy happy",
}

func sampleDocs(n int) []sentiment.Doc {
	docs := make([]sentiment.Doc, n)
	for i := range docs {
		docs[i] = sentiment.Doc{Text: fmt.Sprintf("%s #%d", sampleTexts[i%len(sampleTexts)], i), Lang: "en"}
	}
	return docs
}

func batchSizes(calls []httpmodelfake.Call) []int {
	var s []int
	for _, c := range calls {
		if c.Format != "" {
			s = append(s, len(c.Inputs))
		}
	}
	return s
}

func TestRegistered(t *testing.T) {
	found := false
	for _, n := range sentiment.Names() {
		found = found || n == httpmodel.Name
	}
	if !found {
		t.Fatalf("http not registered: %v", sentiment.Names())
	}
}

func TestOpenErrors(t *testing.T) {
	t.Setenv("TSA_TEST_EMPTY_TOKEN", "")
	for _, spec := range []string{
		"http",
		"http?url=ftp://x/predict",
		"http?url=http://127.0.0.1:3000/predict&format=grpc",
		"http?url=http://127.0.0.1:3000/predict&labels=LABEL_0",
		"http?url=http://127.0.0.1:3000/predict&labels=LABEL_0:happy",
		"http?url=http://127.0.0.1:3000/predict&labels=a:positive,A:negative",
		"http?url=http://127.0.0.1:3000/predict&batch=0",
		"http?url=http://127.0.0.1:3000/predict&timeout=fast",
		"http?url=http://127.0.0.1:3000/predict&token_env=TSA_TEST_UNSET_TOKEN_VAR",
		"http?url=http://127.0.0.1:3000/predict&token_env=TSA_TEST_EMPTY_TOKEN",
		"http?url=http://127.0.0.1:3000/predict&truncate=perhaps",
		"http?url=http://127.0.0.1:3000/predict&color=red",
		"http?url=http://127.0.0.1:3000/predict&batch=1&batch=2",
	} {
		if a, err := sentiment.Open(spec); err == nil {
			t.Errorf("Open(%q) = %v, want an error", spec, a)
		}
	}
}

func TestParseLabels(t *testing.T) {
	m, err := httpmodel.ParseLabels("negative:negative, Neutral:neutral,positive:POSITIVE,LABEL_0:negative,a:b:mixed")
	if err != nil {
		t.Fatal(err)
	}
	wantM := map[string]sentiment.Label{"negative": sentiment.Negative, "neutral": sentiment.Neutral, "positive": sentiment.Positive, "label_0": sentiment.Negative, "a:b": sentiment.Mixed}
	if fmt.Sprint(m) != fmt.Sprint(wantM) {
		t.Errorf("got %v", m)
	}
	for _, s := range []string{"", ",", "x", "x:unscored", ":positive", "x:positive,X:negative"} {
		if _, err := httpmodel.ParseLabels(s); err == nil {
			t.Errorf("ParseLabels(%q): no error", s)
		}
	}
}

func TestTEIHappyPathBatchesOf32(t *testing.T) {
	e := newEnv(t, "/predict", "&format=tei&concurrency=2")
	docs := sampleDocs(70)
	out := make([]sentiment.Result, len(docs))
	errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
	if err != nil || errs != nil {
		t.Fatal(errs, err)
	}
	for i, d := range docs {
		sameResult(t, i, out[i], want(d.Text))
	}
	calls := e.fake.Calls()
	sizes := map[int]int{}
	for _, c := range calls {
		sizes[len(c.Inputs)]++
		if c.Status != 200 || c.Format != "tei" || c.Truncate == nil || !*c.Truncate || c.Auth != "" {
			t.Errorf("call %+v", c)
		}
	}
	if len(calls) != 3 || sizes[32] != 2 || sizes[6] != 1 {
		t.Errorf("want 32, 32, 6; got %v", batchSizes(calls))
	}
	// Analyze is a batch of one.
	r, err := e.a.Analyze(ctxT(t), sentiment.Doc{Text: "great"})
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, 0, r, want("great"))
}

func TestBatchParamAndTruncate(t *testing.T) {
	e := newEnv(t, "/predict", "&batch=5&truncate=false&concurrency=1")
	out := make([]sentiment.Result, 12)
	if _, err := e.a.AnalyzeBatch(ctxT(t), sampleDocs(12), out); err != nil {
		t.Fatal(err)
	}
	calls := e.fake.Calls()
	if fmt.Sprint(batchSizes(calls)) != "[5 5 2]" || *calls[0].Truncate {
		t.Errorf("calls %+v", calls)
	}
}

func TestTEIBatchLimitLearned(t *testing.T) {
	// The server allows 10; the client starts at 32, gets TEI's 422, splits
	// to 10 and keeps 10 for later calls.
	e := newEnv(t, "/predict", "&concurrency=1", func(f *httpmodelfake.Server) { f.MaxBatch = 10 })
	docs := sampleDocs(40)
	out := make([]sentiment.Result, len(docs))
	errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
	if err != nil || errs != nil {
		t.Fatal(errs, err)
	}
	for i, d := range docs {
		sameResult(t, i, out[i], want(d.Text))
	}
	calls := e.fake.Calls()
	if calls[0].Status != 422 || len(calls[0].Inputs) != 32 {
		t.Errorf("first call %+v", calls[0])
	}
	if got := fmt.Sprint(batchSizes(calls)); got != "[32 10 10 10 2 8]" {
		t.Errorf("batch sizes %s", got)
	}
	e.fake.Reset()
	if _, err := e.a.AnalyzeBatch(ctxT(t), docs, out); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(batchSizes(e.fake.Calls())); got != "[10 10 10 10]" {
		t.Errorf("after learning: %s", got)
	}
}

func TestHFFormat(t *testing.T) {
	for _, nested := range []bool{false, true} {
		t.Run(fmt.Sprint("nested=", nested), func(t *testing.T) {
			e := newEnv(t, "/hf-inference/models/cardiffnlp/twitter-roberta-base-sentiment-latest", "&format=hf",
				func(f *httpmodelfake.Server) { f.Nested = nested })
			r, err := e.a.Analyze(ctxT(t), sentiment.Doc{Text: "I hate mondays"})
			if err != nil {
				t.Fatal(err)
			}
			sameResult(t, 0, r, want("I hate mondays"))
			docs := sampleDocs(7)
			out := make([]sentiment.Result, len(docs))
			if errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out); err != nil || errs != nil {
				t.Fatal(errs, err)
			}
			for i, d := range docs {
				sameResult(t, i, out[i], want(d.Text))
			}
			calls := e.fake.Calls()
			if len(calls) != 2 || calls[0].Format != "hf" || len(calls[0].Inputs) != 1 || len(calls[1].Inputs) != 7 {
				t.Fatalf("calls %+v", calls)
			}
			if calls[0].TopK != 6 { // distinct labels of the default table
				t.Errorf("top_k %d", calls[0].TopK)
			}
		})
	}
}

func TestHFTopOneOnly(t *testing.T) {
	// With top_k=1 only the top class comes back; the others get 0 before
	// normalizing, so the top class gets 1.
	e := newEnv(t, "/models/m", "&format=hf&top_k=1")
	r, err := e.a.Analyze(ctxT(t), sentiment.Doc{Text: "love love"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Positive != 1 || r.Negative != 0 || r.Neutral != 0 || r.Label != sentiment.Positive || r.Score != 1 {
		t.Errorf("got %+v", r)
	}
	// A flat answer of one top prediction per text for a batch.
	docs := []sentiment.Doc{{Text: "bad"}, {Text: "good"}}
	e.fake.InjectNext(1, 200, `[{"label":"negative","score":0.9},{"label":"positive","score":0.8}]`, nil)
	out := make([]sentiment.Result, 2)
	if errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out); err != nil || errs != nil {
		t.Fatal(errs, err)
	}
	if out[0].Label != sentiment.Negative || out[1].Label != sentiment.Positive {
		t.Errorf("got %+v", out)
	}
}

func TestLabelMapping(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels []string
		spec   string
		check  func(t *testing.T, text string, r sentiment.Result, err error)
	}{
		{"LABEL_n by default", []string{"LABEL_0", "LABEL_1", "LABEL_2"}, "", func(t *testing.T, text string, r sentiment.Result, err error) {
			if err != nil {
				t.Fatal(err)
			}
			sameResult(t, 0, r, want(text))
		}},
		{"case-insensitive", []string{"Negative", "NEUTRAL", "positive"}, "", func(t *testing.T, text string, r sentiment.Result, err error) {
			if err != nil {
				t.Fatal(err)
			}
			sameResult(t, 0, r, want(text))
		}},
		{"custom table", []string{"neg", "neu", "pos"}, "&labels=NEG:negative,neu:neutral,pos:positive", func(t *testing.T, text string, r sentiment.Result, err error) {
			if err != nil {
				t.Fatal(err)
			}
			sameResult(t, 0, r, want(text))
		}},
		{"mixed mapped, neutral missing", []string{"anger", "mixed", "joy"}, "&labels=anger:negative,joy:positive,mixed:mixed", func(t *testing.T, text string, r sentiment.Result, err error) {
			if err != nil {
				t.Fatal(err)
			}
			neg, mix, pos := httpmodelfake.Scores(text)
			if math.Abs(r.Mixed-mix) > 1e-9 || math.Abs(r.Negative-neg) > 1e-9 || math.Abs(r.Positive-pos) > 1e-9 || r.Neutral != 0 {
				t.Errorf("got %+v", r)
			}
		}},
		{"one class unmapped", []string{"negative", "other", "positive"}, "", func(t *testing.T, text string, r sentiment.Result, err error) {
			if err != nil {
				t.Fatal(err)
			}
			neg, _, pos := httpmodelfake.Scores(text)
			if math.Abs(r.Positive-pos/(pos+neg)) > 1e-9 || r.Neutral != 0 || r.Mixed != 0 {
				t.Errorf("got %+v", r)
			}
		}},
		{"nothing mapped", []string{"anger", "fear", "joy"}, "", func(t *testing.T, text string, r sentiment.Result, err error) {
			if err == nil || !strings.Contains(err.Error(), "no mapped label") {
				t.Errorf("want a per-document mapping error, got %v", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "/predict", tc.spec, func(f *httpmodelfake.Server) { f.Labels = tc.labels })
			const text = "love it but awful"
			r, err := e.a.Analyze(ctxT(t), sentiment.Doc{Text: text})
			tc.check(t, text, r, err)
		})
	}
}

func TestLanguages(t *testing.T) {
	for _, tc := range []struct {
		spec      string
		yes, no   []string
		batchLang string
	}{
		{"", []string{"", "en", "en-US"}, []string{"es", "ja"}, "es"},
		{"&langs=en,es", []string{"", "en", "es", "es-MX"}, []string{"fr"}, "fr"},
		{"&langs=*", []string{"", "en", "fi", "zh-TW"}, nil, ""},
	} {
		e := newEnv(t, "/predict", tc.spec)
		for _, l := range tc.yes {
			if !e.a.Supports(l) {
				t.Errorf("%s: Supports(%q) = false", tc.spec, l)
			}
		}
		for _, l := range tc.no {
			if e.a.Supports(l) {
				t.Errorf("%s: Supports(%q) = true", tc.spec, l)
			}
		}
		if tc.batchLang == "" {
			continue
		}
		docs := []sentiment.Doc{{Text: "good", Lang: "en"}, {Text: "bueno", Lang: tc.batchLang}}
		out := make([]sentiment.Result, 2)
		errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
		if err != nil || errs == nil || errs[0] != nil || !errors.Is(errs[1], sentiment.ErrUnsupportedLanguage) || out[1].Label != sentiment.Unscored {
			t.Errorf("%s: %v %v %+v", tc.spec, errs, err, out)
		}
		if c := e.fake.Calls(); len(c) != 1 || len(c[0].Inputs) != 1 {
			t.Errorf("%s: calls %+v", tc.spec, c)
		}
	}
}

func TestAuth(t *testing.T) {
	const key = "s3cr3t-api-key"
	setup := func(f *httpmodelfake.Server) { f.APIKey = key }
	t.Run("good token", func(t *testing.T) {
		t.Setenv("TSA_TEST_HTTP_TOKEN", key)
		e := newEnv(t, "/predict", "&token_env=TSA_TEST_HTTP_TOKEN", setup)
		if _, err := e.a.Analyze(ctxT(t), sentiment.Doc{Text: "good"}); err != nil {
			t.Fatal(err)
		}
		if c := e.fake.Calls(); c[0].Auth != "Bearer "+key {
			t.Errorf("auth header %q", c[0].Auth)
		}
		if s := fmt.Sprintf("%v %+v %#v", e.a, e.a, e.a); strings.Contains(s, key) {
			t.Errorf("analyzer prints its token: %s", s)
		}
	})
	for name, tok := range map[string]string{"wrong token": "nope-wrong", "no token": ""} {
		t.Run(name, func(t *testing.T) {
			extra := ""
			if tok != "" {
				t.Setenv("TSA_TEST_HTTP_TOKEN", tok)
				extra = "&token_env=TSA_TEST_HTTP_TOKEN"
			}
			e := newEnv(t, "/predict", extra, setup)
			_, err := e.a.Analyze(ctxT(t), sentiment.Doc{Text: "good"})
			var se *httpmodel.StatusError
			if !errors.As(err, &se) || se.Status != 401 {
				t.Fatalf("want 401, got %v", err)
			}
			if tok != "" && strings.Contains(err.Error(), tok) {
				t.Errorf("error shows the token: %v", err)
			}
			if n := len(e.fake.Calls()); n != 1 {
				t.Errorf("401 retried: %d calls", n)
			}
		})
	}
}

func TestURLSecretsNotInErrors(t *testing.T) {
	leak.Check(t)
	fake := httpmodelfake.New()
	fake.APIKey = "k"
	srv := httptest.NewServer(fake)
	defer srv.Close()
	a, err := httpmodel.New(httpmodel.Options{URL: strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1) + "/predict?api_key=QUERYSECRET"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, err = a.Analyze(ctxT(t), sentiment.Doc{Text: "x"})
	if err == nil || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "QUERYSECRET") {
		t.Errorf("error %v", err)
	}
	// A refused connection (*url.Error) is scrubbed the same way.
	srv.Close()
	_, err = a.Analyze(ctxT(t), sentiment.Doc{Text: "x"})
	if err == nil || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "QUERYSECRET") {
		t.Errorf("error %v", err)
	}
}

func TestRetries(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  func(*httpmodelfake.Server)
		spec   string
		calls  int
		status int // 0 = success
		minDur time.Duration
	}{
		// backoff=20ms: the first retry waits 10-20ms, the second 20-40ms.
		{"429 twice", func(f *httpmodelfake.Server) { f.OverloadNext(2) }, "&backoff=20ms&max_backoff=1s", 3, 0, 30 * time.Millisecond},
		{"503 twice", func(f *httpmodelfake.Server) { f.UnhealthyNext(2) }, "&backoff=20ms&max_backoff=1s", 3, 0, 30 * time.Millisecond},
		{"424 once", func(f *httpmodelfake.Server) {
			f.InjectNext(1, 424, `{"error":"backend","error_type":"Backend"}`, nil)
		}, "", 2, 0, 0},
		{"Retry-After honoured", func(f *httpmodelfake.Server) {
			f.InjectNext(1, 429, `{"error":"slow down","error_type":"Overloaded"}`, http.Header{"Retry-After": {"1"}})
		}, "&backoff=1ms&max_backoff=5s", 2, 0, time.Second},
		{"model loading", func(f *httpmodelfake.Server) {
			f.InjectNext(1, 503, `{"error":"Model m is currently loading","estimated_time":0.3}`, nil)
		}, "&backoff=1ms&max_backoff=5s", 2, 0, 300 * time.Millisecond},
		{"Retry-After capped by max_backoff", func(f *httpmodelfake.Server) {
			f.InjectNext(1, 429, `{"error":"x","error_type":"Overloaded"}`, http.Header{"Retry-After": {"3600"}})
		}, "&backoff=1ms&max_backoff=10ms", 2, 0, 0},
		{"429 beyond attempts", func(f *httpmodelfake.Server) { f.OverloadNext(10) }, "&max_attempts=3", 3, 429, 0},
		{"no retry", func(f *httpmodelfake.Server) { f.OverloadNext(1) }, "&max_attempts=1", 1, 429, 0},
		{"500 not retried", func(f *httpmodelfake.Server) { f.InjectNext(1, 500, `oops`, nil) }, "", 1, 500, 0},
		{"400 Empty not retried", func(f *httpmodelfake.Server) {
			f.InjectNext(1, 400, `{"error":"inputs cannot be empty","error_type":"Empty"}`, nil)
		}, "", 1, 400, 0},
		{"404", func(f *httpmodelfake.Server) { f.InjectNext(1, 404, ``, nil) }, "", 1, 404, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "/predict", tc.spec, tc.fault)
			docs := []sentiment.Doc{{Text: "good"}, {Text: "bad"}}
			out := make([]sentiment.Result, 2)
			start := time.Now()
			errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
			el := time.Since(start)
			if n := len(e.fake.Calls()); n != tc.calls {
				t.Errorf("%d calls, want %d", n, tc.calls)
			}
			if tc.status == 0 {
				if err != nil || errs != nil {
					t.Fatal(errs, err)
				}
				sameResult(t, 1, out[1], want("bad"))
				if el < tc.minDur {
					t.Errorf("took %v, want at least %v", el, tc.minDur)
				}
				return
			}
			var se *httpmodel.StatusError
			if !errors.As(err, &se) || se.Status != tc.status {
				t.Fatalf("want status %d, got %v", tc.status, err)
			}
		})
	}
}

func TestErrorBodyInMessage(t *testing.T) {
	e := newEnv(t, "/predict", "", func(f *httpmodelfake.Server) {
		f.InjectNext(1, 400, `{"error":"inputs cannot be empty","error_type":"Empty"}`, nil)
	})
	_, err := e.a.Analyze(ctxT(t), sentiment.Doc{Text: "x"})
	var se *httpmodel.StatusError
	if !errors.As(err, &se) || se.Type != "Empty" || se.Message != "inputs cannot be empty" ||
		!strings.Contains(err.Error(), "400 Bad Request: Empty: inputs cannot be empty") {
		t.Errorf("got %v", err)
	}
}

func TestDocumentErrorsIsolated(t *testing.T) {
	t.Run("tokenizer 422", func(t *testing.T) {
		e := newEnv(t, "/predict", "&concurrency=1")
		docs := sampleDocs(10)
		docs[6].Text += " " + httpmodelfake.TokenizerErrorMarker
		out := make([]sentiment.Result, len(docs))
		errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range docs {
			if i == 6 {
				var se *httpmodel.StatusError
				if errs == nil || !errors.As(errs[i], &se) || se.Status != 422 || se.Type != "Tokenizer" {
					t.Errorf("doc 6: %v", errs)
				}
				continue
			}
			if errs[i] != nil {
				t.Errorf("doc %d: %v", i, errs[i])
			}
			sameResult(t, i, out[i], want(d.Text))
		}
		// 10 → 5+5 → the bad half splits down to its one document.
		if n := len(e.fake.Calls()); n > 10 {
			t.Errorf("%d calls to isolate one document", n)
		}
	})
	t.Run("payload 413", func(t *testing.T) {
		e := newEnv(t, "/predict", "&concurrency=1", func(f *httpmodelfake.Server) { f.Payload = 3000 })
		docs := make([]sentiment.Doc, 8)
		for i := range docs {
			docs[i].Text = "good " + strings.Repeat("x", 600)
		}
		docs[3].Text = strings.Repeat("y", 5000)
		out := make([]sentiment.Result, len(docs))
		errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range docs {
			if i == 3 {
				var se *httpmodel.StatusError
				if errs == nil || !errors.As(errs[i], &se) || se.Status != 413 {
					t.Errorf("doc 3: %v", errs)
				}
				continue
			}
			if errs[i] != nil {
				t.Errorf("doc %d: %v", i, errs[i])
			}
			sameResult(t, i, out[i], want(d.Text))
		}
	})
}

func TestBadAnswers(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":          "",
		"wrong count":       `[[{"label":"positive","score":1}]]`,
		"object":            `{"label":"positive"}`,
		"wrong inner shape": `[["positive"],["negative"]]`,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, "/predict", "", func(f *httpmodelfake.Server) {
				if body == "" {
					f.GarbageNext(1)
				} else {
					f.InjectNext(1, 200, body, nil)
				}
			})
			_, err := e.a.AnalyzeBatch(ctxT(t), sampleDocs(2), make([]sentiment.Result, 2))
			if err == nil || !strings.Contains(err.Error(), "unreadable answer") {
				t.Errorf("got %v", err)
			}
			if n := len(e.fake.Calls()); n != 1 {
				t.Errorf("bad answer retried: %d calls", n)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	e := newEnv(t, "/predict", "&timeout=100ms", func(f *httpmodelfake.Server) { f.SetDelay(5 * time.Second) })
	start := time.Now()
	_, err := e.a.AnalyzeBatch(ctxT(t), sampleDocs(3), make([]sentiment.Result, 3))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want deadline exceeded, got %v", err)
	}
	if el := time.Since(start); el > 4*time.Second {
		t.Errorf("took %v", el)
	}
}

func TestCallerCancel(t *testing.T) {
	e := newEnv(t, "/predict", "&concurrency=4&batch=2", func(f *httpmodelfake.Server) { f.SetDelay(5 * time.Second) })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := e.a.AnalyzeBatch(ctx, sampleDocs(40), make([]sentiment.Result, 40))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("want canceled, got %v", err)
	}
	if el := time.Since(start); el > 4*time.Second {
		t.Errorf("took %v", el)
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, "/predict", "&batch=7")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			docs := sampleDocs(20 + g)
			out := make([]sentiment.Result, len(docs))
			errs, err := e.a.AnalyzeBatch(context.Background(), docs, out)
			if err != nil || errs != nil {
				t.Error(errs, err)
				return
			}
			for i, d := range docs {
				sameResult(t, i, out[i], want(d.Text))
			}
		})
	}
	wg.Wait()
}

func TestFakeHealthAndInfo(t *testing.T) {
	leak.Check(t)
	fake := httpmodelfake.New()
	fake.APIKey = "k"
	srv := httptest.NewServer(fake)
	defer srv.Close()
	defer srv.Client().CloseIdleConnections()
	get := func(path, auth string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp, m
	}
	if resp, _ := get("/health", ""); resp.StatusCode != 200 {
		t.Errorf("/health %d", resp.StatusCode)
	}
	if resp, _ := get("/info", ""); resp.StatusCode != 401 {
		t.Errorf("/info without key %d", resp.StatusCode)
	}
	resp, info := get("/info", "Bearer k")
	if resp.StatusCode != 200 || info["max_client_batch_size"] != float64(32) {
		t.Errorf("/info %d %v", resp.StatusCode, info)
	}
	mt, _ := info["model_type"].(map[string]any)
	cl, _ := mt["classifier"].(map[string]any)
	if fmt.Sprint(cl["id2label"]) != "map[0:negative 1:neutral 2:positive]" {
		t.Errorf("id2label %v", cl["id2label"])
	}
}
