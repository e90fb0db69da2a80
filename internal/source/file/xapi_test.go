package file

import (
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/source"
)

func TestXAPIReplay(t *testing.T) {
	lines := `{"data":{"id":"1800000000000000001","text":"short","note_tweet":{"text":"the full long text"},"author_id":"7","created_at":"2024-05-01T12:00:00.000Z","lang":"en","referenced_tweets":[{"type":"quoted","id":"5"}]},"includes":{"users":[{"id":"7","name":"Ann","username":"ann","public_metrics":{"followers_count":12}}]},"matching_rules":[{"id":"1","tag":"t"}]}` + "\r\n" +
		"\r\n" +
		`{"errors":[{"title":"operational-disconnect","disconnect_type":"OperationalDisconnect"}]}` + "\n" +
		`{"data":[{"id":"3","text":"by bob","author_id":"9","created_at":"2024-05-01T12:00:02.000Z"},{"id":"2","text":"by ann","author_id":"7","created_at":"2024-05-01T12:00:01.000Z"},{"id":"4","text":""}],"includes":{"users":[{"id":"7","name":"Ann","username":"ann"},{"id":"9","name":"Bob","username":"bob"}]},"meta":{"result_count":3}}` + "\n" +
		`{"meta":{"result_count":0}}` + "\n" +
		`{"data":[{"id":"5","text":""}]}` + "\n" +
		`{"data":{"id":` + "\n"
	path := write(t, "capture.xapi", lines)
	got, s := replayAll(t, "file://"+path+"?speed=max&times=keep", source.Options{})
	type row struct{ id, text, handle, url, quote string }
	want := []row{
		{"1800000000000000001", "the full long text", "ann", "https://x.com/ann/status/1800000000000000001", "5"},
		{"3", "by bob", "bob", "https://x.com/bob/status/3", ""},
		{"2", "by ann", "ann", "https://x.com/ann/status/2", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("%d posts: %+v", len(got), got)
	}
	for i, w := range want {
		p := got[i]
		if g := (row{p.ID, p.Text, p.Author.Handle, p.URL, p.QuoteOf}); g != w {
			t.Errorf("post %d: %+v, want %+v", i, g, w)
		}
	}
	if got[0].Author.Followers != 12 || got[0].Lang != "en" || !got[0].CreatedAt.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("first post %+v", got[0])
	}
	// The post without text and the cut line are bad records.
	if st := s.(source.StatusReporter).Status(); st.Reason != "end of input; 2 bad records skipped" {
		t.Errorf("status %+v", st)
	}
}
