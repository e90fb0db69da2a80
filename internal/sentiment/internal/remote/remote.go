// Package remote holds what the analyzers that call a service share: strict
// spec parameters, jittered exponential backoff, and bounded fan-out of
// calls.
package remote

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Params reads spec parameters strictly: an unknown or repeated parameter is
// an error, so a typo does not pass silently.
type Params struct{ v url.Values }

// NewParams checks v against the known parameter names.
func NewParams(v url.Values, known ...string) (Params, error) {
	for k, vals := range v {
		if !slices.Contains(known, k) {
			return Params{}, fmt.Errorf("unknown parameter %q (have %s)", k, strings.Join(known, ", "))
		}
		if len(vals) > 1 {
			return Params{}, fmt.Errorf("parameter %q given %d times", k, len(vals))
		}
	}
	return Params{v}, nil
}

// String returns the parameter, or "".
func (p Params) String(k string) string { return p.v.Get(k) }

// Duration returns a positive duration, or 0 when absent.
func (p Params) Duration(k string) (time.Duration, error) {
	v := p.v.Get(k)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("parameter %s=%q: want a positive duration such as 10s", k, v)
	}
	return d, nil
}

// Int returns a positive integer, or 0 when absent.
func (p Params) Int(k string) (int, error) {
	v := p.v.Get(k)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("parameter %s=%q: want a positive integer", k, v)
	}
	return n, nil
}

// Bool returns the parameter as a boolean, or def when absent.
func (p Params) Bool(k string, def bool) (bool, error) {
	v := p.v.Get(k)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("parameter %s=%q: want true or false", k, v)
	}
	return b, nil
}

// Backoff returns the delay before retry number attempt (1 for the first
// retry): base doubled per attempt, capped at max, then drawn uniformly from
// [d/2, d] so that clients throttled together do not retry together.
func Backoff(base, max time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Sleep waits d or until ctx is done, reporting whether it waited d.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// RunJobs calls f for jobs 0..n-1 with at most limit at once, stopping at the
// first error, which it returns (or ctx's error if ctx ended before every job
// ran). It returns only when every call it started has returned.
func RunJobs(ctx context.Context, n, limit int, f func(context.Context, int) error) error {
	if n == 0 {
		return nil
	}
	limit = min(limit, n)
	if limit <= 1 {
		for j := range n {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := f(ctx, j); err != nil {
				return err
			}
		}
		return nil
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next, done atomic.Int64
		once       sync.Once
		first      error
		wg         sync.WaitGroup
	)
	for range limit {
		wg.Go(func() {
			for ctx.Err() == nil {
				j := int(next.Add(1) - 1)
				if j >= n {
					return
				}
				if err := f(ctx, j); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if first == nil && int(done.Load()) < n {
		first = parent.Err()
	}
	return first
}
