// Package e2e runs the real tsa binary as a user would: build it, start
// `tsa serve`, talk to it over HTTP and the websocket, stop it with SIGTERM.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

var tsaBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tsa-e2e-")
	if err != nil {
		panic(err)
	}
	tsaBin = filepath.Join(dir, "tsa")
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	build := exec.Command("go", "build", "-o", tsaBin, "./cmd/tsa")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic("building tsa: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer is written by the process's stderr copier and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func tsa(t *testing.T, stdin string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(tsaBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("tsa %v: %v\n%s", args, err, errb.String())
	}
	return out.String(), errb.String()
}

func TestServeAsProcess(t *testing.T) {
	data := t.TempDir()
	// A token made by the CLI before the server runs is its last line.
	out, _ := tsa(t, "", "token", "create", "--data", data, "--name", "e2e")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if !strings.HasPrefix(token, "tsa_") {
		t.Fatalf("token create printed %q", out)
	}
	// Logs piped in are stored under their service.
	tsa(t, "hello from a job\n{\"level\":\"error\",\"msg\":\"job failed\",\"code\":7}\n", "logpipe", "--data", data, "--quiet", "nightly-job")

	addr := freeAddr(t)
	cmd := exec.Command(tsaBin, "serve", "--data", data, "--addr", addr, "--window", "250ms", "--source", "synth://?rate=2000&seed=11&share=0.5")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
	}()
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	get := func(path string, out any) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			_ = json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	var logs struct {
		Logs []struct{ Service, Level, Message string }
	}
	get("/api/logs?service=nightly-job&level=error", &logs)
	if len(logs.Logs) != 1 || logs.Logs[0].Message != "job failed" {
		t.Errorf("piped logs: %+v", logs.Logs)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()
	_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"track","keywords":["pizza"]}`))
	windows, posts := 0, int64(0)
	for windows < 8 {
		_, msg, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v\n%s", err, stderr.String())
		}
		var m struct {
			Type, Keyword string
			Count         int64
		}
		_ = json.Unmarshal(msg, &m)
		if m.Type == "window" {
			if m.Keyword != "pizza" {
				t.Fatalf("window for %q", m.Keyword)
			}
			windows++
			posts += m.Count
		}
	}
	if posts == 0 {
		t.Errorf("8 windows and no posts about the tracked keyword")
	}
	var metrics bytes.Buffer
	resp, err := http.Get(base + "/metrics")
	if err == nil {
		_, _ = metrics.ReadFrom(resp.Body)
		resp.Body.Close()
	}
	for _, name := range []string{"tsa_posts_in_total", "tsa_posts_matched_total", "tsa_websocket_clients 1", "tsa_windows_emitted_total"} {
		if !strings.Contains(metrics.String(), name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if strings.Contains(metrics.String(), token) || strings.Contains(stderr.String(), token) {
		t.Errorf("the token leaked into metrics or logs")
	}

	// SIGTERM: a graceful stop, exit status 0.
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no exit within 20s of SIGTERM\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no 'stopped' log line:\n%s", stderr.String())
	}
}
