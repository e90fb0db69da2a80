package file

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/tsaproject/tsa/internal/post"
)

// CSV columns file:// knows. The header row names them; names are matched
// ignoring case, spaces and dashes, and the aliases below cover common
// exports. Other columns are ignored.
const (
	colID = iota
	colText
	colCreatedAt
	colLang
	colAuthorID
	colAuthorHandle
	colAuthorName
	colAuthorFollowers
	colAuthorLocation
	colURL
	colReplyTo
	colQuoteOf
	numCols
)

var csvColumns = map[string]int{
	"id": colID, "id_str": colID, "post_id": colID, "tweet_id": colID,
	"text": colText, "full_text": colText, "content": colText, "tweet": colText,
	"created_at": colCreatedAt, "createdat": colCreatedAt, "date": colCreatedAt, "timestamp": colCreatedAt, "time": colCreatedAt,
	"lang": colLang, "language": colLang,
	"author_id": colAuthorID, "user_id": colAuthorID,
	"author_handle": colAuthorHandle, "author_username": colAuthorHandle, "username": colAuthorHandle,
	"handle": colAuthorHandle, "screen_name": colAuthorHandle, "user": colAuthorHandle,
	"author_name": colAuthorName, "name": colAuthorName, "user_name": colAuthorName,
	"author_followers": colAuthorFollowers, "followers": colAuthorFollowers, "followers_count": colAuthorFollowers,
	"user_followers":  colAuthorFollowers,
	"author_location": colAuthorLocation, "location": colAuthorLocation, "user_location": colAuthorLocation,
	"url": colURL, "reply_to": colReplyTo, "quote_of": colQuoteOf,
}

// csvDecoder reads RFC 4180 CSV: a header row, then one post per row.
// Quoted fields may hold commas, doubled quotes and line breaks.
type csvDecoder struct {
	cols   [numCols]int // field index of each column, -1 when absent
	width  int          // fields in the header
	header bool         // the header has been read
	fields [][]byte     // scratch
	buf    []byte       // scratch for unquoted field bytes
}

func (d *csvDecoder) decode(dst []post.Post, rec []byte) ([]post.Post, error) {
	var err error
	d.fields, d.buf, err = splitCSV(d.fields[:0], d.buf[:0], rec)
	if err != nil {
		return dst, err
	}
	if !d.header {
		return dst, d.readHeader()
	}
	if len(d.fields) != d.width {
		return dst, fmt.Errorf("%d fields, the header has %d", len(d.fields), d.width)
	}
	get := func(c int) string {
		if i := d.cols[c]; i >= 0 {
			return string(d.fields[i])
		}
		return ""
	}
	p := post.Post{
		ID:      get(colID),
		Text:    get(colText),
		Lang:    get(colLang),
		URL:     get(colURL),
		ReplyTo: get(colReplyTo),
		QuoteOf: get(colQuoteOf),
		Author: post.Author{
			ID:       get(colAuthorID),
			Handle:   strings.TrimPrefix(get(colAuthorHandle), "@"),
			Name:     get(colAuthorName),
			Location: get(colAuthorLocation),
		},
	}
	if strings.TrimSpace(p.Text) == "" {
		return dst, errNoText
	}
	if p.CreatedAt, err = parseTime(get(colCreatedAt)); err != nil {
		return dst, fmt.Errorf("created_at: %w", err)
	}
	if f := strings.TrimSpace(get(colAuthorFollowers)); f != "" {
		if p.Author.Followers, err = parseCount(f); err != nil {
			return dst, fmt.Errorf("author_followers: %w", err)
		}
	}
	return append(dst, p), nil
}

// readHeader maps the header's names to columns. A header without a text
// column is fatal: no row of the file can become a post.
func (d *csvDecoder) readHeader() error {
	d.header = true
	d.width = len(d.fields)
	for i := range d.cols {
		d.cols[i] = -1
	}
	names := make([]string, len(d.fields))
	for i, f := range d.fields {
		names[i] = string(f)
		key := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(names[i])))
		if c, ok := csvColumns[key]; ok && d.cols[c] < 0 {
			d.cols[c] = i
		}
	}
	if d.cols[colText] < 0 {
		return fatalError{fmt.Errorf("CSV header has no text column (columns: %q)", names)}
	}
	return nil
}

var errQuote = errors.New("bare or unclosed quote in a quoted field")

// splitCSV appends the fields of one CSV record to fields. A field that
// needs no unescaping points into rec; others are copied into buf, which is
// returned grown. Quotes inside an unquoted field are kept as they are, as
// spreadsheets write them.
func splitCSV(fields [][]byte, buf, rec []byte) ([][]byte, []byte, error) {
	// The copies into buf must not move the earlier ones, so size it once.
	if cap(buf) < len(rec) {
		buf = make([]byte, 0, len(rec))
	}
	for {
		if len(rec) == 0 || rec[0] != '"' {
			i := bytes.IndexByte(rec, ',')
			if i < 0 {
				return append(fields, rec), buf, nil
			}
			fields = append(fields, rec[:i])
			rec = rec[i+1:]
			continue
		}
		// A quoted field: "" is a quote, the closing quote must be followed
		// by a comma or the end of the record.
		start := len(buf)
		rec = rec[1:]
		for {
			i := bytes.IndexByte(rec, '"')
			if i < 0 {
				return fields, buf, errQuote
			}
			buf = append(buf, rec[:i]...)
			rec = rec[i+1:]
			if len(rec) > 0 && rec[0] == '"' {
				buf = append(buf, '"')
				rec = rec[1:]
				continue
			}
			break
		}
		fields = append(fields, buf[start:len(buf):len(buf)])
		switch {
		case len(rec) == 0:
			return fields, buf, nil
		case rec[0] == ',':
			rec = rec[1:]
		default:
			return fields, buf, errQuote
		}
	}
}
