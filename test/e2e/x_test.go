package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tsaproject/tsa/internal/source/x/xapi"
	"github.com/tsaproject/tsa/internal/source/x/xfake"
)

// TestServeWithFakeX runs `tsa serve` against the fake X API: a tenant
// sets its x:// source and Bearer token through the API, tracks a keyword
// over the websocket, and the windows count exactly the posts the fake
// streams; a stream drop loses nothing (gap filling), and the token shows
// up in no log.
func TestServeWithFakeX(t *testing.T) {
	const bearer = "AAAAe2e-x-bearer-token-5f1c9a"
	fake := xfake.New(bearer)
	fake.KeepAlive = 200 * time.Millisecond
	defer fake.Close()

	data := t.TempDir()
	addr := freeAddr(t)
	cmd := exec.Command(tsaBin, "serve", "--data", data, "--addr", addr, "--window", "250ms")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
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
	tok, err := os.ReadFile(filepath.Join(data, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(tok))
	call := func(method, path string, body any, out any) int {
		var rd *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		} else {
			rd = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
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
	src := map[string]any{
		"source_url":  "x://?base_url=" + fake.URL + "&idle=2s",
		"credentials": map[string]string{"bearer_token": bearer},
	}
	if code := call("PUT", "/api/tenant/source", src, nil); code != 200 {
		t.Fatalf("PUT /api/tenant/source: %d", code)
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
	_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"track","keywords":["golang"]}`))
	for !fake.Connected() || len(fake.Rules()) == 0 {
		if ctx.Err() != nil {
			t.Fatalf("tsa never connected to the fake stream with its rule\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := fake.Rules(); len(r) != 1 || r[0].Value != "golang" {
		t.Fatalf("rules %+v", r)
	}
	user := xapi.User{ID: "7", Username: "ann", Name: "Ann"}
	const live, missed = 12, 8
	for i := range live {
		fake.Post(xapi.Tweet{Text: "golang is great, post " + string(rune('a'+i)), Lang: "en"}, user)
		fake.Post(xapi.Tweet{Text: "nothing to see", Lang: "en"}, user)
	}
	// A drop: posts made while tsa reconnects come back by search.
	fake.FailConnects(xfake.Unavailable)
	fake.Disconnect()
	for i := range missed {
		fake.Post(xapi.Tweet{Text: "golang during the outage " + string(rune('a'+i)), Lang: "en"}, user)
	}

	counted := int64(0)
	for counted < live+missed {
		_, msg, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v (counted %d of %d)\n%s", err, counted, live+missed, stderr.String())
		}
		var m struct {
			Type, Keyword string
			Count         int64
		}
		_ = json.Unmarshal(msg, &m)
		if m.Type == "window" && m.Keyword == "golang" {
			counted += m.Count
		}
	}
	// A little longer: nothing is counted twice.
	quiet := time.After(1500 * time.Millisecond)
	for done := false; !done; {
		rctx, rcancel := context.WithTimeout(ctx, 300*time.Millisecond)
		_, msg, err := c.Read(rctx)
		rcancel()
		select {
		case <-quiet:
			done = true
		default:
		}
		if err != nil {
			if ctx.Err() != nil {
				t.Fatal(err)
			}
			break // the read timed out and closed the socket; enough
		}
		var m struct {
			Type, Keyword string
			Count         int64
		}
		_ = json.Unmarshal(msg, &m)
		if m.Type == "window" && m.Keyword == "golang" {
			counted += m.Count
		}
	}
	if counted != live+missed {
		t.Errorf("windows counted %d posts, want %d", counted, live+missed)
	}

	var tenant struct {
		SourceStatus struct {
			State      string
			Reason     string
			Posts      int64
			Reconnects int64
		} `json:"source_status"`
	}
	call("GET", "/api/tenant", nil, &tenant)
	if st := tenant.SourceStatus; st.State != "connected" || st.Posts != live+missed || st.Reconnects < 1 {
		t.Errorf("source status %+v", st)
	}
	if strings.Contains(stderr.String(), bearer) {
		t.Errorf("the X bearer token leaked into the logs")
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
