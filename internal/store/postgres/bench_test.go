package postgres

import (
	"testing"

	"github.com/tsaproject/tsa/internal/store"
	"github.com/tsaproject/tsa/internal/store/storetest"
)

// BenchmarkAddRecordingPosts measures the recorder's write path into a fresh
// database on the test server, over loopback.
func BenchmarkAddRecordingPosts(b *testing.B) {
	storetest.BenchAddRecordingPosts(b, func(b *testing.B) store.Store {
		s, err := Open(b.Context(), newDatabase(b), testOptions(b))
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
