package file

import (
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/source"
)

func TestJetstreamReplay(t *testing.T) {
	lines := `{"did":"did:plc:a","time_us":1725911162329308,"kind":"commit","commit":{"rev":"r","operation":"create","collection":"app.bsky.feed.post","rkey":"3k1","record":{"$type":"app.bsky.feed.post","text":"hello #go","langs":["en"],"createdAt":"2024-09-09T19:46:02.102Z","reply":{"root":{"uri":"at://did:plc:b/app.bsky.feed.post/1","cid":"c"},"parent":{"uri":"at://did:plc:b/app.bsky.feed.post/2","cid":"c"}}},"cid":"c"}}` + "\r\n" +
		`{"did":"did:plc:a","time_us":1725911162329309,"kind":"identity","identity":{"did":"did:plc:a","handle":"a.test","seq":1,"time":"t"}}` + "\n" +
		`{"did":"did:plc:a","time_us":1725911162329310,"kind":"commit","commit":{"rev":"r","operation":"delete","collection":"app.bsky.feed.post","rkey":"3k1"}}` + "\n" +
		`{"did":"did:plc:c","time_us":1725911162329311,"kind":"commit","commit":{"rev":"r","operation":"create","collection":"app.bsky.feed.post","rkey":"3k2","record":{"text":"no date"}}}` + "\n" +
		`{"did":"did:plc:c","time_us":1725911162329312,"kind":"commit","commit":{` + "\n"
	path := write(t, "capture.jetstream", lines)
	got, s := replayAll(t, "file://"+path+"?speed=max&times=keep", source.Options{})
	if len(got) != 2 {
		t.Fatalf("%d posts: %+v", len(got), got)
	}
	p := got[0]
	if p.ID != "at://did:plc:a/app.bsky.feed.post/3k1" || p.Text != "hello #go" || p.Lang != "en" || p.Author.ID != "did:plc:a" ||
		p.URL != "https://bsky.app/profile/did:plc:a/post/3k1" || p.ReplyTo != "at://did:plc:b/app.bsky.feed.post/2" ||
		!p.CreatedAt.Equal(time.Date(2024, 9, 9, 19, 46, 2, 102e6, time.UTC)) || p.Source != SourceName {
		t.Errorf("post %+v", p)
	}
	if !got[1].CreatedAt.Equal(time.UnixMicro(1725911162329311)) {
		t.Errorf("a post without createdAt has the time Jetstream saw it: %v", got[1].CreatedAt)
	}
	if st := s.(source.StatusReporter).Status(); st.Reason != "end of input; 1 bad records skipped" {
		t.Errorf("status %+v", st)
	}
	if f := formatOf("x.jetstream.gz"); f.name != "jetstream" {
		t.Errorf("format of .jetstream.gz: %s", f.name)
	}
}
