package file

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseLine feeds one record to every decoder: none may panic, and a
// post that comes out has text.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","text":"hello","created_at":"2024-05-01T12:00:00Z","author":{"handle":"a","followers":3}}`,
		`{"id":1,"full_text":"x","user":{"screen_name":"b","followers_count":"7"},"created_at":"Wed May 01 12:00:00 +0000 2024"}`,
		`{"text":"t","createdAt":1714564800000,"langs":["en"],"public_metrics":{"like_count":1e400}}`,
		`{"text":"t","timestamp":-1}`,
		`1,"a ""quoted"" text",2024-05-01,en`,
		`"open`,
		`{"text":null}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	header := []byte("id,text,created_at,lang,author_followers")
	f.Fuzz(func(t *testing.T, rec []byte) {
		for _, fm := range formats {
			d := fm.decoder()
			if fm.name == "csv" {
				if _, err := d.decode(nil, header); err != nil {
					t.Fatal(err)
				}
			}
			ps, err := d.decode(nil, rec)
			if err != nil {
				if len(ps) != 0 {
					t.Fatalf("%s: %d posts with error %v", fm.name, len(ps), err)
				}
				continue
			}
			for _, p := range ps {
				if strings.TrimSpace(p.Text) == "" {
					t.Fatalf("%s: post without text from %q", fm.name, rec)
				}
				if utf8.Valid(rec) && !utf8.ValidString(p.Text) {
					t.Fatalf("%s: invalid UTF-8 text from valid input %q", fm.name, rec)
				}
			}
		}
	})
}

// FuzzRecordReader splits arbitrary files into records: no panic, no
// record over MaxRecord, and without CSV quoting every line comes back.
func FuzzRecordReader(f *testing.F) {
	f.Add([]byte("a\r\nb\n\nc"), false)
	f.Add([]byte("h\n1,\"x\ny\"\n2,z"), true)
	f.Add([]byte("\xef\xbb\xbf\"\n\"\n"), true)
	f.Fuzz(func(t *testing.T, in []byte, multiline bool) {
		r := newRecordReader(bytes.NewReader(in), multiline)
		n, last := 0, 0
		for {
			rec, line, err := r.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err) // no record can be too long in a fuzz input
			}
			if line <= last {
				t.Fatalf("line %d after line %d", line, last)
			}
			last = line
			if len(rec) > MaxRecord {
				t.Fatalf("record of %d bytes", len(rec))
			}
			n++
		}
		if !multiline && len(in) > 0 {
			want := bytes.Count(in, []byte{'\n'})
			if in[len(in)-1] != '\n' {
				want++
			}
			if n != want {
				t.Fatalf("%d records from %d lines", n, want)
			}
		}
	})
}
