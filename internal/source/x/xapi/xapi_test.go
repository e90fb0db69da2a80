package xapi

import (
	"encoding/json"
	"testing"
)

// A reused Response must not keep fields of the previous message.
func TestResponseReuse(t *testing.T) {
	var r Response
	for _, c := range []struct{ in, text string }{
		{`{"data":[{"id":"1","text":"a","note_tweet":{"text":"long a"}},{"id":"2","text":"b","note_tweet":{"text":"long b"}}]}`, "long a"},
		{`{"data":[{"id":"3","text":"c"},{"id":"4","text":"d"}]}`, "c"},
		{`{"data":{"id":"5","text":"e","note_tweet":{"text":"long e"}}}`, "long e"},
		{`{"data":{"id":"6","text":"f"}}`, "f"},
	} {
		r = Response{Data: r.Data[:0]}
		if err := json.Unmarshal([]byte(c.in), &r); err != nil {
			t.Fatal(err)
		}
		ps := r.AppendPosts(nil)
		if ps[0].Text != c.text || (len(ps) > 1 && ps[1].Text == "long b" && c.text == "c") {
			t.Errorf("%s: posts %+v", c.in, ps)
		}
	}
}

func TestTagRoundTrip(t *testing.T) {
	kws := []string{"golang", `say "hi"`, "#rust"}
	got, ok := TagKeywords(Tag(kws))
	if !ok || len(got) != 3 || got[1] != kws[1] {
		t.Errorf("TagKeywords(Tag(%q)) = %q, %v", kws, got, ok)
	}
	for _, tag := range []string{"", "dogs", "tsa:", "tsa:[]", "tsa:{"} {
		if _, ok := TagKeywords(tag); ok {
			t.Errorf("TagKeywords(%q) ok", tag)
		}
	}
}
