package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// testURL is the Redis every test in this package talks to, settled by
// TestMain: TSA_TEST_REDIS_URL, else redis://127.0.0.1:6379/15, else a
// redis-server started here on a free port.
var testURL string

// runPrefix isolates this run's keys and channels from parallel runs.
var runPrefix string

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(helperMain())
	}
	flag.Parse()
	if testing.Short() {
		// Integration tests skip themselves; nothing to start.
		os.Exit(m.Run())
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	runPrefix = fmt.Sprintf("tsatest:%d-%s:", os.Getpid(), hex.EncodeToString(b[:]))

	stop, err := findRedis()
	if err != nil {
		fmt.Fprintf(os.Stderr, "coord/redis tests need a Redis: %v\n"+
			"Set TSA_TEST_REDIS_URL=redis://host:port/db, run one on 127.0.0.1:6379, "+
			"or install redis-server (apt-get install redis-server) so the tests can start their own.\n"+
			"go test -short skips these tests.\n", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

func reachable(url string) error {
	o, err := goredis.ParseURL(url)
	if err != nil {
		return err
	}
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = time.Second, time.Second, time.Second
	o.MaxRetries = -1
	c := goredis.NewClient(o)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
}

func findRedis() (stop func(), err error) {
	if u := os.Getenv("TSA_TEST_REDIS_URL"); u != "" {
		// An explicit URL that does not answer is a configuration error,
		// not a reason to quietly use something else.
		if err := reachable(u); err != nil {
			return nil, fmt.Errorf("TSA_TEST_REDIS_URL=%s: %w", u, err)
		}
		testURL = u
		return func() {}, nil
	}
	const def = "redis://127.0.0.1:6379/15"
	if reachable(def) == nil {
		testURL = def
		return func() {}, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("nothing answers at %s and redis-server is not installed", def)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	u := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err = reachable(u); err == nil {
			testURL = u
			return stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("started %s on port %d but it never answered: %w", bin, port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// openT opens a coordinator under prefix (a fresh one per test when empty),
// closes it at the end, and deletes the test's keys.
func openT(t *testing.T, prefix string, opts Options) *Coordinator {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Redis; not run with -short")
	}
	if prefix == "" {
		prefix = testPrefix(t)
	}
	opts.Prefix = prefix
	c, err := Open(context.Background(), testURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Close()
		cleanKeys(t, prefix)
	})
	return c
}

var (
	prefixMu sync.Mutex
	prefixes = map[string]int{}
)

// testPrefix is unique per test (and per call within one test).
func testPrefix(t *testing.T) string {
	prefixMu.Lock()
	defer prefixMu.Unlock()
	prefixes[t.Name()]++
	return fmt.Sprintf("%s%s#%d:", runPrefix, t.Name(), prefixes[t.Name()])
}

func cleanKeys(t *testing.T, prefix string) {
	o, err := goredis.ParseURL(testURL)
	if err != nil {
		t.Error(err)
		return
	}
	c := goredis.NewClient(o)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("clean keys %s*: %v", prefix, err)
	}
}
