// Package httpmodel scores texts with a text-classification model served over
// HTTP. It registers as "http":
//
//	http?url=http://127.0.0.1:3000/predict&format=tei&batch=32&timeout=10s&token_env=TSA_HTTP_TOKEN
//
// Two wire formats are spoken:
//   - "tei": Hugging Face Text Embeddings Inference, POST /predict with
//     {"inputs":[["t1"],["t2"]],"truncate":true}, answered by one list of
//     {"label","score"} per input;
//   - "hf": the Hugging Face Inference API text-classification task,
//     {"inputs":"text" or ["t1","t2"],"parameters":{"top_k":k}}, answered
//     flat ([{"label","score"},...]) or nested ([[...],...]).
//
// The model's labels are mapped to the four classes by a table (default:
// cardiffnlp/twitter-roberta-base-sentiment-latest, negative/neutral/positive
// and LABEL_0/1/2, compared case-insensitively). A class the model does not
// return gets 0 and the four are normalized to sum to 1.
package httpmodel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/sentiment/internal/remote"
)

// Name is the registry name.
const Name = "http"

// Format is a wire format.
type Format string

// The formats.
const (
	TEI Format = "tei"
	HF  Format = "hf"
)

// Defaults.
const (
	// DefaultBatch is TEI's default --max-client-batch-size.
	DefaultBatch       = 32
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 4
	DefaultBackoff     = 200 * time.Millisecond
	DefaultMaxBackoff  = 10 * time.Second
	DefaultConcurrency = 4

	// maxResponse bounds how much of a response is read.
	maxResponse = 32 << 20
)

// DefaultLabels maps the labels of cardiffnlp/twitter-roberta-base-sentiment
// (-latest): id2label 0 negative, 1 neutral, 2 positive, and the generic
// LABEL_n names a config without id2label gives.
func DefaultLabels() map[string]sentiment.Label {
	return map[string]sentiment.Label{
		"negative": sentiment.Negative, "neutral": sentiment.Neutral, "positive": sentiment.Positive,
		"label_0": sentiment.Negative, "label_1": sentiment.Neutral, "label_2": sentiment.Positive,
	}
}

func init() {
	sentiment.Register(Name, func(params url.Values) (sentiment.Analyzer, error) {
		o, err := ParseParams(params)
		if err != nil {
			return nil, err
		}
		return New(o)
	})
}

// Secret is a string that prints as [redacted].
type Secret string

func (Secret) String() string   { return "[redacted]" }
func (Secret) GoString() string { return "[redacted]" }

// Options configures an Analyzer. Zero values take the defaults.
type Options struct {
	// URL is the endpoint, e.g. http://127.0.0.1:3000/predict (TEI) or
	// https://router.huggingface.co/hf-inference/models/<model> (hf).
	URL    string
	Format Format // default TEI
	// Labels maps model labels (any case) to classes; nil is DefaultLabels.
	Labels map[string]sentiment.Label
	// Batch is the most texts one request carries. A TEI answer 422 "batch
	// size N > maximum allowed batch size M" lowers it to M for good.
	Batch int
	// Timeout bounds one request, its retries included.
	Timeout time.Duration
	// Token, when set, is sent as "Authorization: Bearer <token>".
	Token Secret
	// Langs lists the primary language subtags the model handles; nil is
	// ["en"]; ["*"] is every language.
	Langs []string
	// MaxAttempts is how many times a request is tried. 429, 503, 424,
	// 502, 504 and connection errors are retried after a backoff doubling
	// from Backoff up to MaxBackoff, drawn from [d/2, d] (Retry-After or a
	// model-loading estimated_time, when longer, is waited instead, up to
	// MaxBackoff).
	MaxAttempts int
	Backoff     time.Duration
	MaxBackoff  time.Duration
	// Concurrency is how many requests one AnalyzeBatch makes at once.
	Concurrency int
	// TopK is the hf "top_k" parameter; 0 is the number of distinct labels in
	// Labels, so that every class comes back.
	TopK int
	// NoTruncate sends TEI "truncate": false (the server then rejects
	// texts longer than the model's input).
	NoTruncate bool
	// HTTPClient replaces the HTTP client (its Timeout, if any, applies per
	// attempt).
	HTTPClient *http.Client
}

var params = []string{"url", "format", "labels", "batch", "timeout", "token_env", "langs", "max_attempts", "backoff", "max_backoff", "concurrency", "top_k", "truncate"}

