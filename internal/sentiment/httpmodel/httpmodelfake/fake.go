// Package httpmodelfake is a fake model server for tests. It speaks Hugging
// Face Text Embeddings Inference (TEI) for a sequence-classification model
// (POST /predict, / and /invocations; GET /health and /info) with TEI's
// limits and error shapes, and the Hugging Face Inference API's
// text-classification task (POST /models/<model> and
// /hf-inference/models/<model>). Scores are deterministic (keywords), faults
// can be injected, and every request is recorded.
package httpmodelfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
)

// TEI's defaults that the fake enforces.
const (
	MaxClientBatchSize = 32
	PayloadLimit       = 2_000_000
)

// TokenizerErrorMarker: a request holding a text that contains it fails as a
// whole with 422 {"error_type":"Tokenizer"}, as a text TEI cannot tokenize
// would.
const TokenizerErrorMarker = "#fake-tokenizer-error"

// DefaultLabels is cardiffnlp/twitter-roberta-base-sentiment-latest's
// id2label, in id order.
var DefaultLabels = []string{"negative", "neutral", "positive"}

// Call is one request the fake received.
type Call struct {
	Method, Path string
	Format       string   // "tei" or "hf" for a prediction request
	Inputs       []string // texts of a prediction request
	TopK         int      // hf parameters.top_k (0 when absent)
	Truncate     *bool    // TEI truncate
	Auth         string   // the Authorization header
	Status       int
}

// Server is the fake. Set the exported fields before serving.
type Server struct {
	// APIKey, when set, makes TEI routes other than /health require
	// "Authorization: Bearer <APIKey>" (401 with an empty body otherwise),
	// and HF routes likewise.
	APIKey string
	// MaxBatch replaces TEI's max-client-batch-size (32).
	MaxBatch int
	// Payload replaces the 2 MB body limit.
	Payload int
	// Labels replaces DefaultLabels (id order); e.g. LABEL_0..2.
	Labels []string
	// Nested makes hf answers nested ([[...]]) as the hosted API sends; the
	// default is flat for one input.
	Nested bool

	mu     sync.Mutex
	calls  []Call
	faults []fault
	delay  time.Duration
}

type fault struct {
	n      int
	status int
	body   string
	header http.Header
}

// New returns a fake with TEI's defaults.
func New() *Server { return &Server{} }

// InjectNext makes the next n prediction requests answer status with body
// (and header). Injections queue up in order.
func (s *Server) InjectNext(n, status int, body string, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{n, status, body, header})
}

// OverloadNext makes the next n prediction requests answer 429 Overloaded,
// as TEI does when its queue is full.
func (s *Server) OverloadNext(n int) {
	s.InjectNext(n, http.StatusTooManyRequests, `{"error":"Model is overloaded","error_type":"Overloaded"}`, nil)
}

// UnhealthyNext makes the next n prediction requests answer 503 Unhealthy.
func (s *Server) UnhealthyNext(n int) {
	s.InjectNext(n, http.StatusServiceUnavailable, `{"error":"unhealthy","error_type":"Unhealthy"}`, nil)
}

// GarbageNext makes the next n prediction requests answer 200 with a body
// that is not JSON.
func (s *Server) GarbageNext(n int) {
	s.InjectNext(n, http.StatusOK, `[[{"label":"positive","score":`, nil)
}

// SetDelay makes prediction requests wait d (or until the client leaves).
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// Calls returns a copy of the requests received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Reset forgets calls, faults and the delay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.faults, s.delay = nil, nil, 0
}

// Prediction is one label and its probability.
type Prediction struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

var (
	positiveWords = words("love great good happy excellent awesome amazing wonderful best like")
	negativeWords = words("hate bad terrible awful sad worst horrible angry")
)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// Scores returns the probabilities of negative, neutral and positive for
// text: a softmax over logits (2·negative keywords, 1, 2·positive keywords).
func Scores(text string) (neg, neu, pos float64) {
	var p, n int
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
		switch {
		case positiveWords[w]:
			p++
		case negativeWords[w]:
			n++
		}
	}
	ln, lu, lp := 2*float64(min(n, 50)), 1.0, 2*float64(min(p, 50))
	m := max(ln, lu, lp)
	en, eu, ep := math.Exp(ln-m), math.Exp(lu-m), math.Exp(lp-m)
	z := en + eu + ep
	return en / z, eu / z, ep / z
}

