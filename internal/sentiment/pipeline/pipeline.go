// Package pipeline scores a stream of posts, one per line, on every core and
// writes one JSON result per input line in input order. Memory stays
// constant whatever the input size: lines travel in bounded batches.
package pipeline

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// Options tunes a run. The zero value is usable.
type Options struct {
	Workers   int           // scoring goroutines; default GOMAXPROCS
	BatchSize int           // lines per batch; default 1024
	MaxLine   int           // longest accepted line in bytes; default 1 MiB
	Progress  *atomic.Int64 // if set, counts lines written
	// OnError is called for every line that failed, in input order.
	OnError func(line int64, err error)
}

// Totals counts what a run did.
type Totals struct {
	Lines  int64
	Failed int64
}

// ErrLineTooLong is reported for a line longer than Options.MaxLine.
var ErrLineTooLong = errors.New("line too long")

type batch struct {
	first int64  // line number of the first line, 1-based
	buf   []byte // the lines, back to back
	ends  []int  // end offset of each line in buf
	long  []int  // indexes of lines longer than MaxLine (their text is dropped)
	out   []byte // encoded results
	errs  []lineErr
	done  chan struct{}
}

func (b *batch) n() int { return len(b.ends) }

func (b *batch) line(i int) []byte {
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.buf[start:b.ends[i]]
}

type lineErr struct {
	line int64
	err  error
}

// Run reads posts from in and writes results to out. A malformed line gets an
// output line with "error", is reported through OnError, and the run goes
// on. Run returns early only when ctx ends or reading or writing fails.
func Run(ctx context.Context, a sentiment.Analyzer, in io.Reader, out io.Writer, opt Options) (Totals, error) {
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 1024
	}
	if opt.MaxLine <= 0 {
		opt.MaxLine = 1 << 20
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Batches go to workers through work and to the writer, in order,
	// through ordered; the capacity of ordered bounds memory.
	work := make(chan *batch, opt.Workers)
	ordered := make(chan *batch, 2*opt.Workers)
	free := make(chan *batch, 3*opt.Workers+1)

	var wg sync.WaitGroup
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newScorer(a)
			for b := range work {
				s.score(ctx, b)
				close(b.done)
			}
		}()
	}

	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(work)
		readErr <- readBatches(ctx, in, opt, free, work, ordered)
	}()

	var tot Totals
	w := bufio.NewWriterSize(out, 256*1024)
	var werr error
	for b := range ordered {
		select {
		case <-b.done:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			continue // drain so the reader can finish
		}
		if werr == nil {
			if _, err := w.Write(b.out); err != nil {
				werr = fmt.Errorf("write results: %w", err)
				cancel()
			}
		}
		n := int64(b.n())
		tot.Lines += n
		tot.Failed += int64(len(b.errs))
		if opt.OnError != nil {
			for _, e := range b.errs {
				opt.OnError(e.line, e.err)
			}
		}
		if opt.Progress != nil {
			opt.Progress.Add(n)
		}
		select {
		case free <- b:
		default:
		}
	}
	wg.Wait()
	rerr := <-readErr
	if werr == nil {
		if err := w.Flush(); err != nil {
			werr = fmt.Errorf("write results: %w", err)
		}
	}
	switch {
	case werr != nil:
		return tot, werr
	case rerr != nil:
		return tot, rerr
	}
	return tot, ctx.Err()
}

func readBatches(ctx context.Context, in io.Reader, opt Options, free chan *batch, work, ordered chan<- *batch) error {
	r := bufio.NewReaderSize(in, 64*1024)
	next := func(first int64) *batch {
		var b *batch
		select {
		case b = <-free:
			b.buf, b.ends, b.long, b.out, b.errs = b.buf[:0], b.ends[:0], b.long[:0], b.out[:0], b.errs[:0]
		default:
			b = &batch{}
		}
		b.first, b.done = first, make(chan struct{})
		return b
	}
	var line int64
	b := next(1)
	for {
		start := len(b.buf)
		long := false
		data, err := r.ReadSlice('\n')
		for {
			if !long {
				b.buf = append(b.buf, data...)
				if len(b.buf)-start > opt.MaxLine+2 {
					long = true
					b.buf = b.buf[:start]
				}
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
			data, err = r.ReadSlice('\n')
		}
		if len(b.buf) > start || long {
			line++
			end := len(b.buf)
			if end > start && b.buf[end-1] == '\n' {
				end--
				if end > start && b.buf[end-1] == '\r' {
					end--
				}
			}
			if end-start > opt.MaxLine {
				long = true
				end = start
			}
			b.buf = b.buf[:end]
			if long {
				b.long = append(b.long, b.n())
			}
			b.ends = append(b.ends, end)
		}
		if b.n() >= opt.BatchSize || (err != nil && b.n() > 0) {
			select {
			case ordered <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case work <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
			b = next(line + 1)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read posts at line %d: %w", line+1, err)
		}
	}
}
