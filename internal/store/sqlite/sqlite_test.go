package sqlite

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/tsaproject/tsa/internal/secret"
	"github.com/tsaproject/tsa/internal/store"
	"github.com/tsaproject/tsa/internal/store/storetest"
)

func backend() storetest.Backend {
	return storetest.Backend{
		NewURL: func(t *testing.T) string {
			return "sqlite://" + filepath.Join(t.TempDir(), "tsa.db")
		},
		Open: Open,
		DB: func(t *testing.T, rawURL string) *sql.DB {
			path, err := filePath(rawURL)
			if err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite", path+"?_busy_timeout=10000")
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
		Dump: func(t *testing.T, rawURL string) []byte {
			path, err := filePath(rawURL)
			if err != nil {
				t.Fatal(err)
			}
			var all []byte
			for _, suffix := range []string{"", "-wal", "-journal"} {
				b, err := os.ReadFile(path + suffix)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				all = append(all, b...)
			}
			return all
		},
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, backend())
}

func testOptions(tb testing.TB) store.Options {
	box, err := secret.New(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	return store.Options{Secrets: box}
}

func TestFilePath(t *testing.T) {
	for _, tc := range []struct {
		url, want string
		ok        bool
	}{
		{"sqlite:///var/lib/tsa/tsa.db", "/var/lib/tsa/tsa.db", true},
		{"sqlite://data/tsa.db", "data/tsa.db", true},
		{"sqlite://./tsa.db", "./tsa.db", true},
		{"sqlite://:memory:", ":memory:", true},
		{"sqlite://", "", false},
		{"sqlite:/x.db", "", false},
		{"postgres://host/db", "", false},
		{"sqlite:///x.db?mode=ro", "", false},
		{"sqlite:///x#y.db", "", false},
	} {
		got, err := filePath(tc.url)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("filePath(%q) = %q, %v; want %q, ok %v", tc.url, got, err, tc.want, tc.ok)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := t.Context()
	if _, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "x.db"), store.Options{}); err == nil {
		t.Error("opened without a secret box")
	}
	if _, err := Open(ctx, "mysql://x", testOptions(t)); err == nil {
		t.Error("opened another scheme")
	}
}

func TestMemory(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, "sqlite://:memory:", testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tn, err := s.EnsureDefaultTenant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, plain, err := s.CreateToken(ctx, tn.ID, "t", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LookupToken(ctx, plain); err != nil {
		t.Fatal(err)
	}
}

// TestFileSetup checks what Open leaves on disk: a private database in WAL
// mode, in a directory it created, from a relative URL.
func TestFileSetup(t *testing.T) {
	t.Chdir(t.TempDir())
	ctx := t.Context()
	s, err := Open(ctx, "sqlite://data/sub/tsa.db", testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.EnsureDefaultTenant(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"data/sub/tsa.db", "data/sub/tsa.db-wal"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", name, perm)
		}
	}
	fi, err := os.Stat("data/sub")
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("data dir has mode %#o, want 0700", perm)
	}
	db, err := sql.Open("sqlite", "data/sub/tsa.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode %q, want wal", mode)
	}
}
