package x

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tsaproject/tsa/internal/source/x/xapi"
)

// DefaultBaseURL is X's API host.
const DefaultBaseURL = "https://api.x.com"

// Clock is the time the client and stream see: Now for timestamps and
// Sleep for every wait (backoff, rate-limit resets), so tests can check
// timings without waiting.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx ends, whichever is first, and
	// returns ctx.Err() in the second case.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ClientConfig configures a Client.
type ClientConfig struct {
	BaseURL string // DefaultBaseURL when empty
	// Token is the app-only Bearer token. It goes into the Authorization
	// header and nowhere else: no log line or error holds it.
	Token string
	// HTTPClient is used as is when set; the default has dial, TLS and
	// response-header timeouts but no overall one, which would cut the
	// endless stream.
	HTTPClient *http.Client
	// Timeout bounds each request other than the stream (default 30 s).
	Timeout time.Duration
	Clock   Clock
	Logger  *slog.Logger
}

// Client talks to X API v2: rules, the filtered stream and search. It is
// safe for concurrent use.
type Client struct {
	base    *url.URL
	token   string
	hc      *http.Client
	timeout time.Duration
	clock   Clock
	log     *slog.Logger

	mu     sync.Mutex
	limits map[string]RateLimit // by endpoint path
}

// NewClient checks cfg and builds a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("base_url must be an http or https URL such as %s, got %q", DefaultBaseURL, cfg.BaseURL)
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("no bearer token: set the tenant's bearer_token credential (or TSA_X_BEARER_TOKEN for the default tenant)")
	}
	c := &Client{base: base, token: cfg.Token, hc: cfg.HTTPClient, timeout: cfg.Timeout, clock: cfg.Clock, log: cfg.Logger, limits: map[string]RateLimit{}}
	if c.hc == nil {
		c.hc = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		}}
	}
	if c.timeout <= 0 {
		c.timeout = 30 * time.Second
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// RateLimit is what the x-rate-limit-* headers of the last response of an
// endpoint said.
type RateLimit struct {
	Limit, Remaining int
	Reset            time.Time // zero when the headers were absent
}

func parseRateLimit(h http.Header) RateLimit {
	rl := RateLimit{Limit: -1, Remaining: -1}
	if v, err := strconv.Atoi(h.Get("x-rate-limit-limit")); err == nil {
		rl.Limit = v
	}
	if v, err := strconv.Atoi(h.Get("x-rate-limit-remaining")); err == nil {
		rl.Remaining = v
	}
	if v, err := strconv.ParseInt(h.Get("x-rate-limit-reset"), 10, 64); err == nil && v > 0 {
		rl.Reset = time.Unix(v, 0)
	}
	return rl
}

// RateLimit returns the last known limits of an endpoint path such as
// "/2/tweets/search/recent".
func (c *Client) RateLimit(path string) RateLimit {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.limits[path]
}

// waitForQuota sleeps until the endpoint's window resets when the last
// response said none are left, rather than spend a request on a 429.
func (c *Client) waitForQuota(ctx context.Context, path string) error {
	rl := c.RateLimit(path)
	if rl.Remaining != 0 || rl.Reset.IsZero() {
		return nil
	}
	if d := rl.Reset.Sub(c.clock.Now()); d > 0 {
		c.log.Info("x: rate limit exhausted, waiting for the reset", "endpoint", path, "wait", d.Round(time.Second))
		return c.clock.Sleep(ctx, d+time.Second)
	}
	return nil
}

// Kinds of failure, which decide what the stream does next.
const (
	KindNetwork    = "network"     // no HTTP answer: linear backoff
	KindHTTP       = "http"        // retryable HTTP status: exponential from 5 s
	KindRateLimit  = "rate-limit"  // 429: exponential from 1 min, or the reset
	KindAuth       = "auth"        // 401/403: terminal
	KindUsageCap   = "usage-cap"   // usage-capped: terminal
	KindBadRequest = "bad-request" // a 4xx our request caused: not worth repeating as is
)

// APIError is an HTTP answer other than success.
type APIError struct {
	Op      string // "connect stream", "search", "add rules", …
	Status  int
	Problem xapi.Problem // the body's problem, or its first error
	Limit   RateLimit
}

func (e *APIError) Error() string {
	return fmt.Sprintf("x: %s: HTTP %d: %s", e.Op, e.Status, e.Problem.String())
}

// Kind classifies the error.
func (e *APIError) Kind() string {
	switch {
	case e.Problem.Kind() == "usage-capped" || e.Problem.Title == "UsageCapExceeded":
		return KindUsageCap
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return KindAuth
	case e.Status == http.StatusTooManyRequests:
		return KindRateLimit
	case e.Status >= 500:
		return KindHTTP
	case e.Status >= 400:
		return KindBadRequest
	}
	return KindHTTP
}

// Terminal reports whether retrying cannot help: the credentials are
// refused or the account's usage is capped.
func (e *APIError) Terminal() bool {
	k := e.Kind()
	return k == KindAuth || k == KindUsageCap
}

// ErrorKind classifies any error the client returns.
func ErrorKind(err error) string {
	if e, ok := errors.AsType[*APIError](err); ok {
		return e.Kind()
	}
	return KindNetwork
}

// IsTerminal reports whether err means retrying cannot help.
func IsTerminal(err error) bool {
	e, ok := errors.AsType[*APIError](err)
	return ok && e.Terminal()
}

func (c *Client) newRequest(ctx context.Context, method, path string, q url.Values, body any) (*http.Request, error) {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("x: encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("x: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", "tsa")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// maxBody bounds a non-stream response read into memory.
const maxBody = 16 << 20

// do sends a request and decodes a successful JSON body into out; any
// other answer becomes an *APIError. The rate-limit headers are kept.
func (c *Client) do(ctx context.Context, op, method, path string, q url.Values, body, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := c.newRequest(ctx, method, path, q, body)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("x: %s: %w", op, err)
	}
	defer resp.Body.Close()
	rl := parseRateLimit(resp.Header)
	if !rl.Reset.IsZero() {
		c.mu.Lock()
		c.limits[path] = rl
		c.mu.Unlock()
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("x: %s: read body: %w", op, err)
	}
	if resp.StatusCode/100 != 2 {
		return newAPIError(op, resp.StatusCode, data, rl)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("x: %s: decode body: %w", op, err)
	}
	return nil
}

// newAPIError reads a failed response's problem, in any of the shapes X
// uses: a problem, errors[] of problems, or the legacy code/message.
func newAPIError(op string, status int, body []byte, rl RateLimit) *APIError {
	e := &APIError{Op: op, Status: status, Limit: rl}
	var r xapi.Response
	if json.Unmarshal(body, &r) == nil {
		e.Problem = r.Problem
		if e.Problem.Type == "" && e.Problem.Title == "" && len(r.Errors) > 0 {
			e.Problem = r.Errors[0]
		}
	}
	if e.Problem.String() == "" {
		e.Problem.Title = http.StatusText(status)
	}
	return e
}
