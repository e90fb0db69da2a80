package comprehend

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// fuzzKey carries the response a fuzz iteration wants into the HTTP client.
type fuzzKey struct{}

type fuzzResponse struct {
	status int
	body   []byte
}

type fuzzClient struct{}

func (fuzzClient) Do(req *http.Request) (*http.Response, error) {
	fr, _ := req.Context().Value(fuzzKey{}).(fuzzResponse)
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode: fr.status,
		Header:     http.Header{"Content-Type": {"application/x-amz-json-1.1"}},
		Body:       io.NopCloser(bytes.NewReader(fr.body)),
		Request:    req,
	}, nil
}

func fuzzAnalyzer(f *testing.F) *Analyzer {
	a, err := New(context.Background(), Options{
		Region:      "us-east-1",
		Endpoint:    "http://fuzz.invalid",
		MaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDFUZZ", "secret", ""),
		HTTPClient:  fuzzClient{},
	})
	if err != nil {
		f.Fatal(err)
	}
	return a
}

func checkResult(t *testing.T, r sentiment.Result) {
	t.Helper()
	if r.Label.Index() < 0 {
		t.Fatalf("label %q", r.Label)
	}
	for _, x := range []float64{r.Positive, r.Negative, r.Neutral, r.Mixed} {
		if !(x >= 0 && x <= 1) {
			t.Fatalf("score %v in %+v", x, r)
		}
	}
	if s := r.Positive + r.Negative + r.Neutral + r.Mixed; math.Abs(s-1) > 1e-9 {
		t.Fatalf("sum %v in %+v", s, r)
	}
	if !(r.Polarity >= -1 && r.Polarity <= 1) {
		t.Fatalf("polarity %v", r.Polarity)
	}
}

// FuzzBatchResponse: no body the server sends makes AnalyzeBatch panic, and
// every document it reports as scored has a sane Result.
func FuzzBatchResponse(f *testing.F) {
	a := fuzzAnalyzer(f)
	for _, s := range []string{
		`{"ResultList":[{"Index":0,"Sentiment":"POSITIVE","SentimentScore":{"Positive":0.9,"Negative":0.05,"Neutral":0.04,"Mixed":0.01}}],"ErrorList":[{"Index":1,"ErrorCode":"X","ErrorMessage":"y"}]}`,
		`{"ResultList":[{"Index":7},{"Index":-1},{"Index":0,"SentimentScore":{}},{"Index":0}],"ErrorList":[{"Index":2},{"Index":null}]}`,
		`{"ResultList":[{"Index":2,"Sentiment":"WHAT","SentimentScore":{"Positive":-3,"Negative":1e38,"Neutral":null}}]}`,
		`{"ResultList":null,"ErrorList":null}`,
		`{"__type":"ThrottlingException","message":"x"}`,
		`[]`, `null`, ``, `{"ResultList":[{"Index":0,"Sentiment":`, `{"ResultList":[{"Index":2147483648}]}`,
	} {
		f.Add(200, []byte(s))
	}
	f.Add(400, []byte(`{"__type":"com.amazonaws#UnsupportedLanguageException","Message":"no"}`))
	f.Add(400, []byte(`{"__type":"TextSizeLimitExceededException"}`))
	f.Add(500, []byte(`<html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		ctx := context.WithValue(context.Background(), fuzzKey{}, fuzzResponse{status, body})
		docs := []sentiment.Doc{{Text: "a"}, {Text: "b"}, {Text: "c"}}
		out := make([]sentiment.Result, len(docs))
		errs, err := a.AnalyzeBatch(ctx, docs, out)
		if err != nil {
			return
		}
		for i := range docs {
			if errs == nil || errs[i] == nil {
				checkResult(t, out[i])
			}
		}
	})
}

// FuzzDetectResponse does the same for Analyze (DetectSentiment).
func FuzzDetectResponse(f *testing.F) {
	a := fuzzAnalyzer(f)
	f.Add(200, []byte(`{"Sentiment":"NEGATIVE","SentimentScore":{"Positive":0.1,"Negative":0.8,"Neutral":0.05,"Mixed":0.05}}`))
	f.Add(200, []byte(`{"Sentiment":"MIXED"}`))
	f.Add(200, []byte(`{"SentimentScore":{"Positive":"x"}}`))
	f.Add(400, []byte(`{"__type":"InvalidRequestException"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		ctx := context.WithValue(context.Background(), fuzzKey{}, fuzzResponse{status, body})
		r, err := a.Analyze(ctx, sentiment.Doc{Text: "a"})
		if err == nil {
			checkResult(t, r)
		}
	})
}
