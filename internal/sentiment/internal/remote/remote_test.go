package remote

import (
	"context"
	"errors"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

func TestParams(t *testing.T) {
	v, _ := url.ParseQuery("a=1&d=2s&b=true")
	p, err := NewParams(v, "a", "b", "d", "e")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := p.Int("a"); n != 1 || err != nil {
		t.Error(n, err)
	}
	if d, err := p.Duration("d"); d != 2*time.Second || err != nil {
		t.Error(d, err)
	}
	if b, err := p.Bool("b", false); !b || err != nil {
		t.Error(b, err)
	}
	if d, err := p.Duration("e"); d != 0 || err != nil {
		t.Error(d, err)
	}
	for _, q := range []string{"x=1", "a=1&a=2"} {
		v, _ := url.ParseQuery(q)
		if _, err := NewParams(v, "a"); err == nil {
			t.Errorf("%s: no error", q)
		}
	}
	for _, q := range []string{"a=0", "a=-1", "a=x", "d=0s", "d=1", "b=maybe"} {
		v, _ := url.ParseQuery(q)
		p, _ := NewParams(v, "a", "b", "d")
		_, e1 := p.Int("a")
		_, e2 := p.Duration("d")
		_, e3 := p.Bool("b", true)
		if e1 == nil && e2 == nil && e3 == nil {
			t.Errorf("%s: no error", q)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	const base, max = 100 * time.Millisecond, time.Second
	for attempt, ceil := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 40: time.Second} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := Backoff(base, max, attempt)
			if d < ceil/2 || d > ceil {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, ceil/2, ceil)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("attempt %d: only %d distinct delays: no jitter", attempt, len(seen))
		}
	}
}

func TestSleep(t *testing.T) {
	if !Sleep(context.Background(), time.Millisecond) {
		t.Error("Sleep cut short")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if Sleep(ctx, time.Hour) || time.Since(start) > time.Second {
		t.Error("Sleep ignored ctx")
	}
}

func TestRunJobs(t *testing.T) {
	for _, limit := range []int{1, 3, 50} {
		var calls, running, peak atomic.Int64
		err := RunJobs(context.Background(), 20, limit, func(context.Context, int) error {
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			calls.Add(1)
			return nil
		})
		if err != nil || calls.Load() != 20 || peak.Load() > int64(limit) {
			t.Errorf("limit %d: err %v, %d calls, peak %d", limit, err, calls.Load(), peak.Load())
		}
	}
	boom := errors.New("boom")
	var calls atomic.Int64
	err := RunJobs(context.Background(), 100, 4, func(ctx context.Context, j int) error {
		calls.Add(1)
		if j == 2 {
			return boom
		}
		<-ctx.Done() // the others wait for the cancel that boom causes
		return ctx.Err()
	})
	if !errors.Is(err, boom) || calls.Load() > 8 {
		t.Errorf("err %v after %d calls", err, calls.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls.Store(0)
	for _, limit := range []int{1, 4} {
		err = RunJobs(ctx, 10, limit, func(context.Context, int) error { calls.Add(1); return nil })
		if !errors.Is(err, context.Canceled) || calls.Load() != 0 {
			t.Errorf("limit %d, cancelled: err %v, %d calls", limit, err, calls.Load())
		}
	}
}
