package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/sentiment/evaluate"
)

func init() {
	commands["eval"] = command{"measure an analyzer on labelled posts (label<TAB>text)", runEval}
}

func runEval(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "eval", "FILE...",
		"Reads labelled posts (label<TAB>text, label one of negative, neutral, positive, mixed) and prints\n"+
			"n, accuracy, macro-F1, macro-averaged recall, per-class precision/recall/F1, the confusion matrix\n"+
			"and posts per second.")
	spec := fs.String("analyzer", sentiment.Default, "analyzer: "+analyzerHelp())
	asJSON := fs.Bool("json", false, "print one JSON object")
	workers := fs.Int("workers", 0, "scoring goroutines (default: every core)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	a, err := sentiment.Open(*spec)
	if err != nil {
		return err
	}
	defer closeAnalyzer(a)

	var ex []evaluate.Example
	for _, name := range fs.Args() {
		in, closeIn, err := openInput(e, name)
		if err != nil {
			return err
		}
		got, err := evaluate.ReadTSV(in, name)
		closeIn()
		if err != nil {
			return err
		}
		ex = append(ex, got...)
	}
	gold := make([]sentiment.Label, len(ex))
	for i := range ex {
		gold[i] = ex[i].Label
	}
	var done atomic.Int64
	stop := startProgress(ctx, e, &done, "posts")
	start := time.Now()
	pred, err := predict(ctx, a, ex, *workers, &done)
	elapsed := time.Since(start)
	stop()
	if err != nil {
		return err
	}
	rep := evaluate.Evaluate(gold, pred)
	if s := elapsed.Seconds(); s > 0 {
		rep.PostsPerSec = float64(len(ex)) / s
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteText(e.stdout, a.Name())
}

// predict scores every example on all cores, in chunks so analyzers that
// call a service can batch.
func predict(ctx context.Context, a sentiment.Analyzer, ex []evaluate.Example, workers int, done *atomic.Int64) ([]sentiment.Label, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const chunk = 256
	pred := make([]sentiment.Label, len(ex))
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			docs := make([]sentiment.Doc, 0, chunk)
			res := make([]sentiment.Result, chunk)
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(ex) || ctx.Err() != nil {
					return
				}
				hi := min(lo+chunk, len(ex))
				docs = docs[:0]
				for _, x := range ex[lo:hi] {
					docs = append(docs, sentiment.Doc{Text: x.Text})
				}
				errs, err := sentiment.RunBatch(ctx, a, docs, res[:hi-lo])
				for i := range errs {
					if errs[i] != nil && err == nil {
						err = fmt.Errorf("post %d: %w", lo+i+1, errs[i])
					}
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					return
				}
				for i := lo; i < hi; i++ {
					pred[i] = res[i-lo].Label
				}
				done.Add(int64(hi - lo))
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return pred, ctx.Err()
}
