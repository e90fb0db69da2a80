//go:build amd64 && !purego

package model

// needsClean is needsCleanGo in one pass of SSE2 compares over the text
// (TestNeedsClean): most texts need no cleaning, and the check runs on
// every one.
//
//go:noescape
func needsClean(s string) bool

// cleanBytes holds the sixteen-byte constants of needsClean: '&', '\\' and
// '"' repeated.
//
//lint:ignore U1000 read by clean_amd64.s
var cleanBytes = func() (b [48]byte) {
	for i, c := range []byte{'&', '\\', '"'} {
		for j := range 16 {
			b[16*i+j] = c
		}
	}
	return b
}()
