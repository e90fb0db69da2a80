package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestSourceMetrics: while a tenant tracks a keyword, /metrics has its
// stream's numbers.
func TestSourceMetrics(t *testing.T) {
	ts := startServer(t, filepath.Join(t.TempDir(), "data"), "--window", "250ms", "--source", "synth://?rate=500&seed=3")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := ts.dial(t, ctx, ts.token)
	defer c.CloseNow()
	send(t, ctx, c, map[string]any{"type": "track", "keywords": []string{"golang"}})
	want := []string{`tsa_source_connected{source="synth",tenant=`, `tsa_source_reconnects_total{source="synth",tenant=`}
	var body string
	for {
		resp, err := http.Get(ts.base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		if postsCounted(body) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no tsa_source_posts_total above 0 for synth in /metrics:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %s", w)
		}
	}
	// synth keeps no bytes, gaps or duplicates, and has no error.
	for _, no := range []string{"tsa_source_bytes_total{", "tsa_source_gaps_filled_total{", "tsa_source_last_error_info{"} {
		if strings.Contains(body, no) {
			t.Errorf("/metrics has %s for synth", no)
		}
	}
}

func postsCounted(metrics string) bool {
	for line := range strings.SplitSeq(metrics, "\n") {
		if strings.HasPrefix(line, `tsa_source_posts_total{source="synth",tenant=`) && !strings.HasSuffix(line, " 0") {
			return true
		}
	}
	return false
}

func TestErrorLabel(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes
	tests := []struct{ in, want string }{
		{"x: connect stream: 503 Service Unavailable", "x: connect stream: 503 Service Unavailable"},
		{"auth failed with Authorization: Bearer AAAA-secret-123 sent", "auth failed with Authorization: Bearer [redacted] sent"},
		{`Get "https://api.example/2/x?access_token=s3cret&fields=a": EOF`, `Get "https://api.example/2/x?access_token=[redacted]&fields=a": EOF`},
		{"dial wss://user:pa55@host/subscribe: refused", "dial wss://[redacted]@host/subscribe: refused"},
		{"two\nlines\tand\xffbad", "two lines and\uFFFDbad"},
	}
	for _, tc := range tests {
		if got := errorLabel(tc.in); got != tc.want {
			t.Errorf("errorLabel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := errorLabel(long)
	if len(got) > maxErrorLabel || !utf8.ValidString(got) || !strings.HasPrefix(long, got) || len(got) < maxErrorLabel-1 {
		t.Errorf("errorLabel of %d bytes = %d bytes %q", len(long), len(got), got)
	}
}
