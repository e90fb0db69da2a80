package comprehend_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/smithy-go"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/sentiment/comprehend"
	"github.com/tsaproject/tsa/internal/sentiment/comprehend/comprehendfake"
	"github.com/tsaproject/tsa/internal/testutil/leak"
)

const secretKey = "wJalrXUtnFEMI-test-secret-never-logged"

// hermeticAWS gives the SDK's default chain static test credentials and no
// files, profile, region or instance metadata from the machine.
func hermeticAWS(t *testing.T) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY":       secretKey,
		"AWS_SESSION_TOKEN":           "",
		"AWS_CONFIG_FILE":             none,
		"AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_PROFILE":                 "",
		"AWS_DEFAULT_PROFILE":         "",
		"AWS_REGION":                  "",
		"AWS_DEFAULT_REGION":          "",
		"AWS_ENDPOINT_URL":            "",
		"AWS_MAX_ATTEMPTS":            "",
		"AWS_RETRY_MODE":              "",
	} {
		t.Setenv(k, v)
	}
}

type env struct {
	fake *comprehendfake.Server
	srv  *httptest.Server
	a    *comprehend.Analyzer
}

// newEnv starts a fake and opens an analyzer on it through the registry.
// extra is added to the spec ("&timeout=1s").
func newEnv(t *testing.T, extra string, setup ...func(*comprehendfake.Server)) *env {
	t.Helper()
	leak.Check(t)
	hermeticAWS(t)
	fake := comprehendfake.New()
	for _, f := range setup {
		f(fake)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	spec := "comprehend?region=us-east-1&endpoint=" + srv.URL + extra
	if !strings.Contains(extra, "backoff=") {
		spec += "&backoff=5ms&max_backoff=50ms"
	}
	an, err := sentiment.Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := an.(*comprehend.Analyzer)
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

// want is the Result the analyzer must give for text, from the fake's scores.
func want(text string) sentiment.Result {
	sc := comprehendfake.ScoreText(text)
	r := sentiment.Result{Positive: sc.Positive, Negative: sc.Negative, Neutral: sc.Neutral, Mixed: sc.Mixed}
	r.Label, _ = sentiment.ParseLabel(sc.Sentiment)
	r.Score = r.Positive - r.Negative
	r.Polarity = r.Score
	return r
}

func sameResult(t *testing.T, i int, got, want sentiment.Result) {
	t.Helper()
	const eps = 1e-6
	near := func(a, b float64) bool { return math.Abs(a-b) < eps }
	if got.Label != want.Label || !near(got.Positive, want.Positive) || !near(got.Negative, want.Negative) ||
		!near(got.Neutral, want.Neutral) || !near(got.Mixed, want.Mixed) || !near(got.Score, want.Score) ||
		!near(got.Polarity, want.Polarity) || got.Detail != ([sentiment.MaxDetail]float64{}) {
		t.Errorf("doc %d: got %+v, want %+v", i, got, want)
	}
	if s := got.Positive + got.Negative + got.Neutral + got.Mixed; !near(s, 1) {
		t.Errorf("doc %d: scores sum to %v", i, s)
	}
}

var sampleTexts = []string{
	"I love this, great day",
	"this is terrible and bad",
	"the bus leaves at nine",
	"good food but awful service",
	"happy happy happy",
}

func TestRegistered(t *testing.T) {
	found := false
	for _, n := range sentiment.Names() {
		found = found || n == comprehend.Name
	}
	if !found {
		t.Fatalf("comprehend not registered: %v", sentiment.Names())
	}
}

func TestOpenErrors(t *testing.T) {
	hermeticAWS(t)
	for _, spec := range []string{
		"comprehend", // no region anywhere
		"comprehend?region=us-east-1&timeout=soon",     // bad duration
		"comprehend?region=us-east-1&max_attempts=0",   // not positive
		"comprehend?region=us-east-1&colour=blue",      // unknown parameter
		"comprehend?region=us-east-1&region=eu-west-1", // given twice
		"comprehend?region=us-east-1&lang=xx",          // language Comprehend lacks
		"comprehend?region=us-east-1&endpoint=foo:bar", // not http(s)
	} {
		if a, err := sentiment.Open(spec); err == nil {
			t.Errorf("Open(%q) = %v, want an error", spec, a)
		}
	}
	t.Setenv("AWS_REGION", "eu-west-1")
	a, err := sentiment.Open("comprehend")
	if err != nil {
		t.Fatalf("region from AWS_REGION: %v", err)
	}
	_ = a.(sentiment.Closer).Close()
}

func TestBatchHappyPathChunksOf25(t *testing.T) {
	e := newEnv(t, "&concurrency=3")
	const n = 60
	docs := make([]sentiment.Doc, n)
	for i := range docs {
		docs[i] = sentiment.Doc{Text: fmt.Sprintf("%s #%d", sampleTexts[i%len(sampleTexts)], i), Lang: "en"}
	}
	out := make([]sentiment.Result, n)
	errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
	if err != nil || errs != nil {
		t.Fatalf("AnalyzeBatch: %v %v", errs, err)
	}
	for i, d := range docs {
		sameResult(t, i, out[i], want(d.Text))
	}
	calls := e.fake.Calls()
	sizes := map[int]int{}
	for _, c := range calls {
		if c.Operation != "BatchDetectSentiment" || c.LanguageCode != "en" || c.Region != "us-east-1" || c.AccessKeyID != "AKIDTEST" {
			t.Errorf("call %+v", c)
		}
		sizes[len(c.Texts)]++
	}
	if len(calls) != 3 || sizes[25] != 2 || sizes[10] != 1 {
		t.Errorf("want calls of 25, 25, 10; got %v", sizes)
	}
}

func TestLanguageGrouping(t *testing.T) {
	e := newEnv(t, "&concurrency=1")
	docs := []sentiment.Doc{
		{Text: "good", Lang: "en"},
		{Text: "bueno", Lang: "es"},
		{Text: "great", Lang: ""}, // unknown: the default language, en
		{Text: "bad", Lang: "en-US"},
		{Text: "好", Lang: "zh-TW"},
		{Text: "好", Lang: "zh-Hant"},
		{Text: "好", Lang: "zh-CN"},
		{Text: "好", Lang: "zh"},
		{Text: "良い", Lang: "ja"},
		{Text: "hyvä", Lang: "fi"}, // not supported by Comprehend
		{Text: "malo", Lang: "es-MX"},
	}
	out := make([]sentiment.Result, len(docs))
	errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
	if err != nil {
		t.Fatal(err)
	}
	for i := range docs {
		if i == 9 {
			if errs == nil || !errors.Is(errs[i], sentiment.ErrUnsupportedLanguage) || out[i].Label != sentiment.Unscored {
				t.Errorf("fi: got %+v, %v", out[i], errs)
			}
			continue
		}
		if errs != nil && errs[i] != nil {
			t.Errorf("doc %d: %v", i, errs[i])
		}
		sameResult(t, i, out[i], want(docs[i].Text))
	}
	got := map[string][]string{}
	for _, c := range e.fake.Calls() {
		got[c.LanguageCode] = append(got[c.LanguageCode], c.Texts...)
	}
	wantCalls := map[string][]string{
		"en":    {"good", "great", "bad"},
		"es":    {"bueno", "malo"},
		"zh-TW": {"好", "好"},
		"zh":    {"好", "好"},
		"ja":    {"良い"},
	}
	if fmt.Sprint(got) != fmt.Sprint(wantCalls) {
		t.Errorf("calls by language:\n got %v\nwant %v", got, wantCalls)
	}
	if n := len(e.fake.Calls()); n != 5 {
		t.Errorf("%d calls, want one per language", n)
	}

	// Through RunBatch an unsupported language is Unscored without error.
	errs, err = sentiment.RunBatch(ctxT(t), e.a, docs[8:10], out[:2])
	if err != nil || errs != nil || out[1].Label != sentiment.Unscored {
		t.Errorf("RunBatch: %v %v %+v", errs, err, out[1])
	}
}

func TestSupports(t *testing.T) {
	e := newEnv(t, "")
	for _, l := range []string{"", "en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW", "EN", "pt-BR"} {
		if !e.a.Supports(l) {
			t.Errorf("Supports(%q) = false", l)
		}
	}
	for _, l := range []string{"fi", "ru", "und", "x"} {
		if e.a.Supports(l) {
			t.Errorf("Supports(%q) = true", l)
		}
	}
}

func TestServerRejectsLanguage(t *testing.T) {
	e := newEnv(t, "", func(f *comprehendfake.Server) { f.RejectLanguage("fr") })
	docs := []sentiment.Doc{{Text: "bon", Lang: "fr"}, {Text: "good", Lang: "en"}, {Text: "mauvais", Lang: "fr"}}
	out := make([]sentiment.Result, len(docs))
	errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 2} {
		if errs == nil || !errors.Is(errs[i], sentiment.ErrUnsupportedLanguage) || out[i].Label != sentiment.Unscored {
			t.Errorf("doc %d: %+v %v", i, out[i], errs)
		}
	}
	if errs[1] != nil {
		t.Errorf("en doc: %v", errs[1])
	}
	sameResult(t, 1, out[1], want("good"))
	if _, err := e.a.Analyze(ctxT(t), docs[0]); !errors.Is(err, sentiment.ErrUnsupportedLanguage) {
		t.Errorf("Analyze fr: %v", err)
	}
}

func TestOversizeDocs(t *testing.T) {
	e := newEnv(t, "")
	long := "good " + strings.Repeat("é", 4000) // 8,005 bytes; a 2-byte rune straddles 4,999
	invalid := "bad \xff\xfe text \xc3"
	docs := []sentiment.Doc{{Text: long}, {Text: invalid}, {Text: strings.Repeat("a", comprehend.MaxBytes)}}
	out := make([]sentiment.Result, len(docs))
	errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
	if err != nil || errs != nil {
		t.Fatalf("%v %v", errs, err)
	}
	c := e.fake.Calls()
	if len(c) != 1 || !c[0].ValidUTF8 {
		t.Fatalf("calls %+v", c)
	}
	sent := c[0].Texts
	if len(sent[0]) > comprehend.MaxBytes || len(sent[0]) < comprehend.MaxBytes-3 || !utf8.ValidString(sent[0]) || !strings.HasPrefix(long, sent[0]) {
		t.Errorf("long doc sent as %d bytes", len(sent[0]))
	}
	if sent[1] != "bad \uFFFD text \uFFFD" {
		t.Errorf("invalid UTF-8 sent as %q", sent[1])
	}
	if len(sent[2]) != comprehend.MaxBytes {
		t.Errorf("doc at the limit cut to %d", len(sent[2]))
	}
	sameResult(t, 0, out[0], want("good"))

	// Single documents go through the same preparation.
	if _, err := e.a.Analyze(ctxT(t), sentiment.Doc{Text: long}); err != nil {
		t.Fatal(err)
	}
}

func TestPrepare(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"hello", "hello"},
		{"a\xffb", "a\uFFFDb"},
		{strings.Repeat("x", comprehend.MaxBytes+10), strings.Repeat("x", comprehend.MaxBytes)},
		{strings.Repeat("x", comprehend.MaxBytes-1) + "é", strings.Repeat("x", comprehend.MaxBytes-1)},
		{strings.Repeat("x", comprehend.MaxBytes-2) + "😀", strings.Repeat("x", comprehend.MaxBytes-2)},
		{strings.Repeat("x", comprehend.MaxBytes-4) + "😀", strings.Repeat("x", comprehend.MaxBytes-4) + "😀"},
	} {
		got := comprehend.Prepare(tc.in)
		if got != tc.want || !utf8.ValidString(got) || len(got) > comprehend.MaxBytes {
			t.Errorf("Prepare(%.20q…) = %d bytes, want %d", tc.in, len(got), len(tc.want))
		}
	}
}

