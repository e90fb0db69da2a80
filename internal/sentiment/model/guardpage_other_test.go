//go:build !linux

package model

import "testing"

// guardedPage returns a page of memory; where there is no mmap to put an
// unreadable page after it, the next page is ordinary memory.
func guardedPage(t *testing.T) []byte {
	t.Helper()
	return make([]byte, 2*4096)[:4096:4096]
}
