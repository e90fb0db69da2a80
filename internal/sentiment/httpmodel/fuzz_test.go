package httpmodel

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"testing"

	"github.com/tsaproject/tsa/internal/sentiment"
)

var answerSeeds = []string{
	`[[{"label":"positive","score":0.9},{"label":"neutral","score":0.07},{"label":"negative","score":0.03}],[{"label":"negative","score":1}]]`,
	`[{"label":"positive","score":0.9},{"label":"negative","score":0.1}]`,
	`[[{"label":"LABEL_2","score":1e308},{"label":"LABEL_0","score":1e308}],[{"label":"x","score":-1}]]`,
	`[[],[]]`, `[]`, `[[]]`, `null`, `{}`, ``, `[1,2]`, `[[1]]`, `[{"label":5}]`, `[[{"label":"positive","score":"1"}]]`,
	`{"error":"boom","error_type":"Backend"}`, `  [ [ {"label":"Positive","score":0.5} ] ,[{"label":"NEUTRAL"}]]`,
}

// FuzzParseResponse: no body makes ParseResponse panic, and a parse that
// succeeds has one prediction list per text.
func FuzzParseResponse(f *testing.F) {
	for _, s := range answerSeeds {
		f.Add([]byte(s), uint8(2))
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, body []byte, n uint8) {
		preds, err := ParseResponse(body, int(n))
		if err == nil && len(preds) != int(n) {
			t.Fatalf("%d lists for %d texts", len(preds), n)
		}
	})
}

type fuzzKey struct{}

type fuzzAnswer struct {
	status int
	header http.Header
	body   []byte
}

type fuzzTransport struct{}

func (fuzzTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	fa, _ := req.Context().Value(fuzzKey{}).(fuzzAnswer)
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{StatusCode: fa.status, Header: fa.header, Body: io.NopCloser(bytes.NewReader(fa.body)), Request: req}, nil
}

// FuzzAnswer: whatever status, Retry-After and body the server sends,
// AnalyzeBatch does not panic, and every document it reports as scored has a
// sane Result.
func FuzzAnswer(f *testing.F) {
	a, err := New(Options{
		URL: "http://fuzz.invalid/predict", MaxAttempts: 2, Backoff: 1, MaxBackoff: 1, Concurrency: 1,
		HTTPClient: &http.Client{Transport: fuzzTransport{}},
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range answerSeeds {
		f.Add(200, "", []byte(s))
	}
	f.Add(422, "", []byte(`{"error":"batch size 2 > maximum allowed batch size 1","error_type":"Validation"}`))
	f.Add(422, "", []byte(`{"error":["a","b"],"error_type":"Tokenizer"}`))
	f.Add(413, "", []byte(`length limit exceeded`))
	f.Add(429, "Wed, 21 Oct 2015 07:28:00 GMT", []byte(`{"error":"x","error_type":"Overloaded"}`))
	f.Add(503, "", []byte(`{"error":"loading","estimated_time":1e300}`))
	f.Add(503, "-5", []byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		ctx := context.WithValue(context.Background(), fuzzKey{}, fuzzAnswer{status, h, body})
		docs := []sentiment.Doc{{Text: "a"}, {Text: "b"}}
		out := make([]sentiment.Result, len(docs))
		errs, err := a.AnalyzeBatch(ctx, docs, out)
		if err != nil {
			return
		}
		for i, r := range out {
			if errs != nil && errs[i] != nil {
				continue
			}
			if r.Label.Index() < 0 || !(r.Polarity >= -1 && r.Polarity <= 1) {
				t.Fatalf("doc %d: %+v", i, r)
			}
			if s := r.Positive + r.Negative + r.Neutral + r.Mixed; math.Abs(s-1) > 1e-9 {
				t.Fatalf("doc %d: sum %v in %+v", i, s, r)
			}
		}
	})
}
