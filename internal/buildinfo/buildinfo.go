// Package buildinfo tells which build of tsa is running.
package buildinfo

import (
	"runtime/debug"
	"sync"
)

// Version is set at link time: -ldflags "-X github.com/tsaproject/tsa/internal/buildinfo.Version=v1.2.3".
var Version = "dev"

var info = sync.OnceValues(func() (string, string) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", ""
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "+dirty"
	}
	return rev, bi.GoVersion
})

// Revision is the VCS revision the binary was built from, if known.
func Revision() string { r, _ := info(); return r }

// GoVersion is the Go toolchain that built the binary.
func GoVersion() string { _, g := info(); return g }