func TestBlankDocsNotSent(t *testing.T) {
	e := newEnv(t, "")
	docs := []sentiment.Doc{{Text: ""}, {Text: "  \n"}}
	out := make([]sentiment.Result, 2)
	errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
	if err != nil || errs != nil {
		t.Fatal(errs, err)
	}
	r, err := e.a.Analyze(ctxT(t), docs[0])
	if err != nil || r.Label != sentiment.Neutral || out[0].Label != sentiment.Neutral || out[1].Neutral != 1 {
		t.Errorf("blank: %+v %+v %v", out, r, err)
	}
	if n := len(e.fake.Calls()); n != 0 {
		t.Errorf("%d calls for blank texts", n)
	}
}

func TestPerDocumentErrors(t *testing.T) {
	e := newEnv(t, "")
	docs := make([]sentiment.Doc, 30)
	for i := range docs {
		docs[i].Text = sampleTexts[i%len(sampleTexts)]
		if i%7 == 3 {
			docs[i].Text += " " + comprehendfake.DocErrorMarker
		}
	}
	out := make([]sentiment.Result, len(docs))
	errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
	if err != nil {
		t.Fatal(err)
	}
	for i := range docs {
		if i%7 == 3 {
			var ie *comprehend.ItemError
			if errs == nil || !errors.As(errs[i], &ie) || ie.Code != "InternalServerException" {
				t.Errorf("doc %d: want ItemError, got %v", i, errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Errorf("doc %d: %v", i, errs[i])
		}
		sameResult(t, i, out[i], want(docs[i].Text))
	}
}

func TestDocLevelBatchErrorIsolated(t *testing.T) {
	// With a smaller size limit on the server, one document spoils its
	// batch (400 TextSizeLimitExceededException); the client scores the
	// batch's documents one by one and blames only that one.
	e := newEnv(t, "", func(f *comprehendfake.Server) { f.MaxBytes = 50 })
	docs := []sentiment.Doc{{Text: "good"}, {Text: "bad " + strings.Repeat("x", 60)}, {Text: "happy"}}
	out := make([]sentiment.Result, len(docs))
	errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
	if err != nil {
		t.Fatal(err)
	}
	if errs == nil || errs[0] != nil || errs[2] != nil || errs[1] == nil || !strings.Contains(errs[1].Error(), "TextSizeLimitExceededException") {
		t.Fatalf("errs %v", errs)
	}
	sameResult(t, 0, out[0], want("good"))
	sameResult(t, 2, out[2], want("happy"))
	ops := []string{}
	for _, c := range e.fake.Calls() {
		ops = append(ops, c.Operation)
	}
	if strings.Join(ops, " ") != "BatchDetectSentiment DetectSentiment DetectSentiment DetectSentiment" {
		t.Errorf("calls %v", ops)
	}
}

func TestBatchSizeLimitSplits(t *testing.T) {
	e := newEnv(t, "", func(f *comprehendfake.Server) { f.MaxBatch = 10 })
	docs := make([]sentiment.Doc, 25)
	for i := range docs {
		docs[i].Text = sampleTexts[i%len(sampleTexts)]
	}
	out := make([]sentiment.Result, len(docs))
	errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
	if err != nil || errs != nil {
		t.Fatal(errs, err)
	}
	for i := range docs {
		sameResult(t, i, out[i], want(docs[i].Text))
	}
}

func TestAnalyzeSingle(t *testing.T) {
	e := newEnv(t, "")
	for _, text := range sampleTexts {
		r, err := e.a.Analyze(ctxT(t), sentiment.Doc{Text: text, Lang: "en-GB"})
		if err != nil {
			t.Fatal(err)
		}
		sameResult(t, 0, r, want(text))
	}
	for _, c := range e.fake.Calls() {
		if c.Operation != "DetectSentiment" || c.LanguageCode != "en" {
			t.Errorf("call %+v", c)
		}
	}
	r, err := e.a.Analyze(ctxT(t), sentiment.Doc{Text: "x", Lang: "fi"})
	if !errors.Is(err, sentiment.ErrUnsupportedLanguage) || r.Label != sentiment.Unscored {
		t.Errorf("fi: %+v %v", r, err)
	}
	if _, err := e.a.Analyze(ctxT(t), sentiment.Doc{Text: comprehendfake.DocErrorMarker}); err == nil {
		t.Error("doc error: no error")
	}
}

func TestRetries(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  func(*comprehendfake.Server)
		spec   string
		calls  int
		code   string // "" = success
		minDur time.Duration
	}{
		// backoff=20ms: the first retry waits 10-20ms, the second 20-40ms.
		{"throttled twice", func(f *comprehendfake.Server) { f.ThrottleNext(2) }, "&backoff=20ms&max_backoff=1s", 3, "", 30 * time.Millisecond},
		{"500 twice", func(f *comprehendfake.Server) { f.FailNext(2) }, "&backoff=20ms&max_backoff=1s", 3, "", 30 * time.Millisecond},
		{"throttled beyond attempts", func(f *comprehendfake.Server) { f.ThrottleNext(10) }, "&max_attempts=3", 3, "ThrottlingException", 0},
		{"500 beyond attempts", func(f *comprehendfake.Server) { f.FailNext(10) }, "&max_attempts=4", 4, "InternalServerException", 0},
		{"no retry", func(f *comprehendfake.Server) { f.ThrottleNext(1) }, "&max_attempts=1", 1, "ThrottlingException", 0},
		{"bad JSON is not retried", func(f *comprehendfake.Server) { f.GarbageNext(1) }, "", 1, "deserialization", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.spec, tc.fault)
			docs := []sentiment.Doc{{Text: "good"}, {Text: "bad"}}
			out := make([]sentiment.Result, 2)
			start := time.Now()
			errs, err := e.a.AnalyzeBatch(ctxT(t), docs, out)
			el := time.Since(start)
			if n := len(e.fake.Calls()); n != tc.calls {
				t.Errorf("%d calls, want %d", n, tc.calls)
			}
			if tc.code == "" {
				if err != nil || errs != nil {
					t.Fatal(errs, err)
				}
				sameResult(t, 1, out[1], want("bad"))
				if el < tc.minDur {
					t.Errorf("took %v, want at least %v of backoff", el, tc.minDur)
				}
				last := e.fake.Calls()[tc.calls-1]
				if !strings.HasPrefix(last.Attempt, fmt.Sprintf("attempt=%d;", tc.calls)) {
					t.Errorf("last attempt header %q", last.Attempt)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			var ae smithy.APIError
			if tc.code == "deserialization" {
				var de *smithy.DeserializationError
				if !errors.As(err, &de) {
					t.Errorf("want a deserialization error, got %v", err)
				}
			} else if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
				t.Errorf("want %s, got %v", tc.code, err)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	e := newEnv(t, "&timeout=100ms&max_attempts=2", func(f *comprehendfake.Server) { f.SetDelay(5 * time.Second) })
	start := time.Now()
	_, err := e.a.AnalyzeBatch(ctxT(t), []sentiment.Doc{{Text: "good"}}, make([]sentiment.Result, 1))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want deadline exceeded, got %v", err)
	}
	if _, err := e.a.Analyze(ctxT(t), sentiment.Doc{Text: "good"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Analyze: want deadline exceeded, got %v", err)
	}
	if el := time.Since(start); el > 4*time.Second {
		t.Errorf("took %v", el)
	}
}

func TestCallerCancel(t *testing.T) {
	e := newEnv(t, "&concurrency=4", func(f *comprehendfake.Server) { f.SetDelay(5 * time.Second) })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	docs := make([]sentiment.Doc, 200)
	for i := range docs {
		docs[i].Text = "good"
	}
	start := time.Now()
	_, err := e.a.AnalyzeBatch(ctx, docs, make([]sentiment.Result, len(docs)))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("want canceled, got %v", err)
	}
	if el := time.Since(start); el > 4*time.Second {
		t.Errorf("took %v", el)
	}
	// Cancelled before it starts: no call at all. A fresh fake, because
	// requests of the batch above may still reach the old one.
	e2 := newEnv(t, "&concurrency=4")
	if _, err := e2.a.AnalyzeBatch(ctx, docs, make([]sentiment.Result, len(docs))); !errors.Is(err, context.Canceled) {
		t.Errorf("want canceled, got %v", err)
	}
	if n := len(e2.fake.Calls()); n != 0 {
		t.Errorf("%d calls after cancel", n)
	}
}

func TestAuthFailure(t *testing.T) {
	e := newEnv(t, "", func(f *comprehendfake.Server) { f.AccessKeyID = "AKIDOTHER" })
	_, err := e.a.AnalyzeBatch(ctxT(t), []sentiment.Doc{{Text: "good"}}, make([]sentiment.Result, 1))
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnrecognizedClientException" {
		t.Fatalf("want UnrecognizedClientException, got %v", err)
	}
	if strings.Contains(err.Error(), secretKey) {
		t.Errorf("error shows the secret key: %v", err)
	}
	if n := len(e.fake.Calls()); n != 1 {
		t.Errorf("auth failure retried: %d calls", n)
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, "")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			docs := make([]sentiment.Doc, 30)
			for i := range docs {
				docs[i] = sentiment.Doc{Text: sampleTexts[(i+g)%len(sampleTexts)], Lang: []string{"en", "es", "de"}[i%3]}
			}
			out := make([]sentiment.Result, len(docs))
			errs, err := e.a.AnalyzeBatch(context.Background(), docs, out)
			if err != nil || errs != nil {
				t.Error(errs, err)
				return
			}
			for i := range docs {
				sameResult(t, i, out[i], want(docs[i].Text))
			}
			if _, err := e.a.Analyze(context.Background(), docs[0]); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
