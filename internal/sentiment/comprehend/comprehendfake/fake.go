// Package comprehendfake is a fake AWS Comprehend for tests: an http.Handler
// speaking AWS JSON 1.1 (POST /, X-Amz-Target dispatch, PascalCase members)
// for DetectSentiment and BatchDetectSentiment, with the service's limits and
// error shapes, deterministic keyword scores, injectable faults and a record
// of every call.
//
//	fake := comprehendfake.New()
//	srv := httptest.NewServer(fake)
//	a, _ := sentiment.Open("comprehend?region=us-east-1&endpoint=" + srv.URL)
package comprehendfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// TargetPrefix is the JSON 1.1 target prefix of Comprehend.
const TargetPrefix = "Comprehend_20171127."

// Limits of the real service that the fake enforces.
const (
	MaxBatch = 25
	// MaxBytes is the longest document accepted: 5,000 bytes or more is
	// rejected, the stricter of the two documented readings of "5 KB".
	MaxBytes = 4999
)

// DocErrorMarker: a batch document containing it is reported in ErrorList
// (code InternalServerException) instead of ResultList; a DetectSentiment text
// containing it gets a 400 InvalidRequestException.
const DocErrorMarker = "#fake-doc-error"

// Languages Comprehend scores sentiment in.
var Languages = []string{"en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"}

// Call is one request the fake received.
type Call struct {
	Operation    string // DetectSentiment, BatchDetectSentiment, or the raw target
	LanguageCode string
	Texts        []string
	Status       int    // HTTP status answered
	ErrorType    string // __type of an error answer
	ValidUTF8    bool   // the request body was valid UTF-8
	Region       string // from the SigV4 credential scope
	AccessKeyID  string // from the SigV4 credential scope
	Attempt      string // the SDK's amz-sdk-request header ("attempt=2; max=5")
}

// Server is the fake. The zero value is not usable; call New.
type Server struct {
	// AccessKeyID, when set before serving, is the only access key accepted;
	// others get 400 UnrecognizedClientException.
	AccessKeyID string
	// MaxBatch and MaxBytes, when set before serving, replace the service's
	// limits (to exercise a client's handling of the limit errors).
	MaxBatch int
	MaxBytes int

	mu       sync.Mutex
	calls    []Call
	throttle int
	fail     int
	garbage  int
	delay    time.Duration
	rejected map[string]bool
}

// New returns a fake that accepts any credentials.
func New() *Server { return &Server{rejected: map[string]bool{}} }

// ThrottleNext makes the next n calls fail with 400 ThrottlingException.
func (s *Server) ThrottleNext(n int) { s.mu.Lock(); s.throttle = n; s.mu.Unlock() }

// FailNext makes the next n calls fail with 500 InternalServerException.
func (s *Server) FailNext(n int) { s.mu.Lock(); s.fail = n; s.mu.Unlock() }

// GarbageNext makes the next n calls answer 200 with a body that is not JSON.
func (s *Server) GarbageNext(n int) { s.mu.Lock(); s.garbage = n; s.mu.Unlock() }

// SetDelay makes every call wait d (or until the client gives up) first.
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// RejectLanguage makes calls in code fail with UnsupportedLanguageException,
// as a region without that language would.
func (s *Server) RejectLanguage(code string) { s.mu.Lock(); s.rejected[code] = true; s.mu.Unlock() }

// Calls returns a copy of the calls received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Reset forgets calls and faults.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.throttle, s.fail, s.garbage, s.delay = nil, 0, 0, 0, 0
	s.rejected = map[string]bool{}
}

// Score is the fake's deterministic answer for one text.
type Score struct {
	Sentiment                          string // POSITIVE, NEGATIVE, NEUTRAL, MIXED
	Positive, Negative, Neutral, Mixed float64
}

