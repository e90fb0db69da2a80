package file

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source/x/xapi"
)

// xapiDecoder reads captured X API v2 traffic, one JSON object a line: a
// filtered-stream message ({"data":{…},"includes":…,"matching_rules":…}),
// or a search response ({"data":[…],"includes":…,"meta":…}), as curl saves
// them. Authors are joined from includes.users by author_id, long posts
// keep their note_tweet text. Lines with no data (a stream's errors, an
// empty search page) hold no post without being bad.
type xapiDecoder struct {
	r xapi.Response // reused: its Data array keeps its capacity
}

func (d *xapiDecoder) decode(dst []post.Post, rec []byte) ([]post.Post, error) {
	rec = bytes.TrimSpace(rec)
	if len(rec) == 0 || rec[0] != '{' {
		return dst, errors.New("not a JSON object")
	}
	d.r = xapi.Response{Data: d.r.Data[:0]}
	if err := json.Unmarshal(rec, &d.r); err != nil {
		return dst, fmt.Errorf("not an X API v2 response: %w", err)
	}
	if len(d.r.Data) == 0 {
		return dst, nil
	}
	n := len(dst)
	dst = d.r.AppendPosts(dst)
	// A tweet without text (a withheld one) is no post; keep the others.
	kept := dst[:n]
	for _, p := range dst[n:] {
		if p.Text != "" {
			kept = append(kept, p)
		}
	}
	if len(kept) == n {
		return kept, errNoText
	}
	return kept, nil
}