// ParseParams reads Options from spec parameters; token_env names the
// environment variable holding the bearer token.
func ParseParams(v url.Values) (Options, error) {
	var o Options
	p, err := remote.NewParams(v, params...)
	if err != nil {
		return o, err
	}
	o.URL = p.String("url")
	o.Format = Format(strings.ToLower(p.String("format")))
	if s := p.String("labels"); s != "" {
		if o.Labels, err = ParseLabels(s); err != nil {
			return o, err
		}
	}
	if s := p.String("langs"); s != "" {
		for _, l := range strings.Split(s, ",") {
			if l = strings.TrimSpace(l); l != "" {
				o.Langs = append(o.Langs, l)
			}
		}
	}
	if name := p.String("token_env"); name != "" {
		tok, ok := os.LookupEnv(name)
		if !ok || strings.TrimSpace(tok) == "" {
			return o, fmt.Errorf("token_env=%s: the variable is unset or empty", name)
		}
		o.Token = Secret(strings.TrimSpace(tok))
	}
	if o.Batch, err = p.Int("batch"); err != nil {
		return o, err
	}
	if o.Timeout, err = p.Duration("timeout"); err != nil {
		return o, err
	}
	if o.MaxAttempts, err = p.Int("max_attempts"); err != nil {
		return o, err
	}
	if o.Backoff, err = p.Duration("backoff"); err != nil {
		return o, err
	}
	if o.MaxBackoff, err = p.Duration("max_backoff"); err != nil {
		return o, err
	}
	if o.Concurrency, err = p.Int("concurrency"); err != nil {
		return o, err
	}
	if o.TopK, err = p.Int("top_k"); err != nil {
		return o, err
	}
	truncate, err := p.Bool("truncate", true)
	if err != nil {
		return o, err
	}
	o.NoTruncate = !truncate
	return o, nil
}

// ParseLabels reads a label table "model:class,model:class", e.g.
// "LABEL_0:negative,LABEL_1:neutral,LABEL_2:positive". Model labels are
// compared case-insensitively; classes are positive, negative, neutral or
// mixed. The split is at the last colon, so a model label may hold colons.
func ParseLabels(s string) (map[string]sentiment.Label, error) {
	m := map[string]sentiment.Label{}
	for _, pair := range strings.Split(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		i := strings.LastIndex(pair, ":")
		if i < 0 {
			return nil, fmt.Errorf("labels: %q: want model_label:class", pair)
		}
		from := strings.ToLower(strings.TrimSpace(pair[:i]))
		to, err := sentiment.ParseLabel(pair[i+1:])
		if err != nil || to == sentiment.Unscored || from == "" {
			return nil, fmt.Errorf("labels: %q: want model_label:class with class positive, negative, neutral or mixed", pair)
		}
		if _, dup := m[from]; dup {
			return nil, fmt.Errorf("labels: %q mapped twice", pair[:i])
		}
		m[from] = to
	}
	if len(m) == 0 {
		return nil, errors.New("labels: empty")
	}
	return m, nil
}

// Analyzer calls a model endpoint. It is safe for concurrent use.
type Analyzer struct {
	opts      Options
	endpoint  string // scheme://host/path, for messages (no user info, no query)
	labels    map[string]sentiment.Label
	langs     map[string]bool // nil: every language
	client    *http.Client
	transport *http.Transport // ours to close
	batch     atomic.Int64    // current batch size, lowered by 422 answers
}

var _ sentiment.BatchAnalyzer = (*Analyzer)(nil)