var (
	positiveWords = words("love great good happy excellent awesome amazing wonderful best like bueno bien amor bon gut buono bom")
	negativeWords = words("hate bad terrible awful sad worst horrible angry malo mal mauvais schlecht cattivo ruim")
)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// ScoreText scores text by keywords: no keyword is NEUTRAL, both kinds MIXED,
// else POSITIVE or NEGATIVE with a strength 1-2^-(k+1) for k keywords.
func ScoreText(text string) Score {
	var p, n int
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
		switch {
		case positiveWords[w]:
			p++
		case negativeWords[w]:
			n++
		}
	}
	switch {
	case p == 0 && n == 0:
		return Score{"NEUTRAL", 0.05, 0.05, 0.85, 0.05}
	case p > 0 && n > 0:
		return Score{"MIXED", 0.2, 0.2, 0.1, 0.5}
	}
	k := max(p, n)
	strength := 1 - 1/float64(int(1)<<min(k+1, 30))
	rest := 1 - strength
	if p > 0 {
		return Score{"POSITIVE", strength, rest * 0.2, rest * 0.6, rest * 0.2}
	}
	return Score{"NEGATIVE", rest * 0.2, strength, rest * 0.6, rest * 0.2}
}

type sentimentScore struct {
	Positive, Negative, Neutral, Mixed float64
}

func (sc Score) wire() sentimentScore {
	return sentimentScore{sc.Positive, sc.Negative, sc.Neutral, sc.Mixed}
}

type apiError struct {
	status int
	typ    string
	msg    string
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	call := Call{
		Operation: strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix),
		ValidUTF8: utf8.Valid(body),
		Attempt:   r.Header.Get("Amz-Sdk-Request"),
	}
	call.AccessKeyID, call.Region = credentialScope(r.Header.Get("Authorization"))

	status, resp, aerr := s.serve(r, &call, body)
	if aerr != nil {
		call.Status, call.ErrorType = aerr.status, aerr.typ
		s.record(call)
		writeError(w, aerr)
		return
	}
	call.Status = status
	s.record(call)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", "fake-request")
	w.WriteHeader(status)
	_, _ = w.Write(resp)
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}

// serve returns the status and body of a success, or the error to send.
func (s *Server) serve(r *http.Request, call *Call, body []byte) (int, []byte, *apiError) {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		return 0, nil, &apiError{http.StatusNotFound, "UnknownOperationException", "only POST / is served"}
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.1") {
		return 0, nil, &apiError{http.StatusBadRequest, "SerializationException", "want Content-Type application/x-amz-json-1.1"}
	}
	if s.AccessKeyID != "" && call.AccessKeyID != s.AccessKeyID {
		return 0, nil, &apiError{http.StatusBadRequest, "UnrecognizedClientException", "The security token included in the request is invalid."}
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
	var fault *apiError
	garbage := false
	switch {
	case s.throttle > 0:
		s.throttle--
		fault = &apiError{http.StatusBadRequest, "ThrottlingException", "Rate exceeded"}
	case s.fail > 0:
		s.fail--
		fault = &apiError{http.StatusInternalServerError, "InternalServerException", "An internal error occurred."}
	case s.garbage > 0:
		s.garbage--
		garbage = true
	}
	s.mu.Unlock()
	if fault != nil {
		return 0, nil, fault
	}
	if garbage {
		return http.StatusOK, []byte(`{"ResultList":[{"Index":0,"Sentiment":`), nil
	}
	if !call.ValidUTF8 {
		return 0, nil, &apiError{http.StatusBadRequest, "SerializationException", "request body is not valid UTF-8"}
	}

	switch call.Operation {
	case "DetectSentiment":
		var req struct {
			Text         *string
			LanguageCode string
		}
		if err := decode(body, &req); err != nil {
			return 0, nil, err
		}
		call.LanguageCode = req.LanguageCode
		if req.Text != nil {
			call.Texts = []string{*req.Text}
		}
		if err := s.checkLanguage(req.LanguageCode); err != nil {
			return 0, nil, err
		}
		if req.Text == nil {
			return 0, nil, &apiError{http.StatusBadRequest, "ValidationException", "1 validation error detected: Value null at 'text' failed to satisfy constraint: Member must not be null"}
		}
		if err := s.checkText(*req.Text); err != nil {
			return 0, nil, err
		}
		if strings.Contains(*req.Text, DocErrorMarker) {
			return 0, nil, &apiError{http.StatusBadRequest, "InvalidRequestException", "fake document error"}
		}
		sc := ScoreText(*req.Text)
		return marshal(struct {
			Sentiment      string
			SentimentScore sentimentScore
		}{sc.Sentiment, sc.wire()})

	case "BatchDetectSentiment":
		var req struct {
			TextList     []string
			LanguageCode string
		}
		if err := decode(body, &req); err != nil {
			return 0, nil, err
		}
		call.LanguageCode, call.Texts = req.LanguageCode, req.TextList
		if err := s.checkLanguage(req.LanguageCode); err != nil {
			return 0, nil, err
		}
		if len(req.TextList) == 0 {
			return 0, nil, &apiError{http.StatusBadRequest, "InvalidRequestException", "TextList must hold at least one document"}
		}
		if maxBatch := or(s.MaxBatch, MaxBatch); len(req.TextList) > maxBatch {
			return 0, nil, &apiError{http.StatusBadRequest, "BatchSizeLimitExceededException",
				fmt.Sprintf("Number of documents in request is %d, which exceeds the limit of %d", len(req.TextList), maxBatch)}
		}
		for _, t := range req.TextList {
			if err := s.checkText(t); err != nil {
				return 0, nil, err
			}
		}
		type item struct {
			Index          int
			Sentiment      string
			SentimentScore sentimentScore
		}
		type itemError struct {
			Index        int
			ErrorCode    string
			ErrorMessage string
		}
		res := struct {
			ResultList []item
			ErrorList  []itemError
		}{ResultList: []item{}, ErrorList: []itemError{}}
		for i, t := range req.TextList {
			if strings.Contains(t, DocErrorMarker) {
				res.ErrorList = append(res.ErrorList, itemError{i, "InternalServerException", "fake document error"})
				continue
			}
			sc := ScoreText(t)
			res.ResultList = append(res.ResultList, item{i, sc.Sentiment, sc.wire()})
		}
		return marshal(res)
	}
	return 0, nil, &apiError{http.StatusBadRequest, "UnknownOperationException", "unknown target " + r.Header.Get("X-Amz-Target")}
}

