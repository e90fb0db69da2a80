// Package leak checks that a test leaves no goroutines behind.
package leak

import (
	"runtime"
	"testing"
	"time"
)

// Check fails t if goroutines started during the test are still running
// once its cleanups are done. Call it first: cleanups registered after it
// (servers, clients) run before its own.
func Check(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
