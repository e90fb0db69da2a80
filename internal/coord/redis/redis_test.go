package redis

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/coord"
	"github.com/tsaproject/tsa/internal/coord/coordtest"
)

func TestConformance(t *testing.T) {
	coordtest.Run(t,
		func(t *testing.T) coord.Coordinator { return openT(t, "", Options{}) },
		// Redis keeps real time, so the suite's clock moves by sleeping.
		func(d time.Duration) { time.Sleep(d) })
}

func TestOpenURLOptions(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Redis")
	}
	prefix := testPrefix(t)
	c, err := Open(context.Background(), testURL+"?prefix="+url.QueryEscape(prefix)+"&buffer=7&timeout=3s&dial_timeout=2s", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Prefix() != prefix || c.opts.Buffer != 7 || c.opts.Timeout != 3*time.Second {
		t.Fatalf("options not taken from the URL: %+v", c.opts)
	}
	if _, err := Open(context.Background(), testURL+"?buffer=x", Options{}); err == nil {
		t.Fatal("bad buffer accepted")
	}
	if _, err := Open(context.Background(), "http://localhost/", Options{}); err == nil {
		t.Fatal("http:// accepted")
	}
	// Nothing listens on port 1: Open fails within its timeout, not forever.
	start := time.Now()
	if _, err := Open(context.Background(), "redis://127.0.0.1:1/0?timeout=500ms", Options{}); err == nil {
		t.Fatal("Open succeeded with no server")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Open took %v to fail", d)
	}
}

// helperEnv makes the test binary act as a lease holder that is then killed,
// so the crash is a real process dying without releasing anything.
const helperEnv = "TSA_COORD_REDIS_HELPER"

func helperMain() int {
	u, prefix, name := os.Getenv("TSA_HELPER_URL"), os.Getenv("TSA_HELPER_PREFIX"), os.Getenv(helperEnv)
	c, err := Open(context.Background(), u, Options{Prefix: prefix})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	l, ok, err := c.Acquire(context.Background(), name, "crasher", time.Second)
	if err != nil || !ok {
		fmt.Println("error", ok, err)
		return 1
	}
	fmt.Println("fence", l.Fence)
	select {} // hold until killed
}

