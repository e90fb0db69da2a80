// Package comprehend scores texts with AWS Comprehend (DetectSentiment and
// BatchDetectSentiment) through aws-sdk-go-v2. It registers as "comprehend":
//
//	comprehend?region=us-east-1&endpoint=http://127.0.0.1:4566&timeout=10s&max_attempts=5
//
// Credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID and
// friends, shared files, SSO, instance roles). Nothing here logs them.
//
// Limits the service imposes and how this package meets them:
//   - a batch holds at most 25 documents: AnalyzeBatch sends chunks of 25;
//   - all documents of a call share one language: documents are grouped by
//     their Comprehend language code before chunking;
//   - a document is at most 5 KB of UTF-8 (older SDK docs: fewer than 5,000
//     bytes): invalid UTF-8 is replaced by U+FFFD and the text is cut at a
//     rune boundary to MaxBytes (4,999) bytes, keeping its beginning;
//   - a document must not be empty: a text that is empty or only white space
//     is not sent and gets a neutral result.
package comprehend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/comprehend"
	"github.com/aws/aws-sdk-go-v2/service/comprehend/types"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/sentiment/internal/remote"
)

// Name is the registry name.
const Name = "comprehend"

// Service limits and defaults.
const (
	// MaxBatch is the most documents BatchDetectSentiment takes in one call.
	MaxBatch = 25
	// MaxBytes is the longest document sent, in bytes of UTF-8. The API
	// reference says 5 KB and older SDK docs "fewer than 5,000 bytes";
	// 4,999 satisfies both readings.
	MaxBytes = 4999

	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 5
	DefaultBackoff     = 200 * time.Millisecond
	DefaultMaxBackoff  = 20 * time.Second
	DefaultConcurrency = 4
	DefaultLang        = "en"
)

func init() {
	sentiment.Register(Name, func(params url.Values) (sentiment.Analyzer, error) {
		o, err := ParseParams(params)
		if err != nil {
			return nil, err
		}
		return New(context.Background(), o)
	})
}

// Options configures an Analyzer. Zero values take the defaults above.
type Options struct {
	// Region is the AWS region; empty takes the SDK's (AWS_REGION, shared
	// config). One of the two is required.
	Region string
	// Endpoint replaces the service endpoint (a fake, LocalStack, a VPC
	// endpoint), e.g. "http://127.0.0.1:4566".
	Endpoint string
	// Timeout bounds one service call, its retries included.
	Timeout time.Duration
	// MaxAttempts is how many times a call is tried (1 = no retry). Throttling
	// errors and 5xx answers are retried.
	MaxAttempts int
	// Backoff is the first retry's delay before jitter; each retry doubles
	// it, up to MaxBackoff. A delay d is drawn uniformly from [d/2, d].
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Concurrency is how many calls one AnalyzeBatch makes at once.
	Concurrency int
	// Lang is the Comprehend language code for documents of unknown language.
	Lang string
	// Credentials replaces the SDK's default credential chain.
	Credentials aws.CredentialsProvider
	// HTTPClient replaces the HTTP client (tests).
	HTTPClient aws.HTTPClient
}

var params = []string{"region", "endpoint", "timeout", "max_attempts", "backoff", "max_backoff", "concurrency", "lang"}

// ParseParams reads Options from spec parameters. Unknown or repeated
// parameters are an error, so a typo does not pass silently.
func ParseParams(v url.Values) (Options, error) {
	var o Options
	p, err := remote.NewParams(v, params...)
	if err != nil {
		return o, err
	}
	o.Region = p.String("region")
	o.Endpoint = p.String("endpoint")
	o.Lang = p.String("lang")
	if o.Timeout, err = p.Duration("timeout"); err != nil {
		return o, err
	}
	if o.Backoff, err = p.Duration("backoff"); err != nil {
		return o, err
	}
	if o.MaxBackoff, err = p.Duration("max_backoff"); err != nil {
		return o, err
	}
	if o.MaxAttempts, err = p.Int("max_attempts"); err != nil {
		return o, err
	}
	if o.Concurrency, err = p.Int("concurrency"); err != nil {
		return o, err
	}
	return o, nil
}

