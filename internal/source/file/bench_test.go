package file

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source/synth"
)

// sample returns n generated posts as JSONL and as CSV.
func sample(b *testing.B, n int) (jsonl, csv []byte) {
	g := synth.NewGenerator(1, synth.DefaultOptions())
	g.SetKeywords([]string{"tesla"})
	var jb, cb bytes.Buffer
	cb.WriteString("id,text,created_at,lang,author_id,author_handle,author_name,author_followers\n")
	var p post.Post
	for range n {
		g.Next(&p)
		line, err := json.Marshal(p)
		if err != nil {
			b.Fatal(err)
		}
		jb.Write(append(line, '\n'))
		text, _ := json.Marshal(p.Text) // quoted; CSV wants "" for "
		fmt.Fprintf(&cb, "%s,\"%s\",%s,%s,%s,%s,\"%s\",%d\n", p.ID,
			bytes.ReplaceAll(text[1:len(text)-1], []byte(`\"`), []byte(`""`)),
			p.CreatedAt.Format("2006-01-02T15:04:05.000Z07:00"), p.Lang, p.Author.ID, p.Author.Handle, p.Author.Name, p.Author.Followers)
	}
	return jb.Bytes(), cb.Bytes()
}

// BenchmarkParse measures records to posts (reading, UTF-8 check,
// decoding) on one goroutine, the work Run does per post besides pacing.
func BenchmarkParse(b *testing.B) {
	const n = 10000
	jsonl, csv := sample(b, n)
	for _, bc := range []struct {
		name string
		data []byte
		f    format
	}{{"jsonl", jsonl, formats[0]}, {"csv", csv, formats[1]}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			posts := 0
			var buf []post.Post
			for b.Loop() {
				r := newRecordReader(bytes.NewReader(bc.data), bc.f.multiline)
				d := bc.f.decoder()
				for {
					rec, _, err := r.next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if buf, err = d.decode(buf[:0], rec); err != nil {
						b.Fatal(err)
					}
					posts += len(buf)
				}
			}
			if posts != b.N*n && posts != b.N*(n) {
				b.Fatalf("%d posts from %d runs", posts, b.N)
			}
			b.ReportMetric(float64(posts)/b.Elapsed().Seconds(), "posts/s")
		})
	}
}
