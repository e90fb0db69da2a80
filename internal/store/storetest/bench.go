package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/store"
)

// BenchAddRecordingPosts measures the recorder's write path on a backend:
// batches of scored posts of realistic size into one recording. open returns
// a fresh, empty store. The target is 50,000 posts/s on a 2-core machine.
func BenchAddRecordingPosts(b *testing.B, open func(b *testing.B) store.Store) {
	for _, batch := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := b.Context()
			s := open(b)
			defer s.Close()
			tn, err := s.CreateTenant(ctx, "bench", "")
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			rec, err := s.CreateRecording(ctx, tn.ID, []string{"golang"}, t0, t0.Add(time.Hour))
			if err != nil {
				b.Fatal(err)
			}
			posts := make([]store.RecordedPost, batch)
			n := 0
			b.ResetTimer()
			for b.Loop() {
				// Making the posts is not the store's work.
				b.StopTimer()
				for i := range posts {
					posts[i] = benchPost(tn.ID, rec.ID, n, t0)
					n++
				}
				b.StartTimer()
				if err := s.AddRecordingPosts(ctx, posts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
		})
	}
}

func benchPost(tenantID, recID string, n int, t0 time.Time) store.RecordedPost {
	return store.RecordedPost{
		TenantID:    tenantID,
		RecordingID: recID,
		Post: post.Post{
			ID:        fmt.Sprintf("%019d", 1800000000000000000+n),
			Source:    "synth",
			Text:      fmt.Sprintf("Just tried the new #golang release %d and honestly the compile times are amazing, can't wait to ship it 🚀 @gopher", n),
			Lang:      "en",
			CreatedAt: t0.Add(time.Duration(n) * time.Millisecond),
			Author:    post.Author{ID: fmt.Sprint(n % 5000), Handle: "user_handle", Name: "Some User", Followers: int64(n % 10000), Location: "Berlin"},
			URL:       fmt.Sprintf("https://x.com/user_handle/status/%d", n),
			Keywords:  []string{"golang"},
		},
		Result: sentiment.Result{Label: sentiment.Positive, Positive: 0.8, Negative: 0.05, Neutral: 0.1, Mixed: 0.05, Score: 0.75, Polarity: 0.75},
	}
}
