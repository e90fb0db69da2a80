package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tsaproject/tsa/internal/source/bluesky/jetstreamfake"
)

// TestServeBlueskyAsProcess runs `tsa serve` against the fake Jetstream:
// posts about a tracked keyword are counted in its windows exactly once,
// across a connection the server drops without a close frame.
func TestServeBlueskyAsProcess(t *testing.T) {
	fake := jetstreamfake.New(jetstreamfake.Options{})
	defer fake.Close()
	data := t.TempDir()
	out, _ := tsa(t, "", "token", "create", "--data", data, "--name", "e2e")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]

	addr := freeAddr(t)
	cmd := exec.Command(tsaBin, "serve", "--data", data, "--addr", addr, "--window", "250ms",
		"--source", "bluesky://?url="+url.QueryEscape(fake.URL()))
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"track","keywords":["pizza"]}`)); err != nil {
		t.Fatal(err)
	}
	// The tenant's stream connects once someone tracks a keyword.
	for fake.Connections() == 0 {
		if ctx.Err() != nil {
			t.Fatalf("no Jetstream connection\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	g := jetstreamfake.NewGenerator(21)
	want := 0
	post := func(text string) {
		fake.Publish(jetstreamfake.PostEvent(g.DID(), g.Rkey(), jetstreamfake.Record{Text: text, Langs: []string{"en"}}))
	}
	burst := func(n int) {
		for i := range n {
			post(fmt.Sprintf("I love this pizza, slice %d", want))
			want++
			post("nothing to see here " + g.Text())
			if i%10 == 0 {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	burst(30)
	// Read windows in the background and add up pizza's count.
	counts := make(chan int64, 1000)
	go func() {
		defer close(counts)
		for {
			_, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			var m struct {
				Type, Keyword string
				Count         int64
			}
			if json.Unmarshal(msg, &m) == nil && m.Type == "window" && m.Keyword == "pizza" {
				counts <- m.Count
			}
		}
	}()
	var total int64
	waitTotal := func(n int) {
		for total < int64(n) {
			select {
			case k, ok := <-counts:
				if !ok {
					t.Fatalf("websocket closed at %d of %d posts\n%s", total, n, stderr.String())
				}
				total += k
			case <-ctx.Done():
				t.Fatalf("windows counted %d of %d posts\n%s", total, n, stderr.String())
			}
		}
	}
	waitTotal(want)
	// The connection drops; what is posted meanwhile comes in the replay,
	// and what came before is not counted again.
	fake.CloseConnections()
	burst(30)
	waitTotal(want)
	// A few more windows: nothing counted twice shows up late.
	settle := time.After(2 * time.Second)
	for done := false; !done; {
		select {
		case k := <-counts:
			total += k
		case <-settle:
			done = true
		}
	}
	if total != int64(want) {
		t.Errorf("windows counted %d pizza posts, %d were posted", total, want)
	}
	if subs := fake.Subscriptions(); len(subs) < 2 || subs[len(subs)-1].Cursor == 0 {
		t.Errorf("subscriptions %+v: want a resume with a cursor", subs)
	}

	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no exit within 20s of SIGTERM\n%s", stderr.String())
	}
}
