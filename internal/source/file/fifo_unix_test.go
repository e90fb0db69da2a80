//go:build unix

package file

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source"
)

// TestFIFO replays from a named pipe that a writer feeds slowly: posts must
// arrive as they are written, not when a batch fills, and cancelling must
// end a Run that is blocked reading.
func TestFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "live.jsonl")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	s := open(t, "file://"+p+"?speed=max", source.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan post.Post, 10)
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, func(_ context.Context, ps []post.Post) error {
			for _, p := range ps {
				got <- p
			}
			return nil
		})
	}()
	w, err := os.OpenFile(p, os.O_WRONLY, 0) // blocks until Run opens the pipe
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, line := range []string{`{"id":"1","text":"first"}` + "\n", `{"id":"2","text":"second"}` + "\n"} {
		if _, err := w.WriteString(line); err != nil {
			t.Fatal(err)
		}
		select {
		case p := <-got:
			if p.Text == "" {
				t.Fatal("empty post")
			}
		case <-time.After(2 * time.Second):
			t.Fatal("a written post was not delivered while the writer waited")
		}
	}
	cancel() // Run is now blocked reading the pipe
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel = %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run still blocked on the pipe 2s after cancel")
	}
}