// languages maps the primary subtags Comprehend scores to its codes; Chinese
// is refined to zh-TW by script or region in langCode.
var languages = map[string]types.LanguageCode{
	"en": types.LanguageCodeEn, "es": types.LanguageCodeEs, "fr": types.LanguageCodeFr,
	"de": types.LanguageCodeDe, "it": types.LanguageCodeIt, "pt": types.LanguageCodePt,
	"ar": types.LanguageCodeAr, "hi": types.LanguageCodeHi, "ja": types.LanguageCodeJa,
	"ko": types.LanguageCodeKo, "zh": types.LanguageCodeZh,
}

// Analyzer calls AWS Comprehend. It is safe for concurrent use.
type Analyzer struct {
	client    *comprehend.Client
	opts      Options
	lang      types.LanguageCode
	transport *http.Transport // ours to close; nil with Options.HTTPClient
}

var _ sentiment.BatchAnalyzer = (*Analyzer)(nil)

// New builds an Analyzer. ctx is used only to load the SDK configuration.
func New(ctx context.Context, o Options) (*Analyzer, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.MaxBackoff < o.Backoff {
		o.MaxBackoff = o.Backoff
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Lang == "" {
		o.Lang = DefaultLang
	}
	a := &Analyzer{opts: o}
	var ok bool
	if a.lang, ok = langCode(o.Lang); !ok {
		return nil, fmt.Errorf("lang=%q: not a language Comprehend scores sentiment in", o.Lang)
	}
	if o.Endpoint != "" {
		u, err := url.Parse(o.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("endpoint=%q: want an http or https URL", o.Endpoint)
		}
	}

	var load []func(*config.LoadOptions) error
	if o.Region != "" {
		load = append(load, config.WithRegion(o.Region))
	}
	if o.Credentials != nil {
		load = append(load, config.WithCredentialsProvider(o.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set region= or AWS_REGION")
	}
	hc := o.HTTPClient
	if hc == nil {
		a.transport = awshttp.NewBuildableClient().GetTransport()
		hc = &http.Client{
			Transport: a.transport,
			// A JSON API answers; it does not redirect.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	a.client = comprehend.NewFromConfig(cfg, func(co *comprehend.Options) {
		co.HTTPClient = hc
		if o.Endpoint != "" {
			co.BaseEndpoint = aws.String(o.Endpoint)
		}
		// Our retryer, not one shaped by AWS_MAX_ATTEMPTS/AWS_RETRY_MODE:
		// the spec's numbers win.
		co.Retryer = newRetryer(o)
		co.RetryMaxAttempts = 0
	})
	return a, nil
}

// newRetryer is the SDK's standard retryer (retries throttling error codes
// such as ThrottlingException and TooManyRequestsException, HTTP 500, 502,
// 503, 504 and connection errors; never a cancelled context) with our
// attempts and backoff.
func newRetryer(o Options) aws.Retryer {
	return retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = o.MaxAttempts
		so.MaxBackoff = o.MaxBackoff
		so.Backoff = jitterBackoff{base: o.Backoff, max: o.MaxBackoff}
	})
}

type jitterBackoff struct{ base, max time.Duration }

func (b jitterBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	return remote.Backoff(b.base, b.max, attempt), nil
}

// Name implements sentiment.Analyzer.
func (a *Analyzer) Name() string { return Name }

// DetailNames implements sentiment.Analyzer: Comprehend has no extras.
func (a *Analyzer) DetailNames() []string { return nil }

// Supports reports whether Comprehend scores sentiment in lang: en es fr de
// it pt ar hi ja ko zh (zh-TW included). "" is supported (the Lang option
// is used).
func (a *Analyzer) Supports(lang string) bool {
	_, ok := a.langCode(lang)
	return ok
}

// Close releases idle connections.
func (a *Analyzer) Close() error {
	if a.transport != nil {
		a.transport.CloseIdleConnections()
	}
	return nil
}

func (a *Analyzer) langCode(tag string) (types.LanguageCode, bool) {
	if strings.TrimSpace(tag) == "" {
		return a.lang, true
	}
	return langCode(tag)
}

// langCode maps a BCP-47 tag to a Comprehend code. Chinese written in the
// traditional script (zh-Hant, zh-TW, zh-HK, zh-MO) becomes zh-TW; other
// Chinese becomes zh.
func langCode(tag string) (types.LanguageCode, bool) {
	primary := sentiment.PrimaryLang(tag)
	code, ok := languages[primary]
	if !ok || primary != "zh" {
		return code, ok
	}
	subtags := strings.FieldsFunc(strings.ToLower(tag), func(r rune) bool { return r == '-' || r == '_' })
	for _, s := range subtags[1:] {
		switch s {
		case "hant", "tw", "hk", "mo":
			return types.LanguageCodeZhTw, true
		case "hans", "cn", "sg":
			return types.LanguageCodeZh, true
		}
	}
	return types.LanguageCodeZh, true
}

// Prepare returns text as it is sent: invalid UTF-8 replaced by U+FFFD, then
// cut at a rune boundary to at most MaxBytes bytes (the beginning is kept).
func Prepare(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	if len(text) <= MaxBytes {
		return text
	}
	cut := MaxBytes
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut]
}