func (s *Server) checkLanguage(code string) *apiError {
	supported := false
	for _, l := range Languages {
		supported = supported || l == code
	}
	s.mu.Lock()
	rejected := s.rejected[code]
	s.mu.Unlock()
	if code == "" {
		return &apiError{http.StatusBadRequest, "ValidationException", "1 validation error detected: Value null at 'languageCode' failed to satisfy constraint: Member must not be null"}
	}
	if !supported || rejected {
		return &apiError{http.StatusBadRequest, "UnsupportedLanguageException", "Amazon Comprehend can not process the language in the input text. The supported languages are: " + strings.Join(Languages, ", ")}
	}
	return nil
}

func (s *Server) checkText(t string) *apiError {
	if t == "" {
		return &apiError{http.StatusBadRequest, "InvalidRequestException", "Text must be at least one character"}
	}
	if maxBytes := or(s.MaxBytes, MaxBytes); len(t) > maxBytes {
		return &apiError{http.StatusBadRequest, "TextSizeLimitExceededException",
			fmt.Sprintf("Input text size exceeds limit. Max length of request text allowed is %d bytes while in this request the text size is %d bytes", maxBytes, len(t))}
	}
	return nil
}

func or(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func decode(body []byte, v any) *apiError {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &apiError{http.StatusBadRequest, "SerializationException", err.Error()}
	}
	return nil
}

func marshal(v any) (int, []byte, *apiError) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, nil, &apiError{http.StatusInternalServerError, "InternalServerException", err.Error()}
	}
	return http.StatusOK, b, nil
}

func writeError(w http.ResponseWriter, e *apiError) {
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string
	}{e.typ, e.msg})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", "fake-request")
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

// credentialScope reads the access key id and region from a SigV4
// Authorization header: "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/comprehend/aws4_request, ...".
func credentialScope(auth string) (keyID, region string) {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "", ""
	}
	rest, _, _ = strings.Cut(rest, ",")
	parts := strings.Split(rest, "/")
	if len(parts) < 3 {
		return parts[0], ""
	}
	return parts[0], parts[2]
}
