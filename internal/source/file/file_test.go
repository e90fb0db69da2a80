package file

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/source/synth"
)

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func open(t *testing.T, spec string, opt source.Options) source.Stream {
	t.Helper()
	s, err := source.Open(spec, opt)
	if err != nil {
		t.Fatalf("Open(%q): %v", spec, err)
	}
	return s
}

// replayAll runs spec to its end and returns every post delivered.
func replayAll(t *testing.T, spec string, opt source.Options) ([]post.Post, source.Stream) {
	t.Helper()
	s := open(t, spec, opt)
	var got []post.Post
	err := s.Run(context.Background(), func(_ context.Context, ps []post.Post) error {
		if len(ps) == 0 || len(ps) > maxBatch {
			t.Errorf("batch of %d posts", len(ps))
		}
		got = append(got, ps...)
		return nil
	})
	if !errors.Is(err, source.ErrEndOfInput) {
		t.Fatalf("Run = %v, want ErrEndOfInput", err)
	}
	return got, s
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		spec    string
		want    config // format compared by name
		wantErr string
	}{
		{spec: "file:///var/x.jsonl", want: config{path: "/var/x.jsonl", format: formats[0], speed: 1}},
		{spec: "file:///var/x.CSV?speed=max&loop=true", want: config{path: "/var/x.CSV", format: formats[1], loop: true}},
		{spec: "file:///var/x.csv.gz?speed=2.5&times=keep", want: config{path: "/var/x.csv.gz", format: formats[1], gzip: true, speed: 2.5, keep: true}},
		{spec: "file://data/x.txt?format=csv", want: config{path: "data/x.txt", format: formats[1], speed: 1}},
		{spec: "file:data/my%20posts.jsonl", want: config{path: "data/my posts.jsonl", format: formats[0], speed: 1}},
		{spec: "file://localhost/var/x.ndjson", want: config{path: "/var/x.ndjson", format: formats[0], speed: 1}},
		{spec: "file://", wantErr: "file needs a path"},
		{spec: "file:///x.jsonl?speed=0", wantErr: "speed must be max or a factor"},
		{spec: "file:///x.jsonl?speed=fast", wantErr: "speed must be max or a factor"},
		{spec: "file:///x.jsonl?loop=sometimes", wantErr: "loop must be true or false"},
		{spec: "file:///x.jsonl?format=xml", wantErr: "format must be one of jsonl, csv"},
		{spec: "file:///x.jsonl?times=now", wantErr: "times must be shift or keep"},
		{spec: "file:///x.jsonl?rate=5", wantErr: `unknown parameter "rate"`},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			u, err := url.Parse(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseURL(u)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.format.name != tc.want.format.name {
				t.Fatalf("format %s, want %s", got.format.name, tc.want.format.name)
			}
			got.format, tc.want.format = format{}, format{}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("parseURL = %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, err := source.Open("file:///no/such/file.jsonl", source.Options{}); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("opening a missing file: %v", err)
	}
}

func TestJSONLShapes(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		line string
		want post.Post
	}{
		{name: "post model",
			line: `{"id":"p1","source":"x","text":"hello","lang":"en","created_at":"2024-05-01T12:00:00Z","author":{"id":"u1","handle":"ann","name":"Ann","followers":12,"location":"Oslo","verified":true},"metrics":{"likes":3,"reposts":1},"url":"https://x.com/ann/1","reply_to":"p0","keywords":["k"]}`,
			want: post.Post{ID: "p1", Text: "hello", Lang: "en", CreatedAt: t0, URL: "https://x.com/ann/1", ReplyTo: "p0",
				Author:  post.Author{ID: "u1", Handle: "ann", Name: "Ann", Followers: 12, Location: "Oslo", Verified: true},
				Metrics: post.Metrics{Likes: 3, Reposts: 1}}},
		{name: "X API v2 tweet with expanded author",
			line: `{"id":"1790000000000000001","text":"v2 text","lang":"fr","created_at":"2024-05-01T12:00:00.000Z","author_id":"42","author":{"id":"42","username":"bob","name":"Bob","public_metrics":{"followers_count":1500}},"public_metrics":{"like_count":7,"retweet_count":2,"reply_count":1,"quote_count":0}}`,
			want: post.Post{ID: "1790000000000000001", Text: "v2 text", Lang: "fr", CreatedAt: t0,
				Author:  post.Author{ID: "42", Handle: "bob", Name: "Bob", Followers: 1500},
				Metrics: post.Metrics{Likes: 7, Reposts: 2, Replies: 1}}},
		{name: "X API v1.1 tweet",
			line: `{"id":1790000000000000002,"id_str":"1790000000000000002","text":"v1 te…","full_text":"v1 text","created_at":"Wed May 01 12:00:00 +0000 2024","user":{"id_str":"9","screen_name":"cat","followers_count":"88"}}`,
			want: post.Post{ID: "1790000000000000002", Text: "v1 text", CreatedAt: t0,
				Author: post.Author{ID: "9", Handle: "cat", Followers: 88}}},
		{name: "flat author and unix millis",
			line: `{"ID":5,"Text":"flat","createdAt":1714564800000,"langs":["de","en"],"author_handle":"@dan","author_name":"Dan","author_followers":"4.2e3"}`,
			want: post.Post{ID: "5", Text: "flat", Lang: "de", CreatedAt: t0,
				Author: post.Author{Handle: "dan", Name: "Dan", Followers: 4200}}},
		{name: "wrong types are skipped, not fatal",
			line: `{"id":"w","text":"typed","verified":"yes","author":{"handle":"eve","verified":"yes","location":5},"langs":"en","timestamp":"2024-05-01 12:00:00"}`,
			want: post.Post{ID: "w", Text: "typed", CreatedAt: t0, Author: post.Author{Handle: "eve"}}},
	}
	var lines []string
	for _, tc := range tests {
		lines = append(lines, tc.line)
	}
	p := write(t, "posts.jsonl", strings.Join(lines, "\n"))
	got, s := replayAll(t, "file://"+p+"?speed=max&times=keep", source.Options{})
	if len(got) != len(tests) {
		t.Fatalf("%d posts, want %d", len(got), len(tests))
	}
	for i, tc := range tests {
		want := tc.want
		want.Source = "file"
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got[i], want)
		}
	}
	if st := s.(source.StatusReporter).Status(); st.State != "stopped" || st.Posts != int64(len(tests)) || st.Reason != "end of input" {
		t.Fatalf("status %+v", st)
	}
}