func blank(text string) bool { return strings.TrimSpace(text) == "" }

// blankResult is what an empty text gets without a call.
func blankResult() sentiment.Result {
	return sentiment.Result{Label: sentiment.Neutral, Neutral: 1}
}

// ItemError is a per-document failure reported in a batch's ErrorList.
type ItemError struct {
	Code    string
	Message string
}

func (e *ItemError) Error() string {
	return fmt.Sprintf("comprehend: document failed: %s: %s", e.Code, e.Message)
}

// Analyze scores one document with DetectSentiment.
func (a *Analyzer) Analyze(ctx context.Context, doc sentiment.Doc) (sentiment.Result, error) {
	code, ok := a.langCode(doc.Lang)
	if !ok {
		return sentiment.UnscoredResult(), fmt.Errorf("comprehend: language %q: %w", doc.Lang, sentiment.ErrUnsupportedLanguage)
	}
	text := Prepare(doc.Text)
	if blank(text) {
		return blankResult(), nil
	}
	return a.detect(ctx, code, text)
}

func (a *Analyzer) detect(ctx context.Context, code types.LanguageCode, text string) (sentiment.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	out, err := a.client.DetectSentiment(ctx, &comprehend.DetectSentimentInput{Text: aws.String(text), LanguageCode: code})
	if err != nil {
		var unsup *types.UnsupportedLanguageException
		if errors.As(err, &unsup) {
			return sentiment.UnscoredResult(), fmt.Errorf("comprehend: language %s: %w: %w", code, sentiment.ErrUnsupportedLanguage, err)
		}
		return sentiment.Result{}, fmt.Errorf("comprehend: detect sentiment (%s): %w", code, err)
	}
	return fromScore(out.Sentiment, out.SentimentScore)
}

// docLevel reports whether err, from a call about one document, concerns that
// document only (so other documents may still be scored).
func docLevel(err error) bool {
	var (
		unsup *types.UnsupportedLanguageException
		size  *types.TextSizeLimitExceededException
		inv   *types.InvalidRequestException
	)
	return errors.As(err, &unsup) || errors.As(err, &size) || errors.As(err, &inv)
}

// AnalyzeBatch scores docs with BatchDetectSentiment: grouped by language,
// 25 a call, up to Concurrency calls at once. A document in a language
// Comprehend does not score gets an Unscored result and an error wrapping
// sentiment.ErrUnsupportedLanguage; a document in the response's ErrorList
// gets an *ItemError. A call that fails as a whole (throttled or 5xx after
// all attempts, timeout, bad credentials, unreadable response) makes err;
// results of calls that had finished stay in out.
func (a *Analyzer) AnalyzeBatch(ctx context.Context, docs []sentiment.Doc, out []sentiment.Result) ([]error, error) {
	if len(out) != len(docs) {
		return nil, fmt.Errorf("comprehend: out has %d slots for %d docs", len(out), len(docs))
	}
	errs := make([]error, len(docs))
	texts := make([]string, len(docs))
	type group struct {
		code types.LanguageCode
		idx  []int
	}
	var groups []*group
	byCode := map[types.LanguageCode]*group{}
	for i, d := range docs {
		code, ok := a.langCode(d.Lang)
		if !ok {
			out[i] = sentiment.UnscoredResult()
			errs[i] = fmt.Errorf("comprehend: language %q: %w", d.Lang, sentiment.ErrUnsupportedLanguage)
			continue
		}
		texts[i] = Prepare(d.Text)
		if blank(texts[i]) {
			out[i] = blankResult()
			continue
		}
		g := byCode[code]
		if g == nil {
			g = &group{code: code}
			byCode[code] = g
			groups = append(groups, g)
		}
		g.idx = append(g.idx, i)
	}
	type job struct {
		code types.LanguageCode
		idx  []int
	}
	var jobs []job
	for _, g := range groups {
		for start := 0; start < len(g.idx); start += MaxBatch {
			jobs = append(jobs, job{g.code, g.idx[start:min(start+MaxBatch, len(g.idx))]})
		}
	}
	err := remote.RunJobs(ctx, len(jobs), a.opts.Concurrency, func(ctx context.Context, j int) error {
		return a.batch(ctx, jobs[j].code, jobs[j].idx, texts, out, errs)
	})
	return compact(errs), err
}

