package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/stats"
	"github.com/tsaproject/tsa/internal/store"
)

func ids(rs []store.Recording) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func testRecordings(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a := e.tenant("a")
	now := e.clock.Now()

	for _, tc := range []struct {
		name       string
		kws        []string
		start, end time.Time
	}{
		{"no keywords", nil, now, now.Add(time.Hour)},
		{"blank keywords", []string{" ", ""}, now, now.Add(time.Hour)},
		{"end before start", []string{"go"}, now, now.Add(-time.Second)},
		{"empty range", []string{"go"}, now, now},
		{"no start", []string{"go"}, time.Time{}, now},
	} {
		_, err := s.CreateRecording(ctx, a.ID, tc.kws, tc.start, tc.end)
		wantErr(t, err, store.ErrInvalid, tc.name)
	}
	_, err := s.CreateRecording(ctx, "nope", []string{"go"}, now, now.Add(time.Hour))
	wantErr(t, err, store.ErrNotFound, "recording for unknown tenant")

	r1, err := s.CreateRecording(ctx, a.ID, []string{"rust", "golang", "rust"}, now.Add(time.Minute), now.Add(time.Hour))
	ok(t, err)
	if r1.ID == "" || r1.TenantID != a.ID || !slices.Equal(r1.Keywords, []string{"golang", "rust"}) ||
		!r1.Start.Equal(now.Add(time.Minute)) || !r1.End.Equal(now.Add(time.Hour)) ||
		r1.Status != store.StatusScheduled || !r1.CreatedAt.Equal(now) {
		t.Fatalf("created %+v", r1)
	}
	r2, err := s.CreateRecording(ctx, a.ID, []string{"zig"}, now.Add(2*time.Minute), now.Add(3*time.Minute))
	ok(t, err)

	got, err := s.GetRecording(ctx, a.ID, r1.ID)
	ok(t, err)
	if !equalRecording(got, r1) {
		t.Fatalf("get %+v, want %+v", got, r1)
	}
	_, err = s.GetRecording(ctx, a.ID, "rec_nope")
	wantErr(t, err, store.ErrNotFound, "get unknown recording")

	list, err := s.ListRecordings(ctx, a.ID)
	ok(t, err)
	if !slices.Equal(ids(list), []string{r2.ID, r1.ID}) {
		t.Fatalf("list (newest start first): %v", ids(list))
	}

	// The scheduler's view.
	due, err := s.DueRecordings(ctx, now)
	ok(t, err)
	if len(due) != 0 {
		t.Fatalf("due before start: %v", ids(due))
	}
	due, err = s.DueRecordings(ctx, now.Add(time.Minute))
	ok(t, err)
	if !slices.Equal(ids(due), []string{r1.ID}) {
		t.Fatalf("due at r1 start: %v", ids(due))
	}
	ok(t, s.SetRecordingStatus(ctx, a.ID, r1.ID, store.StatusRecording))
	active, err := s.ActiveRecordings(ctx)
	ok(t, err)
	if !slices.Equal(ids(active), []string{r1.ID}) || active[0].Status != store.StatusRecording {
		t.Fatalf("active: %+v", active)
	}
	due, err = s.DueRecordings(ctx, now.Add(90*time.Second))
	ok(t, err)
	if len(due) != 0 {
		t.Fatalf("due while r1 runs: %v", ids(due))
	}
	due, err = s.DueRecordings(ctx, now.Add(time.Hour))
	ok(t, err)
	if !slices.Equal(ids(due), []string{r1.ID, r2.ID}) {
		t.Fatalf("due at r1 end: %v", ids(due))
	}
	ok(t, s.SetRecordingStatus(ctx, a.ID, r1.ID, store.StatusDone))
	ok(t, s.SetRecordingStatus(ctx, a.ID, r2.ID, store.StatusCancelled))
	due, _ = s.DueRecordings(ctx, now.Add(24*time.Hour))
	active, _ = s.ActiveRecordings(ctx)
	if len(due) != 0 || len(active) != 0 {
		t.Fatalf("finished recordings still due %v or active %v", ids(due), ids(active))
	}
	got, _ = s.GetRecording(ctx, a.ID, r1.ID)
	if got.Status != store.StatusDone {
		t.Fatalf("status %q", got.Status)
	}
	wantErr(t, s.SetRecordingStatus(ctx, a.ID, r1.ID, "paused"), store.ErrInvalid, "unknown status")
	wantErr(t, s.SetRecordingStatus(ctx, a.ID, "rec_nope", store.StatusDone), store.ErrNotFound, "status of unknown recording")

	// Deleting removes its windows and posts too.
	ok(t, s.AddRecordingWindows(ctx, []store.RecordedWindow{window(a.ID, r1.ID, "golang", now, 3)}))
	ok(t, s.AddRecordingPosts(ctx, makePosts(a.ID, r1.ID, 5, now)))
	ok(t, s.DeleteRecording(ctx, a.ID, r1.ID))
	_, err = s.GetRecording(ctx, a.ID, r1.ID)
	wantErr(t, err, store.ErrNotFound, "get deleted recording")
	wantErr(t, s.DeleteRecording(ctx, a.ID, r1.ID), store.ErrNotFound, "delete twice")
	db := e.db()
	for _, table := range []string{"recorded_windows", "recorded_posts"} {
		var n int
		ok(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE recording_id = `+lit(r1.ID)).Scan(&n))
		if n != 0 {
			t.Fatalf("%d rows left in %s after deleting the recording", n, table)
		}
	}
	// A writer still holding rows of the deleted recording is not stuck.
	ok(t, s.AddRecordingPosts(ctx, makePosts(a.ID, r1.ID, 5, now)))
	ok(t, s.AddRecordingWindows(ctx, []store.RecordedWindow{window(a.ID, r1.ID, "golang", now, 3)}))
}

func equalRecording(a, b store.Recording) bool {
	return a.ID == b.ID && a.TenantID == b.TenantID && slices.Equal(a.Keywords, b.Keywords) &&
		a.Start.Equal(b.Start) && a.End.Equal(b.End) && a.Status == b.Status && a.CreatedAt.Equal(b.CreatedAt)
}

// window makes a recorded window whose every statistic is distinct, so a
// swapped column shows.
func window(tenantID, recID, kw string, start time.Time, n int64) store.RecordedWindow {
	return store.RecordedWindow{
		TenantID: tenantID, RecordingID: recID, Keyword: kw,
		Start: start, End: start.Add(3 * time.Second),
		Stats: stats.Stats{
			Count: n, Scored: n - 1, Mean: 0.125, Variance: 0.25, StdDev: 0.5,
			Q25: -0.25, Median: 0.1, Q75: 0.375, Min: -0.75, Max: 0.875,
			Labels: stats.Labels{Positive: 1, Negative: 2, Neutral: 3, Mixed: 4, Unscored: 5},
		},
		Samples: json.RawMessage(`[{"id":"p1","text":"best day","label":"positive","score":0.9}]`),
	}
}

func testRecordingWindows(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a := e.tenant("a")
	now := e.clock.Now()
	rec, err := s.CreateRecording(ctx, a.ID, []string{"golang", "rust"}, now, now.Add(time.Hour))
	ok(t, err)

	var batch []store.RecordedWindow
	for i := range 4 {
		start := now.Add(time.Duration(i) * 3 * time.Second)
		batch = append(batch, window(a.ID, rec.ID, "rust", start, int64(10+i)), window(a.ID, rec.ID, "golang", start, int64(20+i)))
	}
	batch[0].Samples = nil
	ok(t, s.AddRecordingWindows(ctx, batch))
	// Replaying the batch, as after a crash, adds nothing.
	ok(t, s.AddRecordingWindows(ctx, batch))
	ok(t, s.AddRecordingWindows(ctx, batch[2:5]))
	ok(t, s.AddRecordingWindows(ctx, nil))

	all, err := s.RecordingWindows(ctx, a.ID, rec.ID, "")
	ok(t, err)
	if len(all) != 8 {
		t.Fatalf("%d windows, want 8", len(all))
	}
	// By start, then keyword.
	for i, w := range all {
		wantKw := []string{"golang", "rust"}[i%2]
		wantStart := now.Add(time.Duration(i/2) * 3 * time.Second)
		if w.Keyword != wantKw || !w.Start.Equal(wantStart) || !w.End.Equal(wantStart.Add(3*time.Second)) {
			t.Fatalf("window %d: %s at %v", i, w.Keyword, w.Start)
		}
	}
	want := batch[2] // rust at 3s
	got := all[3]
	if got.Stats != want.Stats || string(got.Samples) != string(want.Samples) || got.RecordingID != rec.ID || got.TenantID != a.ID {
		t.Fatalf("window round trip:\n got %+v\nwant %+v", got, want)
	}
	if all[1].Samples != nil { // batch[0], rust at 0s, had none
		t.Fatalf("empty samples came back as %q", all[1].Samples)
	}

	rust, err := s.RecordingWindows(ctx, a.ID, rec.ID, "rust")
	ok(t, err)
	if len(rust) != 4 || rust[3].Stats.Count != 13 {
		t.Fatalf("rust windows: %+v", rust)
	}
	none, err := s.RecordingWindows(ctx, a.ID, rec.ID, "zig")
	ok(t, err)
	if len(none) != 0 {
		t.Fatalf("zig windows: %+v", none)
	}
	_, err = s.RecordingWindows(ctx, a.ID, "rec_nope", "")
	wantErr(t, err, store.ErrNotFound, "windows of unknown recording")
}

// makePosts makes n posts of a recording, one a second from t0, with
// labels cycling and texts that the filters can tell apart.
func makePosts(tenantID, recID string, n int, t0 time.Time) []store.RecordedPost {
	labels := []sentiment.Label{sentiment.Positive, sentiment.Negative, sentiment.Neutral, sentiment.Mixed, sentiment.Unscored}
	out := make([]store.RecordedPost, n)
	for i := range out {
		kws := []string{"golang"}
		if i%3 == 0 {
			kws = append(kws, "#rust")
		}
		out[i] = store.RecordedPost{
			TenantID:    tenantID,
			RecordingID: recID,
			Post: post.Post{
				ID: fmt.Sprintf("p%05d", i), Source: "synth",
				Text:      fmt.Sprintf("post %d about Golang, 100%% sure_%d", i, i%10),
				Lang:      "en",
				CreatedAt: t0.Add(time.Duration(i) * time.Second),
				Author: post.Author{ID: fmt.Sprintf("u%d", i%7), Handle: "handle", Name: "Näme",
					Followers: int64(i * 10), Location: "Lyon", Verified: i%2 == 0},
				URL:      fmt.Sprintf("https://example.com/p/%d", i),
				Keywords: kws,
			},
			Result: sentiment.Result{
				Label: labels[i%len(labels)], Positive: 0.5, Negative: 0.25, Neutral: 0.125, Mixed: 0.125,
				Score: float64(i), Polarity: 0.25,
			},
		}
	}
	return out
}

// equalPost compares what the store keeps of a post.
func equalPost(a, b store.RecordedPost) bool {
	pa, pb := a.Post, b.Post
	return a.TenantID == b.TenantID && a.RecordingID == b.RecordingID &&
		pa.ID == pb.ID && pa.Source == pb.Source && pa.Text == pb.Text && pa.Lang == pb.Lang &&
		pa.CreatedAt.Equal(pb.CreatedAt) && pa.Author == pb.Author && pa.URL == pb.URL &&
		slices.Equal(pa.Keywords, pb.Keywords) && a.Result == b.Result
}

func testRecordingPosts(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a := e.tenant("a")
	now := e.clock.Now()
	rec, err := s.CreateRecording(ctx, a.ID, []string{"golang", "#rust"}, now, now.Add(time.Hour))
	ok(t, err)
	posts := makePosts(a.ID, rec.ID, 600, now)
	ok(t, s.AddRecordingPosts(ctx, posts))
	// Replays, whole and partial, and an empty batch add nothing.
	ok(t, s.AddRecordingPosts(ctx, posts))
	ok(t, s.AddRecordingPosts(ctx, posts[100:357]))
	ok(t, s.AddRecordingPosts(ctx, nil))

	page, err := s.RecordingPosts(ctx, a.ID, rec.ID, store.PostQuery{Limit: store.MaxLimit})
	ok(t, err)
	if len(page.Posts) != 600 || page.Next != "" {
		t.Fatalf("%d posts (next %q), want 600 on one page", len(page.Posts), page.Next)
	}
	for i, p := range page.Posts {
		if !equalPost(p, posts[i]) {
			t.Fatalf("post %d:\n got %+v\nwant %+v", i, p, posts[i])
		}
	}

	count := func(q store.PostQuery) int {
		t.Helper()
		q.Limit = store.MaxLimit
		page, err := s.RecordingPosts(ctx, a.ID, rec.ID, q)
		ok(t, err)
		return len(page.Posts)
	}
	for _, tc := range []struct {
		name string
		q    store.PostQuery
		want int
	}{
		{"label", store.PostQuery{Label: sentiment.Negative}, 120},
		{"text", store.PostQuery{Text: "post 12 "}, 1},
		{"text case-insensitive", store.PostQuery{Text: "GOLANG"}, 600},
		{"text with %", store.PostQuery{Text: "100% sure"}, 600},
		{"text % is literal", store.PostQuery{Text: "t%a"}, 0},
		{"text with _", store.PostQuery{Text: "e_3"}, 60},
		{"text _ is literal", store.PostQuery{Text: "t_1"}, 0},
		{"text no match", store.PostQuery{Text: "java"}, 0},
		{"keyword", store.PostQuery{Keyword: "#rust"}, 200},
		{"keyword whole element only", store.PostQuery{Keyword: "rust"}, 0},
		{"keyword case-insensitive", store.PostQuery{Keyword: "GoLang"}, 600},
		{"all filters", store.PostQuery{Label: sentiment.Positive, Keyword: "#rust", Text: "sure_0"}, 20},
	} {
		if got := count(tc.q); got != tc.want {
			t.Errorf("%s: %d posts, want %d", tc.name, got, tc.want)
		}
	}

	_, err = s.RecordingPosts(ctx, a.ID, rec.ID, store.PostQuery{After: "garbage"})
	wantErr(t, err, store.ErrInvalid, "bad cursor")
	_, err = s.RecordingPosts(ctx, a.ID, "rec_nope", store.PostQuery{})
	wantErr(t, err, store.ErrNotFound, "posts of unknown recording")

	// Default and maximum page sizes.
	page, err = s.RecordingPosts(ctx, a.ID, rec.ID, store.PostQuery{})
	ok(t, err)
	if len(page.Posts) != store.DefaultLimit || page.Next == "" {
		t.Fatalf("default page: %d posts, next %q", len(page.Posts), page.Next)
	}
	page, err = s.RecordingPosts(ctx, a.ID, rec.ID, store.PostQuery{Limit: 1 << 20})
	ok(t, err)
	if len(page.Posts) != 600 {
		t.Fatalf("huge limit: %d posts", len(page.Posts))
	}
}

func testPostPaging(t *testing.T, e *env) {
	s, ctx := e.s, e.ctx
	a := e.tenant("a")
	now := e.clock.Now()
	rec, err := s.CreateRecording(ctx, a.ID, []string{"golang"}, now, now.Add(time.Hour))
	ok(t, err)
	posts := makePosts(a.ID, rec.ID, 50, now)
	// Several posts share a created time: the insertion order breaks ties.
	for i := range posts {
		posts[i].Post.CreatedAt = now.Add(time.Duration(i/4) * time.Second)
	}
	ok(t, s.AddRecordingPosts(ctx, posts[:30]))

	var got []string
	q := store.PostQuery{Limit: 7}
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("paging does not end")
		}
		page, err := s.RecordingPosts(ctx, a.ID, rec.ID, q)
		ok(t, err)
		for _, p := range page.Posts {
			got = append(got, p.Post.ID)
		}
		if pages == 1 {
			// Posts arriving while a reader pages, later than its
			// cursor, appear on later pages; nothing repeats.
			ok(t, s.AddRecordingPosts(ctx, posts[30:]))
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	var want []string
	for _, p := range posts {
		want = append(want, p.Post.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged ids:\n got %v\nwant %v", got, want)
	}

	// An exact multiple of the page size ends with an empty Next.
	page, err := s.RecordingPosts(ctx, a.ID, rec.ID, store.PostQuery{Limit: 50})
	ok(t, err)
	if len(page.Posts) != 50 || page.Next != "" {
		t.Fatalf("exact page: %d posts, next %q", len(page.Posts), page.Next)
	}
	// A filtered walk pages only the matches.
	var neg int
	q = store.PostQuery{Label: sentiment.Negative, Limit: 3}
	for {
		page, err := s.RecordingPosts(ctx, a.ID, rec.ID, q)
		ok(t, err)
		for _, p := range page.Posts {
			if p.Result.Label != sentiment.Negative {
				t.Fatalf("filter leak: %+v", p)
			}
			neg++
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if neg != 10 {
		t.Fatalf("%d negative posts paged, want 10", neg)
	}
}
