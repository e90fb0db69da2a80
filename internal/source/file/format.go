package file

import (
	"errors"
	"strings"

	"github.com/tsaproject/tsa/internal/post"
)

// A decoder turns the records of one file, in order, into posts. Each
// format has one; adding a format (X API v2 response objects, Jetstream
// events) means writing a decoder and listing it in formats, nothing else.
type decoder interface {
	// decode appends the posts of one record to dst. A record may hold
	// no post without being bad (a CSV header, an event that is not a
	// post): it then returns dst and nil. An error marks the record bad
	// (logged, counted, skipped) unless it is a fatalError, which stops
	// the stream because no later record can succeed either.
	decode(dst []post.Post, rec []byte) ([]post.Post, error)
}

// format is one file layout file:// reads.
type format struct {
	name string
	exts []string // name endings that select the format, ".gz" stripped
	// multiline records may continue on the next line inside double
	// quotes (CSV); otherwise a record is a line.
	multiline bool
	decoder   func() decoder
}

// formats lists the known formats; the first one is the default.
var formats = []format{
	{name: "jsonl", exts: []string{".jsonl", ".ndjson", ".json"}, decoder: func() decoder { return &jsonDecoder{} }},
	{name: "csv", exts: []string{".csv"}, multiline: true, decoder: func() decoder { return &csvDecoder{} }},
	{name: "xapi", exts: []string{".xapi"}, decoder: func() decoder { return &xapiDecoder{} }},
	{name: "jetstream", exts: []string{".jetstream"}, decoder: func() decoder { return &jetstreamDecoder{} }},
}

func formatByName(name string) (format, bool) {
	for _, f := range formats {
		if f.name == name {
			return f, true
		}
	}
	return format{}, false
}

// formatOf picks the format a file name's ending names, or the default.
func formatOf(name string) format {
	name = strings.ToLower(strings.TrimSuffix(strings.ToLower(name), ".gz"))
	for _, f := range formats {
		for _, e := range f.exts {
			if strings.HasSuffix(name, e) {
				return f
			}
		}
	}
	return formats[0]
}

func formatNames() string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// fatalError marks a decoder error that no later record can escape.
type fatalError struct{ err error }

func (e fatalError) Error() string { return e.err.Error() }
func (e fatalError) Unwrap() error { return e.err }

func isFatal(err error) bool {
	var f fatalError
	return errors.As(err, &f)
}

// errNoText is the most common bad record: a post must have text.
var errNoText = errors.New("no text")
