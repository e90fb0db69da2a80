//go:build unix

package file_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/tsaproject/tsa/internal/source"
	_ "github.com/tsaproject/tsa/internal/source/file"
	"github.com/tsaproject/tsa/internal/source/sourcetest"
)

// TestConformance replays from a named pipe the test keeps open for
// writing, so the file stays live and each injection is a few lines.
func TestConformance(t *testing.T) {
	sourcetest.Run(t, sourcetest.Harness{New: fifoUpstream})
}

func fifoUpstream(t *testing.T) sourcetest.Upstream {
	p := filepath.Join(t.TempDir(), "live.jsonl")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	// Read and write: opening does not wait for a reader, and what is
	// written between two runs waits in the pipe.
	w, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	var mu sync.Mutex
	next := 0
	return sourcetest.Upstream{
		Open: func(t *testing.T, state source.StateStore) source.Stream {
			s, err := source.Open("file://"+p+"?speed=max", source.Options{State: state})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Inject: func(t *testing.T, keywords []string, n int) {
			mu.Lock()
			defer mu.Unlock()
			var b []byte
			for i := range n {
				next++
				line, err := json.Marshal(map[string]string{
					"id":   fmt.Sprintf("p%d", next),
					"text": fmt.Sprintf("line %d says %s is grand", next, keywords[i%len(keywords)]),
				})
				if err != nil {
					t.Fatal(err)
				}
				b = append(append(b, line...), '\n')
			}
			if _, err := w.Write(b); err != nil {
				t.Fatal(err)
			}
		},
	}
}
