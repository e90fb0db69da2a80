// Package bluesky is the bluesky:// source: a client of Bluesky's Jetstream
// (the legacy /subscribe websocket protocol) that follows every post
// created on the network. Keywords are matched downstream, by track, on
// the post text; hashtags only in a post's record tags are added to
// Post.Keywords here, as the text does not show them.
//
// It resumes without loss or repeats: the time_us of the last acknowledged
// event is saved in the tenant's state every few seconds, a dropped
// connection or a restarted process reconnects a few seconds before it
// (Jetstream's advice, as events near the cursor may come out of order)
// and drops the posts it has already delivered by their URI, and a list
// of hosts is tried in turn when one is down.
package bluesky

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tsaproject/tsa/internal/source"
)

// Scheme is the URL scheme bluesky registers.
const Scheme = "bluesky"

// DefaultHosts are the public Jetstream instances, tried in this order.
// Their cursors are times, so any of them can resume another's.
var DefaultHosts = []string{
	"wss://jetstream1.us-east.bsky.network/subscribe",
	"wss://jetstream2.us-east.bsky.network/subscribe",
	"wss://jetstream1.us-west.bsky.network/subscribe",
	"wss://jetstream2.us-west.bsky.network/subscribe",
}

func init() {
	source.Register(Scheme, func(u *url.URL, opt source.Options) (source.Stream, error) {
		cfg, err := parseURL(u)
		if err != nil {
			return nil, err
		}
		return newStream(cfg, opt)
	})
}

// config is a parsed bluesky:// URL plus the knobs tests turn.
type config struct {
	urls       []string
	compress   bool
	dictPath   string
	maxEvent   int           // frames larger than this are skipped
	rewind     time.Duration // how far before the cursor a resume starts
	maxReplay  time.Duration // 0: as far back as the server keeps
	idle       time.Duration // silence (no event, no ping) that means a dead connection
	backoffMin time.Duration
	backoffMax time.Duration
	saveEvery  time.Duration
}

func defaultConfig() config {
	return config{
		urls:       DefaultHosts,
		maxEvent:   1 << 20,
		rewind:     5 * time.Second,
		idle:       45 * time.Second, // Jetstream pings every 30 s
		backoffMin: 500 * time.Millisecond,
		backoffMax: 30 * time.Second,
		saveEvery:  5 * time.Second,
	}
}

var params = []string{"compress", "idle", "max_event_bytes", "max_replay", "rewind", "url", "zstd_dict"}

// parseURL reads bluesky://?url=wss://host/subscribe&url=…&compress=true&…
func parseURL(u *url.URL) (config, error) {
	if u.Host != "" || u.Opaque != "" || (u.Path != "" && u.Path != "/") {
		return config{}, fmt.Errorf("bluesky takes no host or path, only parameters (bluesky://?url=wss://host/subscribe), got %q", u.String())
	}
	cfg := defaultConfig()
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
		case "url":
			cfg.urls = nil
			for _, s := range q[k] {
				for h := range strings.SplitSeq(s, ",") {
					w, err := url.Parse(h)
					if err != nil || (w.Scheme != "ws" && w.Scheme != "wss") || w.Host == "" {
						return config{}, fmt.Errorf("url must be a ws:// or wss:// address such as wss://jetstream1.us-east.bsky.network/subscribe, got %q", h)
					}
					cfg.urls = append(cfg.urls, h)
				}
			}
		case "compress":
			if cfg.compress, err = strconv.ParseBool(v); err != nil {
				err = fmt.Errorf("compress must be true or false, got %q", v)
			}
		case "zstd_dict":
			cfg.dictPath = v
		case "max_event_bytes":
			n, perr := strconv.Atoi(v)
			if perr != nil || n < 1024 || n > 64<<20 {
				err = fmt.Errorf("max_event_bytes must be between 1024 and %d, got %q", 64<<20, v)
			}
			cfg.maxEvent = n
		case "rewind":
			cfg.rewind, err = durationParam(k, v, 0, time.Hour)
		case "max_replay":
			cfg.maxReplay, err = durationParam(k, v, 0, 30*24*time.Hour)
		case "idle":
			cfg.idle, err = durationParam(k, v, 100*time.Millisecond, time.Hour)
		default:
			err = fmt.Errorf("unknown parameter %q (known: %s)", k, strings.Join(params, ", "))
		}
		if err != nil {
			return config{}, err
		}
	}
	if cfg.compress && cfg.dictPath == "" {
		return config{}, errors.New("compress=true needs zstd_dict=PATH: Jetstream compresses with its own zstd dictionary (pkg/models/zstd_dictionary in bluesky-social/jetstream-legacy), which TSA does not ship")
	}
	if cfg.dictPath != "" && !cfg.compress {
		return config{}, errors.New("zstd_dict is only used with compress=true")
	}
	return cfg, nil
}

func durationParam(name, v string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		return 0, fmt.Errorf("%s must be a duration between %s and %s, got %q", name, lo, hi, v)
	}
	return d, nil
}

// readDict loads the zstd dictionary a compressed stream needs.
func readDict(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("zstd dictionary: %w", err)
	}
	return b, nil
}