// New builds an Analyzer. It makes no request.
func New(o Options) (*Analyzer, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("url: want an http or https URL such as http://127.0.0.1:3000/predict")
	}
	switch o.Format {
	case "":
		o.Format = TEI
	case TEI, HF:
	default:
		return nil, fmt.Errorf("format=%q: want tei or hf", o.Format)
	}
	if o.Labels == nil {
		o.Labels = DefaultLabels()
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
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
	o.MaxBackoff = max(o.MaxBackoff, o.Backoff)
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if len(o.Langs) == 0 {
		o.Langs = []string{"en"}
	}
	a := &Analyzer{
		opts:     o,
		endpoint: (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String(),
		labels:   map[string]sentiment.Label{},
		langs:    map[string]bool{},
	}
	for k, v := range o.Labels {
		a.labels[strings.ToLower(strings.TrimSpace(k))] = v
	}
	if o.TopK <= 0 {
		a.opts.TopK = len(a.labels)
	}
	for _, l := range o.Langs {
		if l == "*" {
			a.langs = nil
			break
		}
		a.langs[sentiment.PrimaryLang(l)] = true
	}
	a.batch.Store(int64(o.Batch))
	a.client = o.HTTPClient
	if a.client == nil {
		a.transport = http.DefaultTransport.(*http.Transport).Clone()
		a.transport.MaxIdleConnsPerHost = max(o.Concurrency, 2)
		a.client = &http.Client{Transport: a.transport}
	}
	return a, nil
}

// Name implements sentiment.Analyzer.
func (a *Analyzer) Name() string { return Name }

// String names the endpoint without its user info, query or token.
func (a *Analyzer) String() string { return fmt.Sprintf("http(%s, %s)", a.endpoint, a.opts.Format) }

// GoString is String, so that %#v does not print the token either.
func (a *Analyzer) GoString() string { return a.String() }

// DetailNames implements sentiment.Analyzer: no extras.
func (a *Analyzer) DetailNames() []string { return nil }

// Supports reports whether lang is one of the langs parameter ("" always).
func (a *Analyzer) Supports(lang string) bool {
	return lang == "" || a.langs == nil || a.langs[sentiment.PrimaryLang(lang)]
}

// Close releases idle connections.
func (a *Analyzer) Close() error {
	if a.transport != nil {
		a.transport.CloseIdleConnections()
	}
	return nil
}

// Analyze scores one document (a batch of one).
func (a *Analyzer) Analyze(ctx context.Context, doc sentiment.Doc) (sentiment.Result, error) {
	out := make([]sentiment.Result, 1)
	errs, err := a.AnalyzeBatch(ctx, []sentiment.Doc{doc}, out)
	if err != nil {
		return sentiment.Result{}, err
	}
	if errs != nil {
		return out[0], errs[0]
	}
	return out[0], nil
}

// AnalyzeBatch scores docs, Batch texts a request, up to Concurrency requests
// at once. A document in a language outside langs gets an Unscored result
// and an error wrapping sentiment.ErrUnsupportedLanguage; a document the
// server rejects on its own (413, 422 other than batch size) or whose answer
// has no mapped label gets an error at its index. A request that fails as a
// whole (other statuses, retries used up, timeout, unreadable answer) makes
// err; results of requests that had finished stay in out.
func (a *Analyzer) AnalyzeBatch(ctx context.Context, docs []sentiment.Doc, out []sentiment.Result) ([]error, error) {
	if len(out) != len(docs) {
		return nil, fmt.Errorf("httpmodel: out has %d slots for %d docs", len(out), len(docs))
	}
	errs := make([]error, len(docs))
	idx := make([]int, 0, len(docs))
	for i, d := range docs {
		if lang := sentiment.PrimaryLang(d.Lang); !a.Supports(lang) {
			out[i] = sentiment.UnscoredResult()
			errs[i] = fmt.Errorf("httpmodel: language %q: %w", d.Lang, sentiment.ErrUnsupportedLanguage)
			continue
		}
		idx = append(idx, i)
	}
	size := int(a.batch.Load())
	var chunks [][]int
	for start := 0; start < len(idx); start += size {
		chunks = append(chunks, idx[start:min(start+size, len(idx))])
	}
	err := remote.RunJobs(ctx, len(chunks), a.opts.Concurrency, func(ctx context.Context, j int) error {
		return a.chunk(ctx, chunks[j], docs, out, errs)
	})
	return compact(errs), err
}

func compact(errs []error) []error {
	for _, e := range errs {
		if e != nil {
			return errs
		}
	}
	return nil
}

// chunk scores docs[idx] in one request, splitting it when the server says
// it is too big or when one document spoils it.
func (a *Analyzer) chunk(ctx context.Context, idx []int, docs []sentiment.Doc, out []sentiment.Result, errs []error) error {
	texts := make([]string, len(idx))
	for k, i := range idx {
		texts[k] = docs[i].Text
	}
	preds, err := a.call(ctx, texts)
	if err == nil {
		for k, i := range idx {
			out[i], errs[i] = a.result(preds[k])
		}
		return nil
	}
	var se *StatusError
	if !errors.As(err, &se) {
		return err
	}
	split := func(n int) error {
		for start := 0; start < len(idx); start += n {
			if err := a.chunk(ctx, idx[start:min(start+n, len(idx))], docs, out, errs); err != nil {
				return err
			}
		}
		return nil
	}
	switch {
	case se.batchSize() && len(idx) > 1:
		n := se.maxBatch()
		if n <= 0 || n >= len(idx) {
			n = (len(idx) + 1) / 2
		}
		a.lowerBatch(n)
		return split(n)
	case se.docLevel() && len(idx) > 1:
		return split((len(idx) + 1) / 2)
	case se.docLevel():
		errs[idx[0]] = err
		return nil
	}
	return err
}

// lowerBatch makes n the batch size if it is smaller than the current one.
func (a *Analyzer) lowerBatch(n int) {
	for {
		cur := a.batch.Load()
		if int64(n) >= cur || a.batch.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}

// result maps one text's predictions to a Result.
func (a *Analyzer) result(preds []Prediction) (sentiment.Result, error) {
	var r sentiment.Result
	matched := false
	for _, p := range preds {
		l, ok := a.labels[strings.ToLower(strings.TrimSpace(p.Label))]
		if !ok {
			continue
		}
		matched = true
		s := p.Score
		if !(s >= 0) || math.IsInf(s, 0) {
			s = 0
		}
		switch l {
		case sentiment.Positive:
			r.Positive += s
		case sentiment.Negative:
			r.Negative += s
		case sentiment.Neutral:
			r.Neutral += s
		case sentiment.Mixed:
			r.Mixed += s
		}
	}
	if !matched {
		got := make([]string, 0, len(preds))
		for _, p := range preds {
			got = append(got, p.Label)
		}
		sort.Strings(got)
		return sentiment.Result{}, fmt.Errorf("httpmodel: no mapped label among %q (set labels=model_label:class,...)", got)
	}
	r.Normalize()
	r.Label = r.ArgMax()
	r.Score = sentiment.Clamp1(r.Positive - r.Negative)
	r.Polarity = r.Score
	return r, nil
}

// Prediction is one {"label","score"} of an answer.
type Prediction struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// encode builds the request body for texts.
func (a *Analyzer) encode(texts []string) ([]byte, error) {
	if a.opts.Format == HF {
		var inputs any = texts
		if len(texts) == 1 {
			inputs = texts[0]
		}
		return json.Marshal(struct {
			Inputs     any `json:"inputs"`
			Parameters struct {
				TopK int `json:"top_k"`
			} `json:"parameters"`
		}{Inputs: inputs, Parameters: struct {
			TopK int `json:"top_k"`
		}{a.opts.TopK}})
	}
	inputs := make([][1]string, len(texts))
	for i, t := range texts {
		inputs[i][0] = t
	}
	return json.Marshal(struct {
		Inputs   [][1]string `json:"inputs"`
		Truncate bool        `json:"truncate"`
	}{inputs, !a.opts.NoTruncate})
}

// call sends texts, retrying transient failures, and returns one prediction
// list per text.
func (a *Analyzer) call(ctx context.Context, texts []string) ([][]Prediction, error) {
	body, err := a.encode(texts)
	if err != nil {
		return nil, fmt.Errorf("httpmodel: encode: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		preds, err := a.once(ctx, body, len(texts))
		if err == nil {
			return preds, nil
		}
		wait, retry := a.retryable(err)
		if !retry || attempt >= a.opts.MaxAttempts {
			if attempt > 1 {
				err = fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return nil, err
		}
		d := max(remote.Backoff(a.opts.Backoff, a.opts.MaxBackoff, attempt), min(wait, a.opts.MaxBackoff))
		if !remote.Sleep(ctx, d) {
			return nil, fmt.Errorf("httpmodel: %s: %w; last error: %w", a.endpoint, ctx.Err(), err)
		}
	}
}

// retryable reports whether err is worth another attempt and how long the
// server asked to wait.
func (a *Analyzer) retryable(err error) (time.Duration, bool) {
	var se *StatusError
	if errors.As(err, &se) {
		switch se.Status {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusFailedDependency,
			http.StatusBadGateway, http.StatusGatewayTimeout:
			return se.RetryAfter, true
		}
		return 0, false
	}
	var te *transportError
	return 0, errors.As(err, &te)
}

// transportError is a failure to reach the server or read its answer.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// once makes one attempt.
func (a *Analyzer) once(ctx context.Context, body []byte, n int) ([][]Prediction, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.opts.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("httpmodel: %s: %w", a.endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if a.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+string(a.opts.Token))
	}
	resp, err := a.client.Do(req)
	if err != nil {
		// *url.Error repeats the whole URL, query included; name only the
		// endpoint.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("httpmodel: POST %s: %w", a.endpoint, ctx.Err())
		}
		return nil, &transportError{fmt.Errorf("httpmodel: POST %s: %w", a.endpoint, err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("httpmodel: POST %s: reading the answer: %w", a.endpoint, ctx.Err())
		}
		return nil, &transportError{fmt.Errorf("httpmodel: POST %s: reading the answer: %w", a.endpoint, err)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, newStatusError(a.endpoint, resp, data)
	}
	if len(data) > maxResponse {
		return nil, fmt.Errorf("httpmodel: POST %s: answer larger than %d bytes", a.endpoint, maxResponse)
	}
	preds, err := ParseResponse(data, n)
	if err != nil {
		return nil, fmt.Errorf("httpmodel: POST %s: unreadable answer: %w", a.endpoint, err)
	}
	return preds, nil
}

// ParseResponse reads an answer for n texts: nested ([[{label,score}...],...],
// one list per text, as TEI and the hosted HF API send), or flat
// ([{label,score},...]): the predictions of the one text when n is 1, or
// one top prediction per text when it has n items.
func ParseResponse(data []byte, n int) ([][]Prediction, error) {
	var top []json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("want a JSON array: %w", err)
	}
	if len(top) == 0 {
		return nil, errors.New("empty array")
	}
	switch first(top[0]) {
	case '[':
		if len(top) != n {
			return nil, fmt.Errorf("%d prediction lists for %d texts", len(top), n)
		}
		out := make([][]Prediction, n)
		for i, raw := range top {
			if err := json.Unmarshal(raw, &out[i]); err != nil {
				return nil, fmt.Errorf("text %d: %w", i, err)
			}
		}
		return out, nil
	case '{':
		var flat []Prediction
		if err := json.Unmarshal(data, &flat); err != nil {
			return nil, err
		}
		if n == 1 {
			return [][]Prediction{flat}, nil
		}
		if len(flat) != n {
			return nil, fmt.Errorf("flat answer of %d predictions for %d texts", len(flat), n)
		}
		out := make([][]Prediction, n)
		for i := range flat {
			out[i] = flat[i : i+1]
		}
		return out, nil
	}
	return nil, errors.New("want an array of prediction lists or of predictions")
}

func first(raw json.RawMessage) byte {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// StatusError is an answer other than 200. Type and Message come from a
// {"error","error_type"} body when there is one.
type StatusError struct {
	Endpoint   string
	Status     int
	Type       string
	Message    string
	RetryAfter time.Duration // from Retry-After or a loading estimated_time
	jsonBody   bool
}

func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "httpmodel: POST %s: %d %s", e.Endpoint, e.Status, http.StatusText(e.Status))
	if e.Type != "" {
		b.WriteString(": " + e.Type)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		b.WriteString(" (check the token: token_env)")
	}
	return b.String()
}

var maxBatchRE = regexp.MustCompile(`maximum allowed batch size (\d+)`)

// batchSize reports a TEI "batch size N > maximum allowed batch size M".
func (e *StatusError) batchSize() bool {
	return (e.Status == http.StatusUnprocessableEntity || e.Status == http.StatusRequestEntityTooLarge) &&
		strings.Contains(strings.ToLower(e.Message), "batch size")
}

// maxBatch returns M from a batch size message, or 0.
func (e *StatusError) maxBatch() int {
	m := maxBatchRE.FindStringSubmatch(e.Message)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// docLevel reports an answer that may be caused by one of the texts: a
// payload too large, or a validation or tokenizer error in TEI's error shape
// (a plain-text 422 means the request itself was malformed).
func (e *StatusError) docLevel() bool {
	return e.Status == http.StatusRequestEntityTooLarge ||
		(e.Status == http.StatusUnprocessableEntity && e.jsonBody)
}

func newStatusError(endpoint string, resp *http.Response, data []byte) *StatusError {
	e := &StatusError{Endpoint: endpoint, Status: resp.StatusCode}
	var body struct {
		Error         json.RawMessage `json:"error"`
		ErrorType     string          `json:"error_type"`
		EstimatedTime float64         `json:"estimated_time"`
	}
	if json.Unmarshal(data, &body) == nil && len(body.Error) > 0 {
		e.jsonBody = true
		e.Type = body.ErrorType
		var msg string
		if json.Unmarshal(body.Error, &msg) == nil {
			e.Message = msg
		} else {
			e.Message = string(body.Error)
		}
		if t := body.EstimatedTime; t > 0 && t < 3600 {
			e.RetryAfter = time.Duration(t * float64(time.Second))
		}
	} else {
		e.Message = strings.TrimSpace(string(data))
	}
	e.Message = clip(e.Message, 300)
	if s := resp.Header.Get("Retry-After"); s != "" {
		if secs, err := strconv.Atoi(s); err == nil && secs >= 0 {
			e.RetryAfter = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(s); err == nil {
			e.RetryAfter = max(time.Until(t), 0)
		}
	}
	return e
}

// clip cuts s to at most n bytes at a rune boundary, as valid UTF-8.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