func TestCrashedHolderLeaseExpires(t *testing.T) {
	c := openT(t, "", Options{})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=tenant/x", "TSA_HELPER_URL="+testURL, "TSA_HELPER_PREFIX="+c.Prefix())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "fence ") {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("helper said %q (%v)", line, err)
	}
	crashedFence, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(line, "fence ")), 10, 64)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()

	ctx := context.Background()
	if _, ok, err := c.Acquire(ctx, "tenant/x", "w2", time.Second); err != nil || ok {
		t.Fatalf("took a lease the dead holder still had: ok=%v err=%v", ok, err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		l, ok, err := c.Acquire(ctx, "tenant/x", "w2", time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			if l.Fence <= crashedFence {
				t.Fatalf("fence %d not above the crashed holder's %d", l.Fence, crashedFence)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("lease of a killed holder did not expire")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestReleaseOnlyByOwner(t *testing.T) {
	c := openT(t, "", Options{})
	ctx := context.Background()
	l, ok, err := c.Acquire(ctx, "t", "owner", time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	// Another owner, and the right owner with a wrong fence, both fail.
	for _, bad := range []coord.Lease{
		{Name: "t", Owner: "intruder", Fence: l.Fence},
		{Name: "t", Owner: "owner", Fence: l.Fence + 1},
	} {
		if err := c.Release(ctx, bad); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Renew(ctx, bad, time.Minute); !errors.Is(err, coord.ErrLeaseLost) {
			t.Fatalf("renew by %+v: %v", bad, err)
		}
		if _, ok, _ := c.Acquire(ctx, "t", "someone", time.Minute); ok {
			t.Fatalf("release by %+v freed the lease", bad)
		}
	}
	// The owner re-acquiring keeps its fence; its release frees the lease.
	again, ok, err := c.Acquire(ctx, "t", "owner", time.Minute)
	if err != nil || !ok || again.Fence != l.Fence {
		t.Fatalf("owner re-acquire: %+v ok=%v err=%v", again, ok, err)
	}
	if err := c.Release(ctx, l); err != nil {
		t.Fatal(err)
	}
	if l2, ok, _ := c.Acquire(ctx, "t", "someone", time.Minute); !ok || l2.Fence != l.Fence+1 {
		t.Fatalf("after release: %+v ok=%v", l2, ok)
	}
	// Another instance sees the same lease (the state is in Redis).
	other := openT(t, c.Prefix(), Options{})
	if held, ok, _ := other.Acquire(ctx, "t", "owner", time.Minute); ok || held.Owner != "someone" {
		t.Fatalf("second instance: %+v ok=%v", held, ok)
	}
}

func TestPubSubAcrossInstances(t *testing.T) {
	pub := openT(t, "", Options{})
	sub := openT(t, pub.Prefix(), Options{})
	// A third instance under another prefix must not hear anything.
	stranger := openT(t, "", Options{})
	ctx := context.Background()
	s, err := sub.Subscribe(ctx, "t1/go")
	if err != nil {
		t.Fatal(err)
	}
	x, err := stranger.Subscribe(ctx, "t1/go")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := pub.Publish(ctx, "t1/go", []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		select {
		case m := <-s.C():
			if m.Topic != "t1/go" || string(m.Payload) != strconv.Itoa(i) {
				t.Fatalf("got %q on %q", m.Payload, m.Topic)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no message from the other instance")
		}
	}
	select {
	case m := <-x.C():
		t.Fatalf("another prefix heard %q", m.Payload)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestSlowSubscriberDrops(t *testing.T) {
	c := openT(t, "", Options{Buffer: 2})
	ctx := context.Background()
	s, err := c.Subscribe(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if err := c.Publish(ctx, "x", []byte("m")); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Dropped() < 8 {
		if time.Now().After(deadline) {
			t.Fatalf("dropped %d, want 8", s.Dropped())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := s.Dropped(); got != 8 {
		t.Fatalf("dropped %d, want 8", got)
	}
	// The reader kept going: once there is room, new messages arrive.
	<-s.C()
	<-s.C()
	if err := c.Publish(ctx, "x", []byte("later")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-s.C():
		if string(m.Payload) != "later" {
			t.Fatalf("got %q", m.Payload)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reader stuck after dropping")
	}
}

func TestCloseEndsGoroutines(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Redis")
	}
	before := runtime.NumGoroutine()
	ctx := context.Background()
	c, err := Open(ctx, testURL, Options{Prefix: testPrefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	var subs []coord.Subscription
	for i := range 3 {
		s, err := c.Subscribe(ctx, fmt.Sprint("t", i))
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	_ = c.Publish(ctx, "t0", []byte("m"))
	_ = subs[1].Close()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		for range s.C() { // closed, so this ends
		}
	}
	if err := c.Publish(ctx, "t0", nil); !errors.Is(err, coord.ErrClosed) {
		t.Fatalf("publish after close: %v", err)
	}
	if _, err := c.Subscribe(ctx, "t0"); !errors.Is(err, coord.ErrClosed) {
		t.Fatalf("subscribe after close: %v", err)
	}
	if err := subs[0].Add(ctx, "t9"); !errors.Is(err, coord.ErrClosed) {
		t.Fatalf("add after close: %v", err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSubscriptionSurvivesReconnect kills the subscriber's connection on the
// server side; go-redis reconnects and resubscribes, and messages flow again.
func TestSubscriptionSurvivesReconnect(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Redis")
	}
	// A client name unique to this test finds our connection among those of
	// anyone else using the same Redis, whom we must not disconnect.
	name := fmt.Sprintf("tsatest-%d-%d", os.Getpid(), time.Now().UnixNano())
	prefix := testPrefix(t)
	c, err := Open(context.Background(), testURL+"?client_name="+name, Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(); cleanKeys(t, prefix) })
	ctx := context.Background()
	s, err := c.Subscribe(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Client().ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		f := map[string]string{}
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			f[k] = v
		}
		if f["name"] == name && strings.Contains(f["flags"], "P") {
			if err := c.Client().ClientKillByFilter(ctx, "ID", f["id"]).Err(); err != nil {
				t.Fatal(err)
			}
			killed++
		}
	}
	if killed != 1 {
		t.Fatalf("found %d pub/sub connections named %s", killed, name)
	}
	// Publish until the resubscribed connection hears one.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := c.Publish(ctx, "r", []byte("again")); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-s.C():
			if string(m.Payload) != "again" {
				t.Fatalf("got %q", m.Payload)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no message after the connection was killed")
		}
	}
}

func TestQueueConformance(t *testing.T) {
	// Redis measures idleness on its own clock, so the claim timeout is
	// short and the suite's clock moves by sleeping.
	const claimAfter = 500 * time.Millisecond
	coordtest.RunQueue(t,
		func(t *testing.T) coord.Queue { return openT(t, "", Options{ClaimAfter: claimAfter}) },
		func(d time.Duration) { time.Sleep(d) },
		claimAfter)
}

// TestQueueAcrossInstances: work pushed by one process is consumed by
// another, and a consumer process that dies mid-batch loses nothing.
func TestQueueAcrossInstances(t *testing.T) {
	const claimAfter = 300 * time.Millisecond
	ctx := context.Background()
	producer := openT(t, "", Options{ClaimAfter: claimAfter})
	dying, err := Open(ctx, testURL, Options{Prefix: producer.Prefix(), ClaimAfter: claimAfter})
	if err != nil {
		t.Fatal(err)
	}
	survivor := openT(t, producer.Prefix(), Options{ClaimAfter: claimAfter})
	if err := producer.Push(ctx, "posts", []byte("p1"), []byte("p2")); err != nil {
		t.Fatal(err)
	}
	got, err := dying.Consume(ctx, "posts", "analyzers", "a1", 10, time.Second)
	if err != nil || len(got) != 2 {
		t.Fatalf("got %v, %v", got, err)
	}
	_ = dying.Close() // crashed before acking
	if _, err := dying.Consume(ctx, "posts", "analyzers", "a1", 1, 0); !errors.Is(err, coord.ErrClosed) {
		t.Fatalf("consume after close: %v", err)
	}
	time.Sleep(claimAfter + 100*time.Millisecond)
	again, err := survivor.Consume(ctx, "posts", "analyzers", "a2", 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 2 || string(again[0].Payload) != "p1" || again[1].Attempts != 2 {
		t.Fatalf("redelivered %+v", again)
	}
	if err := survivor.Ack(ctx, "posts", "analyzers", again[0].ID, again[1].ID); err != nil {
		t.Fatal(err)
	}
	if n, err := survivor.Client().XLen(ctx, survivor.streamKey("posts")).Result(); err != nil || n != 0 {
		t.Fatalf("stream keeps %d acknowledged entries (%v)", n, err)
	}
	// A wrong id deletes nothing that is not pending.
	if err := producer.Push(ctx, "posts", []byte("p3")); err != nil {
		t.Fatal(err)
	}
	ids, _ := survivor.Client().XRange(ctx, survivor.streamKey("posts"), "-", "+").Result()
	if err := survivor.Ack(ctx, "posts", "analyzers", ids[0].ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := survivor.Consume(ctx, "posts", "analyzers", "a2", 10, 0); len(got) != 1 || string(got[0].Payload) != "p3" {
		t.Fatalf("an ack of an undelivered id lost it: %+v", got)
	}
}

// TestQuietSubscriptionPings: with a short health interval the reader pings
// through silences and keeps delivering.
func TestQuietSubscriptionPings(t *testing.T) {
	c := openT(t, "", Options{HealthInterval: 50 * time.Millisecond})
	ctx := context.Background()
	s, err := c.Subscribe(ctx, "quiet")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // several intervals, each answered by a pong
	if err := c.Publish(ctx, "quiet", []byte("still here")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-s.C():
		if string(m.Payload) != "still here" {
			t.Fatalf("got %q", m.Payload)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message after a quiet spell")
	}
}