// Predict returns the fake's answer for one text with the given labels (id
// order: negative, neutral, positive), highest score first, as TEI sorts.
func Predict(text string, labels []string) []Prediction {
	neg, neu, pos := Scores(text)
	ps := []Prediction{{labels[0], neg}, {labels[1], neu}, {labels[2], pos}}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Score > ps[j].Score })
	return ps
}

func (s *Server) labels() []string {
	if len(s.Labels) == 3 {
		return s.Labels
	}
	return DefaultLabels
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	call := Call{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization")}
	status := s.serve(w, r, &call)
	call.Status = status
	s.record(call)
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}

func writeText(w http.ResponseWriter, status int, msg string) int {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
	return status
}

// teiError writes TEI's {"error","error_type"} with the status TEI gives the
// type.
func teiError(w http.ResponseWriter, typ, msg string) int {
	status := map[string]int{
		"Unhealthy": http.StatusServiceUnavailable, "Backend": http.StatusFailedDependency,
		"Overloaded": http.StatusTooManyRequests, "Tokenizer": http.StatusUnprocessableEntity,
		"Validation": http.StatusUnprocessableEntity, "Empty": http.StatusBadRequest,
	}[typ]
	return writeJSON(w, status, map[string]string{"error": msg, "error_type": typ})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, call *Call) int {
	path := r.URL.Path
	if r.Method == http.MethodGet && (path == "/health" || path == "/" || path == "/ping") {
		w.WriteHeader(http.StatusOK)
		return http.StatusOK
	}
	if s.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+s.APIKey {
		w.WriteHeader(http.StatusUnauthorized)
		return http.StatusUnauthorized
	}
	hf := strings.HasPrefix(path, "/models/") || strings.HasPrefix(path, "/hf-inference/models/")
	switch {
	case r.Method == http.MethodGet && path == "/info":
		return s.info(w)
	case r.Method == http.MethodPost && (path == "/predict" || path == "/" || path == "/invocations"):
		call.Format = "tei"
	case r.Method == http.MethodPost && hf:
		call.Format = "hf"
	default:
		return writeText(w, http.StatusNotFound, "")
	}

	payload := s.Payload
	if payload <= 0 {
		payload = PayloadLimit
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(payload)+1))
	if err != nil {
		return writeText(w, http.StatusBadRequest, "Failed to buffer the request body")
	}
	if len(body) > payload {
		return writeText(w, http.StatusRequestEntityTooLarge, "Failed to buffer the request body: length limit exceeded")
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return writeText(w, http.StatusUnsupportedMediaType, "Expected request with `Content-Type: application/json`")
	}

	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	s.mu.Lock()
	var f *fault
	if len(s.faults) > 0 {
		f = &fault{}
		*f = s.faults[0]
		if s.faults[0].n--; s.faults[0].n <= 0 {
			s.faults = s.faults[1:]
		}
	}
	s.mu.Unlock()
	if f != nil {
		for k, v := range f.header {
			w.Header()[k] = v
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, f.body)
		return f.status
	}
	if call.Format == "hf" {
		return s.hf(w, body, call)
	}
	return s.tei(w, body, call)
}

func (s *Server) info(w http.ResponseWriter) int {
	labels := s.labels()
	id2label := map[string]string{}
	label2id := map[string]int{}
	for i, l := range labels {
		id2label[fmt.Sprint(i)] = l
		label2id[l] = i
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"model_id":                "cardiffnlp/twitter-roberta-base-sentiment-latest",
		"model_sha":               nil,
		"model_dtype":             "float32",
		"served_model_name":       "cardiffnlp/twitter-roberta-base-sentiment-latest",
		"model_type":              map[string]any{"classifier": map[string]any{"id2label": id2label, "label2id": label2id}},
		"max_concurrent_requests": 512,
		"max_input_length":        512,
		"max_batch_tokens":        16384,
		"max_batch_requests":      nil,
		"max_client_batch_size":   s.maxBatch(),
		"auto_truncate":           true,
		"tokenization_workers":    4,
		"version":                 "fake",
		"sha":                     nil,
		"docker_label":            nil,
	})
}

