package model

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"
)

// TestNeedsClean compares needsClean (the assembly where there is one)
// with needsCleanGo on random texts of every length placed at every
// distance from the end of a page followed by an unreadable one.
func TestNeedsClean(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab \"\"&\\x.'")
	page := guardedPage(t)
	cases, yes := 0, 0
	for n := range 70 {
		for range 300 {
			b := make([]byte, n)
			for i := range b {
				b[i] = 'a'
				if rng.IntN(12) == 0 {
					b[i] = alphabet[rng.IntN(len(alphabet))]
				}
			}
			for _, end := range []int{4096, 4096 - 1, 4096 - 15, 4096 - 16, 4096 - 17, 2048} {
				start := len(page) - 4096 + end - n
				if start < 0 {
					continue
				}
				copy(page[start:], b)
				s := unsafe.String(unsafe.SliceData(page[start:]), n)
				if n == 0 {
					s = ""
				}
				got, want := needsClean(s), needsCleanGo(s)
				if got != want {
					t.Fatalf("%q ending %d bytes before a page end: needsClean %v, needsCleanGo %v", s, 4096-end, got, want)
				}
				cases++
				if want {
					yes++
				}
			}
		}
	}
	for _, s := range []string{"", "\"", "\"\"", "a\"b\"", strings.Repeat("a", 15) + "\"\"", strings.Repeat("a", 15) + "\"" + "\"" + strings.Repeat("b", 20), "&", `\`, "x\\u2019"} {
		if needsClean(s) != needsCleanGo(s) {
			t.Errorf("%q: needsClean %v, needsCleanGo %v", s, needsClean(s), needsCleanGo(s))
		}
	}
	if yes < cases/10 || yes > cases*9/10 {
		t.Fatalf("%d of %d texts need cleaning: the test does not test both ways", yes, cases)
	}
}
