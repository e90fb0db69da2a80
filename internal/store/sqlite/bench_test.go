package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/tsaproject/tsa/internal/store"
	"github.com/tsaproject/tsa/internal/store/storetest"
)

// BenchmarkAddRecordingPosts measures the recorder's write path into a file
// database.
func BenchmarkAddRecordingPosts(b *testing.B) {
	storetest.BenchAddRecordingPosts(b, func(b *testing.B) store.Store {
		s, err := Open(b.Context(), "sqlite://"+filepath.Join(b.TempDir(), "bench.db"), testOptions(b))
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