// batch scores the documents idx (one language, at most MaxBatch) in one
// call, writing only their slots of out and errs.
func (a *Analyzer) batch(ctx context.Context, code types.LanguageCode, idx []int, texts []string, out []sentiment.Result, errs []error) error {
	list := make([]string, len(idx))
	for k, i := range idx {
		list[k] = texts[i]
	}
	cctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	resp, err := a.client.BatchDetectSentiment(cctx, &comprehend.BatchDetectSentimentInput{TextList: list, LanguageCode: code})
	cancel()
	if err != nil {
		var (
			unsup *types.UnsupportedLanguageException
			bsz   *types.BatchSizeLimitExceededException
		)
		switch {
		case errors.As(err, &unsup):
			for _, i := range idx {
				out[i] = sentiment.UnscoredResult()
				errs[i] = fmt.Errorf("comprehend: language %s: %w: %w", code, sentiment.ErrUnsupportedLanguage, err)
			}
			return nil
		case errors.As(err, &bsz) && len(idx) > 1:
			h := len(idx) / 2
			if err := a.batch(ctx, code, idx[:h], texts, out, errs); err != nil {
				return err
			}
			return a.batch(ctx, code, idx[h:], texts, out, errs)
		case docLevel(err) && len(idx) > 1:
			// One document spoiled the call: score them one by one to
			// find it.
			for _, i := range idx {
				r, err := a.detect(ctx, code, texts[i])
				if err != nil && !docLevel(err) {
					return err
				}
				out[i], errs[i] = r, err
			}
			return nil
		case docLevel(err):
			errs[idx[0]] = fmt.Errorf("comprehend: %w", err)
			return nil
		}
		return fmt.Errorf("comprehend: batch detect sentiment (%s, %d documents): %w", code, len(idx), err)
	}
	seen := make([]bool, len(idx))
	slot := func(index *int32) (int, bool) {
		if index == nil {
			return 0, false
		}
		k := int(*index)
		if k < 0 || k >= len(idx) || seen[k] {
			return 0, false
		}
		seen[k] = true
		return k, true
	}
	for _, r := range resp.ResultList {
		k, ok := slot(r.Index)
		if !ok {
			continue
		}
		i := idx[k]
		out[i], errs[i] = fromScore(r.Sentiment, r.SentimentScore)
	}
	for _, e := range resp.ErrorList {
		k, ok := slot(e.Index)
		if !ok {
			continue
		}
		errs[idx[k]] = &ItemError{Code: aws.ToString(e.ErrorCode), Message: aws.ToString(e.ErrorMessage)}
	}
	for k, ok := range seen {
		if !ok {
			errs[idx[k]] = errors.New("comprehend: response has no result for the document")
		}
	}
	return nil
}

// fromScore builds a Result: the four scores (normalized to sum to 1), the
// label from Sentiment, Score = Polarity = Positive - Negative.
func fromScore(s types.SentimentType, sc *types.SentimentScore) (sentiment.Result, error) {
	if sc == nil {
		return sentiment.Result{}, errors.New("comprehend: response has no SentimentScore")
	}
	r := sentiment.Result{
		Positive: score(sc.Positive),
		Negative: score(sc.Negative),
		Neutral:  score(sc.Neutral),
		Mixed:    score(sc.Mixed),
	}
	r.Normalize()
	if l, err := sentiment.ParseLabel(string(s)); err == nil && l != sentiment.Unscored {
		r.Label = l
	} else {
		r.Label = r.ArgMax()
	}
	r.Score = sentiment.Clamp1(r.Positive - r.Negative)
	r.Polarity = r.Score
	return r, nil
}

// score reads a probability, taking a missing, negative, infinite or NaN
// value as 0.
func score(p *float32) float64 {
	if p == nil {
		return 0
	}
	x := float64(*p)
	if !(x >= 0) || x > 1e30 {
		return 0
	}
	return x
}

func compact(errs []error) []error {
	for _, e := range errs {
		if e != nil {
			return errs
		}
	}
	return nil
}