// TestRoundTripSynth writes generated posts as the Post model's JSON and
// reads them back unchanged.
func TestRoundTripSynth(t *testing.T) {
	g := synth.NewGenerator(1, synth.DefaultOptions())
	g.SetKeywords([]string{"zorblax"})
	var want []post.Post
	var buf bytes.Buffer
	for range 1000 {
		var p post.Post
		g.Next(&p)
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(append(b, '\n'))
		p.Source = "file"
		want = append(want, p)
	}
	got, _ := replayAll(t, "file://"+write(t, "synth.jsonl", buf.String())+"?speed=max&times=keep", source.Options{})
	if !reflect.DeepEqual(got, want) {
		t.Fatal("posts changed on the way through a file")
	}
}

func TestCSV(t *testing.T) {
	csv := "\xef\xbb\xbfID,Text,Created At,lang,author_handle,Author-Name,author_followers,extra\r\n" +
		"1,plain,2024-05-01T12:00:00Z,en,@ann,Ann,12,x\r\n" +
		"2,\"with, comma and \"\"quotes\"\"\",2024-05-01 12:00:01,en,bob,\"Bob, Jr.\",,y\r\n" +
		"3,\"two\nlines\",1714564802,es,cat,Cat,7,z\r\n" +
		"4,unquoted \"inner\" quotes,,,dan,,0,\r\n"
	got, _ := replayAll(t, "file://"+write(t, "posts.csv", csv)+"?speed=max&times=keep", source.Options{})
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	want := []post.Post{
		{ID: "1", Text: "plain", CreatedAt: t0, Lang: "en", Author: post.Author{Handle: "ann", Name: "Ann", Followers: 12}},
		{ID: "2", Text: `with, comma and "quotes"`, CreatedAt: t0.Add(time.Second), Lang: "en", Author: post.Author{Handle: "bob", Name: "Bob, Jr."}},
		{ID: "3", Text: "two\nlines", CreatedAt: t0.Add(2 * time.Second), Lang: "es", Author: post.Author{Handle: "cat", Name: "Cat", Followers: 7}},
		{ID: "4", Text: `unquoted "inner" quotes`, Author: post.Author{Handle: "dan"}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d posts, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		want[i].Source = "file"
		if i == 3 { // no recorded time: delivery time
			if got[i].CreatedAt.IsZero() {
				t.Errorf("post without a time got none")
			}
			got[i].CreatedAt = time.Time{}
		}
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestCSVWithoutTextColumnFails(t *testing.T) {
	s := open(t, "file://"+write(t, "x.csv", "id,body\n1,hello\n"), source.Options{})
	err := s.Run(context.Background(), func(context.Context, []post.Post) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "no text column") || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("Run = %v", err)
	}
	if st := s.(source.StatusReporter).Status(); st.State != "failed" {
		t.Fatalf("status %+v", st)
	}
}

// logBuffer collects log records for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestBadRecordsSkippedAndCounted(t *testing.T) {
	long := `{"text":"` + strings.Repeat("a", MaxRecord) + `"}`
	tests := []struct {
		name, format, content string
		posts                 int
		badLines              []int
	}{
		{name: "jsonl", format: "jsonl", content: strings.Join([]string{
			`{"id":"1","text":"ok"}`,
			`{"id":"2","text":"broken`,
			"{\"id\":\"3\",\"text\":\"bad \xff utf8\"}",
			long,
			`{"id":"5"}`,
			`{"id":"6","text":"   "}`,
			``,
			`[1,2]`,
			`{"id":"9","text":"ok again","created_at":"yesterday"}`,
			`{"id":"10","text":"still ok"}`,
		}, "\n"), posts: 2, badLines: []int{2, 3, 4, 5, 6, 8, 9}},
		{name: "csv", format: "csv", content: "id,text\n1,ok\n2,\"open quote\n3,x,extra\n4,\n5,\"fine\"\n",
			// "open quote runs to the end of the file and is one bad record
			posts: 1, badLines: []int{3}},
		{name: "csv fields", format: "csv", content: "id,text\n1,ok\n2,\"a\"b\n3,x,extra\n4,\n5,\"fine\"\n",
			posts: 2, badLines: []int{3, 4, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs logBuffer
			opt := source.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			p := write(t, "bad."+tc.format, tc.content)
			got, s := replayAll(t, "file://"+p+"?speed=max", opt)
			if len(got) != tc.posts {
				t.Fatalf("%d posts, want %d: %+v", len(got), tc.posts, got)
			}
			st := s.(source.StatusReporter).Status()
			if want := fmt.Sprintf("end of input; %d bad records skipped", len(tc.badLines)); st.Reason != want {
				t.Fatalf("status reason %q, want %q", st.Reason, want)
			}
			for _, l := range tc.badLines {
				if !strings.Contains(logs.String(), fmt.Sprintf("file=%s line=%d ", p, l)) {
					t.Errorf("no log for bad line %d in:\n%s", l, logs.String())
				}
			}
			if n := strings.Count(logs.String(), "skipping bad record"); n != len(tc.badLines) {
				t.Errorf("%d bad records logged, want %d", n, len(tc.badLines))
			}
		})
	}
}

func TestGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintf(zw, "id,text\n1,zipped\n2,too\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := replayAll(t, "file://"+write(t, "p.csv.gz", buf.String())+"?speed=max", source.Options{})
	if len(got) != 2 || got[0].Text != "zipped" {
		t.Fatalf("got %+v", got)
	}
}

// timedLines writes posts recorded at the given offsets from a start time.
func timedLines(t *testing.T, offsets ...time.Duration) string {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i, o := range offsets {
		fmt.Fprintf(&b, `{"id":"%d","text":"post %d","created_at":%q}`+"\n", i, i, t0.Add(o).Format(time.RFC3339Nano))
	}
	return write(t, "timed.jsonl", b.String())
}

func TestPacing(t *testing.T) {
	ms := time.Millisecond
	p := timedLines(t, 0, 100*ms, 100*ms, 250*ms, 400*ms)
	tests := []struct {
		speed    string
		min, max time.Duration // how long the replay takes
		gap      time.Duration // CreatedAt of the last post minus the first
	}{
		{speed: "1", min: 380 * ms, max: 900 * ms, gap: 400 * ms},
		{speed: "2", min: 190 * ms, max: 600 * ms, gap: 200 * ms},
		{speed: "max", min: 0, max: 150 * ms},
	}
	for _, tc := range tests {
		t.Run(tc.speed, func(t *testing.T) {
			start := time.Now()
			got, _ := replayAll(t, "file://"+p+"?speed="+tc.speed, source.Options{})
			took := time.Since(start)
			if took < tc.min || took > tc.max {
				t.Fatalf("replay took %v, want %v..%v", took, tc.min, tc.max)
			}
			if len(got) != 5 {
				t.Fatalf("%d posts", len(got))
			}
			// Shifted times keep the recorded gaps, scaled.
			if tc.gap > 0 {
				if d := got[4].CreatedAt.Sub(got[0].CreatedAt); d != tc.gap {
					t.Errorf("first to last post %v apart, want %v", d, tc.gap)
				}
			}
			if got[0].CreatedAt.Before(start) {
				t.Errorf("shifted time %v before the replay started", got[0].CreatedAt)
			}
		})
	}
}

func TestLoop(t *testing.T) {
	p := write(t, "loop.jsonl", `{"id":"a","text":"one"}`+"\n"+`{"id":"b","text":"two"}`+"\n")
	s := open(t, "file://"+p+"?loop=true&speed=max", source.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ids []string
	err := s.Run(ctx, func(_ context.Context, ps []post.Post) error {
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		if len(ids) >= 7 {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	want := []string{"a", "b", "a~1", "b~1", "a~2", "b~2", "a~3"}
	if !reflect.DeepEqual(ids[:7], want) {
		t.Fatalf("ids %q, want %q", ids, want)
	}
}

func TestBackpressure(t *testing.T) {
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, `{"id":"%d","text":"post"}`+"\n", i)
	}
	s := open(t, "file://"+write(t, "many.jsonl", b.String())+"?speed=max", source.Options{})
	var inSink, maxIn, calls atomic.Int32
	start := time.Now()
	err := s.Run(context.Background(), func(_ context.Context, ps []post.Post) error {
		n := inSink.Add(1)
		defer inSink.Add(-1)
		maxIn.Store(max(maxIn.Load(), n))
		c := calls.Add(1)
		// While the consumer holds a batch nothing more is delivered.
		if got := s.(source.StatusReporter).Status().Posts; c == 1 && got != 0 {
			t.Errorf("%d posts acknowledged during the first batch", got)
		}
		if len(ps) > maxBatch {
			t.Errorf("batch of %d", len(ps))
		}
		time.Sleep(20 * time.Millisecond)
		return nil
	})
	if !errors.Is(err, source.ErrEndOfInput) {
		t.Fatal(err)
	}
	if maxIn.Load() != 1 {
		t.Fatalf("sink called %d times at once", maxIn.Load())
	}
	if c := calls.Load(); c < 4 || time.Since(start) < time.Duration(c)*20*time.Millisecond {
		t.Fatalf("%d batches in %v: the slow sink did not hold the reading back", c, time.Since(start))
	}
}

func TestSinkErrorStops(t *testing.T) {
	p := timedLines(t, 0, 0, 0)
	s := open(t, "file://"+p+"?speed=max", source.Options{})
	boom := errors.New("boom")
	if err := s.Run(context.Background(), func(context.Context, []post.Post) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Run = %v", err)
	}
	if st := s.(source.StatusReporter).Status(); st.State != "failed" || st.Posts != 0 {
		t.Fatalf("status %+v", st)
	}
}

func TestCancelStopsPromptlyWithoutLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	// A long recorded gap: Run is asleep when the context ends.
	p := timedLines(t, 0, time.Hour)
	for _, loop := range []string{"false", "true"} {
		s := open(t, "file://"+p+"?loop="+loop, source.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		delivered := make(chan struct{}, 1)
		go func() {
			done <- s.Run(ctx, func(context.Context, []post.Post) error {
				select {
				case delivered <- struct{}{}:
				default:
				}
				return nil
			})
		}()
		<-delivered
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run after cancel = %v", err)
			}
		case <-time.After(time.Second):
			t.Fatal("Run still running 1s after cancel")
		}
		if st := s.(source.StatusReporter).Status(); st.State != "stopped" || st.Posts != 1 {
			t.Fatalf("status %+v", st)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after the runs, %d before", n, before)
	}
}

func TestSetKeywordsAccepted(t *testing.T) {
	s := open(t, "file://"+timedLines(t, 0), source.Options{})
	if err := s.SetKeywords(context.Background(), []string{"anything"}); err != nil {
		t.Fatal(err)
	}
}

// TestRecordReader checks line numbers, line endings and the size limit.
func TestRecordReader(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		multiline bool
		want      []string // "!" marks errTooLong
		lines     []int
	}{
		{name: "lines", in: "a\r\nb\n\nc", want: []string{"a", "b", "", "c"}, lines: []int{1, 2, 3, 4}},
		{name: "bom", in: "\xef\xbb\xbfa\n", want: []string{"a"}, lines: []int{1}},
		{name: "quoted line break", in: "h\n1,\"x\ny\"\n2,z\n", multiline: true, want: []string{"h", "1,\"x\ny\"", "2,z"}, lines: []int{1, 2, 4}},
		{name: "quote in jsonl is no join", in: "\"a\nb\n", want: []string{"\"a", "b"}, lines: []int{1, 2}},
		{name: "too long", in: "a\n" + strings.Repeat("x", MaxRecord+1) + "\nb\n", want: []string{"a", "!", "b"}, lines: []int{1, 2, 3}},
		{name: "too long at end", in: strings.Repeat("x", MaxRecord+3), want: []string{"!"}, lines: []int{1}},
		{name: "exactly the limit", in: strings.Repeat("x", MaxRecord) + "\r\n", want: []string{strings.Repeat("x", MaxRecord)}, lines: []int{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecordReader(strings.NewReader(tc.in), tc.multiline)
			var got []string
			var lines []int
			for {
				rec, line, err := r.next()
				if err != nil && !errors.Is(err, errTooLong) {
					if err.Error() != "EOF" {
						t.Fatal(err)
					}
					break
				}
				if err != nil {
					rec = []byte("!")
				}
				got = append(got, string(rec))
				lines = append(lines, line)
			}
			if !reflect.DeepEqual(got, tc.want) || !reflect.DeepEqual(lines, tc.lines) {
				t.Fatalf("records %q at lines %v, want %q at %v", short(got), lines, short(tc.want), tc.lines)
			}
		})
	}
}

func short(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		if len(s) > 20 {
			s = s[:20] + fmt.Sprintf("…(%d)", len(s))
		}
		out[i] = s
	}
	return out
}
