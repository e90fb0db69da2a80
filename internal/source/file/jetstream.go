package file

import (
	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source/bluesky/event"
)

// jetstreamDecoder reads captured Bluesky Jetstream traffic: one event per
// line, as the /subscribe websocket sends it (uncompressed). Post creates
// become posts, mapped as bluesky:// maps them; other events (deletes,
// identity, account, other collections) hold no post and are passed over.
type jetstreamDecoder struct {
	d  event.Decoder
	ev event.Event
}

func (j *jetstreamDecoder) decode(dst []post.Post, rec []byte) ([]post.Post, error) {
	if err := j.d.Decode(rec, &j.ev); err != nil {
		return dst, err
	}
	if j.ev.Kind != event.Post {
		return dst, nil
	}
	return append(dst, j.ev.Post), nil
}
