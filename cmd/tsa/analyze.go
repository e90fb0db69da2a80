package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/sentiment/pipeline"
)

func init() {
	commands["analyze"] = command{"score posts (text or JSON lines) and write scored JSON lines", runAnalyze}
}

func runAnalyze(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "analyze", "[FILE...]",
		"Reads posts, one per line, from the files or stdin (\"-\"): plain text, or JSON objects with \"text\"\n"+
			"and optional \"id\" and \"lang\". Writes one JSON result per input line, in input order.\n"+
			"A malformed line gets an error on stderr and an output line with \"error\"; the exit status is 1\n"+
			"when any line failed.")
	spec := fs.String("analyzer", sentiment.Default, "analyzer: "+analyzerHelp())
	workers := fs.Int("workers", 0, "scoring goroutines (default: every core)")
	maxLine := fs.Int("max-line", 1<<20, "longest accepted line in bytes")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	a, err := sentiment.Open(*spec)
	if err != nil {
		return err
	}
	defer closeAnalyzer(a)

	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	var progress atomic.Int64
	stopProgress := startProgress(ctx, e, &progress, "posts")
	defer stopProgress()

	var failed int64
	for _, name := range files {
		in, closeIn, err := openInput(e, name)
		if err != nil {
			return err
		}
		tot, err := pipeline.Run(ctx, a, in, e.stdout, pipeline.Options{
			Workers:  *workers,
			MaxLine:  *maxLine,
			Progress: &progress,
			OnError: func(line int64, lerr error) {
				fmt.Fprintf(e.stderr, "%s:%d: %v\n", name, line, lerr)
			},
		})
		closeIn()
		failed += tot.Failed
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if failed > 0 {
		fmt.Fprintf(e.stderr, "tsa analyze: %d line(s) failed\n", failed)
		return exitError{1}
	}
	return nil
}

func openInput(e *env, name string) (io.Reader, func(), error) {
	if name == "-" {
		return e.stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

func closeAnalyzer(a sentiment.Analyzer) {
	if c, ok := a.(sentiment.Closer); ok {
		_ = c.Close()
	}
}

func analyzerHelp() string {
	return "model (default, trained), vader, afinn, comprehend?region=..., http?url=...&format=tei|hf; see docs/ANALYZERS.md"
}

// startProgress prints a progress line on stderr every second while stderr is
// a terminal. The returned function stops it and ends the line.
func startProgress(ctx context.Context, e *env, n *atomic.Int64, what string) func() {
	if !e.stderrTTY {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				c := n.Load()
				fmt.Fprintf(e.stderr, "\r%d %s, %.0f/s   ", c, what, float64(c)/now.Sub(start).Seconds())
			}
		}
	}()
	return func() {
		cancel()
		<-done
		if time.Since(start) >= time.Second {
			fmt.Fprintln(e.stderr)
		}
	}
}
