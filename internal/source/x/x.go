// Package x is the x:// source: X API v2's filtered stream for live posts,
// its rules for the tenant's keywords, and search, both for the batch
// pipeline and to fill the gaps stream outages leave.
//
//	x://?base_url=http://127.0.0.1:8080&idle=20s&max_rules=1000&rule_len=1024
//
// The token is the tenant's app-only Bearer token (credential
// "bearer_token"), or, for the default tenant only, TSA_X_BEARER_TOKEN (tsa serve passes it in). It is
// sent in the Authorization header and never logged.
//
// # Keywords and rules
//
// Each keyword becomes a rule term (Term): words, hashtags and mentions as
// they are, anything else quoted as a phrase. A rule's tag lists its
// keywords (xapi.Tag), so matching_rules maps a post back to keywords with
// no state, and rules a previous process made are found again. SetKeywords
// changes rules by difference, validating additions with dry_run first,
// with no reconnect. One keyword per rule while the rule count allows;
// beyond it keywords are packed with OR up to the rule length. What still
// does not fit is reported by SetKeywords (wrapping ErrLimit) and in the
// status.
//
// # Connection
//
// One connection per stream. Messages are JSON objects ended by "\r\n";
// blank lines are keep-alives. Silence longer than idle means a dead
// connection. Reconnects follow X's published backoff: at once after a
// drop, then linear from 250 ms to 16 s for network errors, exponential
// from 5 s to 320 s for HTTP errors, exponential from 1 minute for 429 (or
// until x-rate-limit-reset when that is later). Authentication failures
// and usage-capped stop retrying: the status says failed, with the reason,
// until Run's context ends.
//
// # Gaps
//
// After an outage (and after a restart, from the cursor kept in the
// source's state) the stream searches recent posts for its rules from the
// last post seen, and delivers what it missed. Posts are deduplicated by id
// over the last few hundred thousand delivered.
package x

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tsaproject/tsa/internal/source"
)

// Scheme is the URL scheme x registers.
const Scheme = "x"

// EnvToken names the environment variable holding the default tenant's
// Bearer token.
const EnvToken = "TSA_X_BEARER_TOKEN"

func init() {
	source.Register(Scheme, func(u *url.URL, opt source.Options) (source.Stream, error) {
		cfg, err := ParseURL(u)
		if err != nil {
			return nil, err
		}
		// The environment's token is the default tenant's only: the
		// wiring passes it in Credentials for that tenant, so no other
		// tenant can stream on someone else's paid credentials.
		token := opt.Credentials["bearer_token"]
		c, err := NewClient(ClientConfig{BaseURL: cfg.BaseURL, Token: token, Logger: opt.Logger})
		if err != nil {
			return nil, err
		}
		return NewStream(c, cfg, opt), nil
	})
}

// Config is a parsed x:// URL.
type Config struct {
	BaseURL string
	// Idle is the longest silence (no post, no keep-alive) a live
	// connection may have; X sends a keep-alive every 20 s.
	Idle time.Duration
	// MaxRules and RuleLen are the app's rule limits: X's self-serve
	// plans allow 1,000 rules of 1,024 characters, older Basic 25 of 512,
	// Enterprise 25,000 of 2,048.
	MaxRules, RuleLen int
	// QueryLen is the longest search query (gap filling): 512 for recent
	// search on self-serve plans.
	QueryLen int
	// GapMax is the longest outage filled by search; older posts are
	// given up (each one counts against the monthly cap).
	GapMax time.Duration
	// Dedupe is how many recent post ids are remembered to drop
	// duplicates between the stream and gap filling.
	Dedupe int
}

// DefaultConfig holds X's published limits.
func DefaultConfig() Config {
	return Config{BaseURL: DefaultBaseURL, Idle: 20 * time.Second, MaxRules: 1000, RuleLen: 1024,
		QueryLen: 512, GapMax: time.Hour, Dedupe: 200_000}
}

var params = []string{"base_url", "dedupe", "gap_max", "idle", "max_rules", "query_len", "rule_len"}

// ParseURL reads an x:// URL.
func ParseURL(u *url.URL) (Config, error) {
	cfg := DefaultConfig()
	if u.Host != "" || u.Opaque != "" || (u.Path != "" && u.Path != "/") {
		return cfg, fmt.Errorf("x takes no host or path, only parameters (x://?base_url=http://127.0.0.1:8080), got %q", u.Redacted())
	}
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys) // of several bad parameters, report the same one
	for _, k := range keys {
		v := q.Get(k)
		var err error
		switch k {
		case "base_url":
			cfg.BaseURL = v
		case "idle":
			cfg.Idle, err = durationParam(k, v, 10*time.Millisecond, time.Hour)
		case "gap_max":
			cfg.GapMax, err = durationParam(k, v, 0, 7*24*time.Hour)
		case "max_rules":
			cfg.MaxRules, err = intParam(k, v, 1, 1_000_000)
		case "rule_len":
			cfg.RuleLen, err = intParam(k, v, 16, 1_000_000)
		case "query_len":
			cfg.QueryLen, err = intParam(k, v, 16, 1_000_000)
		case "dedupe":
			cfg.Dedupe, err = intParam(k, v, 1, 100_000_000)
		default:
			err = fmt.Errorf("unknown parameter %q (known: %s)", k, strings.Join(params, ", "))
		}
		if err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

func intParam(name, v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be between %d and %d, got %q", name, lo, hi, v)
	}
	return n, nil
}

func durationParam(name, v string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		return 0, fmt.Errorf("%s must be a duration between %v and %v, got %q", name, lo, hi, v)
	}
	return d, nil
}