func (s *Server) maxBatch() int {
	if s.MaxBatch > 0 {
		return s.MaxBatch
	}
	return MaxClientBatchSize
}

// tei serves a TEI predict request.
func (s *Server) tei(w http.ResponseWriter, body []byte, call *Call) int {
	var req struct {
		Inputs              json.RawMessage `json:"inputs"`
		Truncate            *bool           `json:"truncate"`
		TruncationDirection string          `json:"truncation_direction"`
		RawScores           bool            `json:"raw_scores"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return writeText(w, http.StatusBadRequest, "Failed to parse the request body as JSON: "+err.Error())
		}
		return writeText(w, http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: "+err.Error())
	}
	call.Truncate = req.Truncate
	var (
		single string
		batch  [][]string
		flat   []string
	)
	isBatch := false
	switch {
	case json.Unmarshal(req.Inputs, &single) == nil:
		call.Inputs = []string{single}
	case json.Unmarshal(req.Inputs, &flat) == nil && len(flat) >= 1 && len(flat) <= 2:
		// One text or one pair: a single input.
		call.Inputs = []string{strings.Join(flat, " ")}
	case json.Unmarshal(req.Inputs, &batch) == nil && len(batch) > 0:
		isBatch = true
		for _, seq := range batch {
			if len(seq) < 1 || len(seq) > 2 {
				return writeText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Failed to deserialize the JSON body into the target type: inputs: invalid length %d, expected a string, a pair of strings [string, string] or a batch of mixed strings and pairs [[string], [string, string], ...]", len(seq)))
			}
			call.Inputs = append(call.Inputs, strings.Join(seq, " "))
		}
	default:
		return writeText(w, http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: inputs: expected a string, a pair of strings [string, string] or a batch of mixed strings and pairs [[string], [string, string], ...]")
	}
	if isBatch && len(call.Inputs) > s.maxBatch() {
		return teiError(w, "Validation", fmt.Sprintf("batch size %d > maximum allowed batch size %d", len(call.Inputs), s.maxBatch()))
	}
	for _, t := range call.Inputs {
		if strings.Contains(t, TokenizerErrorMarker) {
			return teiError(w, "Tokenizer", "fake tokenizer error")
		}
	}
	w.Header().Set("X-Compute-Type", "fake")
	w.Header().Set("X-Compute-Characters", fmt.Sprint(len(strings.Join(call.Inputs, ""))))
	if !isBatch {
		return writeJSON(w, http.StatusOK, Predict(call.Inputs[0], s.labels()))
	}
	out := make([][]Prediction, len(call.Inputs))
	for i, t := range call.Inputs {
		out[i] = Predict(t, s.labels())
	}
	return writeJSON(w, http.StatusOK, out)
}

// hf serves a Hugging Face Inference API text-classification request.
func (s *Server) hf(w http.ResponseWriter, body []byte, call *Call) int {
	var req struct {
		Inputs     json.RawMessage `json:"inputs"`
		Parameters struct {
			TopK            *int   `json:"top_k"`
			FunctionToApply string `json:"function_to_apply"`
		} `json:"parameters"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Malformed JSON: " + err.Error()})
	}
	topK := 1
	if req.Parameters.TopK != nil {
		topK = *req.Parameters.TopK
		call.TopK = topK
	}
	if topK < 1 {
		return writeJSON(w, http.StatusBadRequest, map[string]string{"error": "top_k must be at least 1"})
	}
	var single string
	var list []string
	many := false
	switch {
	case json.Unmarshal(req.Inputs, &single) == nil:
		call.Inputs = []string{single}
	case json.Unmarshal(req.Inputs, &list) == nil && len(list) > 0:
		call.Inputs, many = list, true
	default:
		return writeJSON(w, http.StatusBadRequest, map[string]string{"error": "inputs must be a string or a list of strings"})
	}
	out := make([][]Prediction, len(call.Inputs))
	for i, t := range call.Inputs {
		ps := Predict(t, s.labels())
		out[i] = ps[:min(topK, len(ps))]
	}
	if !many && !s.Nested {
		return writeJSON(w, http.StatusOK, out[0])
	}
	return writeJSON(w, http.StatusOK, out)
}
