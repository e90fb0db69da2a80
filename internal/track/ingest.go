package track

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/sentiment"
)

// chunk is one worker's share of a batch, with buffers reused from batch
// to batch.
type chunk struct {
	idx   []int              // Match's result
	out   []ScoredPost       // matched posts
	kwIdx []int32            // keyword indexes of out[j]: kwIdx[kwOff[j]:kwOff[j+1]]
	kwOff []int32            //
	docs  []sentiment.Doc    // out's texts
	res   []sentiment.Result // their analysis
	err   error              // the context's error, when it ended
}

// sink is the tenant's source.Sink: it matches, scores, hands the matched
// posts to the PostSink and counts them in the current window.
func (t *tenant) sink(ctx context.Context, posts []post.Post) error {
	e := t.e
	e.metrics.countIn(posts)
	t.postsIn.Add(int64(len(posts)))
	ms := t.ms.Load()
	if len(posts) == 0 || len(ms.keywords) == 0 {
		return nil
	}
	// A stream may call its sink from several goroutines; the chunks'
	// buffers allow one batch at a time.
	t.ingestMu.Lock()
	defer t.ingestMu.Unlock()

	n := min(e.cfg.Workers, (len(posts)+minChunk-1)/minChunk)
	for len(t.chunks) < n {
		t.chunks = append(t.chunks, &chunk{})
	}
	chunks := t.chunks[:n]
	if n == 1 {
		t.process(ctx, ms, chunks[0], posts)
	} else {
		var wg sync.WaitGroup
		for i, c := range chunks {
			part := posts[i*len(posts)/n : (i+1)*len(posts)/n]
			wg.Go(func() { t.process(ctx, ms, c, part) })
		}
		wg.Wait()
	}

	matched := 0
	for _, c := range chunks {
		if c.err != nil {
			return c.err
		}
		matched += len(c.out)
	}
	e.metrics.matched.Add(int64(matched))
	if matched == 0 {
		return nil
	}
	if e.cfg.Posts != nil {
		for _, c := range chunks {
			if len(c.out) == 0 {
				continue
			}
			if err := e.cfg.Posts.Posts(ctx, t.name, c.out); err != nil {
				e.metrics.sinkErrors.Add(1)
				return fmt.Errorf("post sink: %w", err)
			}
		}
	}
	t.winMu.Lock()
	acc := t.cur
	acc.bind(ms)
	for _, c := range chunks {
		for j := range c.out {
			for _, k := range c.kwIdx[c.kwOff[j]:c.kwOff[j+1]] {
				acc.byIdx[k].add(&c.out[j])
			}
		}
	}
	t.winMu.Unlock()
	return nil
}

// process matches and scores one chunk of a batch into c.
func (t *tenant) process(ctx context.Context, ms *matchSet, c *chunk, posts []post.Post) {
	c.out, c.kwIdx, c.kwOff, c.docs, c.err = c.out[:0], c.kwIdx[:0], append(c.kwOff[:0], 0), c.docs[:0], nil
	for i := range posts {
		p := &posts[i]
		c.idx = ms.m.Match(p.Text, c.idx[:0])
		// Sources that match upstream (X's filter rules) name the
		// keywords they matched; they may see text this post lacks
		// (an expanded link, a quoted post).
		for _, kw := range p.Keywords {
			if k, ok := ms.index[kw]; ok && !slices.Contains(c.idx, k) {
				c.idx = append(c.idx, k)
			}
		}
		if len(c.idx) == 0 {
			continue
		}
		for _, k := range c.idx {
			c.kwIdx = append(c.kwIdx, int32(k))
		}
		c.kwOff = append(c.kwOff, int32(len(c.kwIdx)))
		c.out = append(c.out, ScoredPost{Post: *p})
		c.docs = append(c.docs, sentiment.Doc{Text: p.Text, Lang: p.Lang})
	}
	if len(c.out) == 0 {
		return
	}
	// One fresh array per chunk, never reused, so receivers may keep
	// Post.Keywords.
	names := make([]string, len(c.kwIdx))
	for j := range c.out {
		lo, hi := c.kwOff[j], c.kwOff[j+1]
		for n, k := range c.kwIdx[lo:hi] {
			names[int(lo)+n] = ms.keywords[k]
		}
		c.out[j].Post.Keywords = names[lo:hi:hi]
	}

	c.res = slices.Grow(c.res[:0], len(c.docs))[:len(c.docs)]
	began := time.Now()
	errs, err := sentiment.RunBatch(ctx, t.e.cfg.Analyzer, c.docs, c.res)
	t.e.metrics.observeAnalysis(time.Since(began))
	if err != nil && ctx.Err() != nil {
		c.err = ctx.Err()
		return
	}
	// A failing analyzer must not stop the live view: its posts count as
	// unscored, visible in the window's label counts.
	failed := 0
	for j := range c.out {
		r := c.res[j]
		if err != nil || (errs != nil && errs[j] != nil) {
			r = sentiment.UnscoredResult()
			failed++
		}
		c.out[j].Result = r
	}
	if failed > 0 {
		t.e.metrics.analysisErrors.Add(int64(failed))
		if err == nil {
			err = firstError(errs)
		}
		t.logAnalysisError(err, failed)
	}
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// logAnalysisError logs at most one analysis failure per tenant every 10
// seconds: a service outage would otherwise log every batch.
func (t *tenant) logAnalysisError(err error, failed int) {
	now := time.Now().UnixNano()
	last := t.lastAnalysisLog.Load()
	if now-last < int64(10*time.Second) || !t.lastAnalysisLog.CompareAndSwap(last, now) {
		return
	}
	t.e.log.Warn("track: analysis failed; posts counted as unscored",
		slog.String("tenant", t.name), slog.Int("posts", failed), slog.Any("error", err))
}
