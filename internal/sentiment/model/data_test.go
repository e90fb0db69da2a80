package model

import (
	"os"
	"path/filepath"
	"testing"
)

// The development data (docs: /work/shared/data/README.md) is never part of
// the repository: tests that need it look for it beside the checkout, in
// ../shared/data (or $TSA_DATA), and skip when it is absent.
const (
	trainFile = "semeval-2013-2016-train.tsv"
	valFile   = "tweeteval-val.tsv"
)

func dataDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("TSA_DATA"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// readData reads one of the data files, skipping the test when it is absent.
func readData(t testing.TB, name string) []Example {
	t.Helper()
	p := filepath.Join(dataDir(t), name)
	f, err := os.Open(p)
	if err != nil {
		if os.IsNotExist(err) {
			t.Skipf("skipped: development data %s not found (set TSA_DATA to the directory holding %s)", p, name)
		}
		t.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadTSV(f)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return ex
}

// evaluate scores examples with m.
func evaluate(m *Model, ex []Example) confusion {
	var cm confusion
	for _, e := range ex {
		neg, neu, pos := m.Probs(e.Text)
		best := cNeu
		if pos > neu {
			best = cPos
		}
		if neg > max(neu, pos) {
			best = cNeg
		}
		cm[classOf(e.Label)][best]++
	}
	return cm
}
