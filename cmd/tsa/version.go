package main

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/tsaproject/tsa/internal/buildinfo"
	"github.com/tsaproject/tsa/internal/sentiment"
)

func init() {
	commands["version"] = command{"print the version and the analyzers built in", runVersion}
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "", "Prints the version, the revision, the Go version and the analyzers built in.")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	rev := buildinfo.Revision()
	if rev == "" {
		rev = "unknown"
	}
	_, err := fmt.Fprintf(e.stdout, "tsa %s (revision %s, %s, %s/%s)\nanalyzers: %s (default %s)\n",
		buildinfo.Version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH,
		strings.Join(sentiment.Names(), ", "), sentiment.Default)
	return err
}
