package x

import (
	"bufio"
	"bytes"
	"io"
	"testing"
)

// BenchmarkStreamParse reads a stream of typical messages (a tweet with
// its author and one matching rule, about 700 bytes) with keep-alives
// between them: split, decode, convert, map rules to keywords.
func BenchmarkStreamParse(b *testing.B) {
	var buf bytes.Buffer
	for i := range 1000 {
		buf.WriteString(msgGolang)
		buf.WriteString("\r\n")
		if i%50 == 0 {
			buf.WriteString("\r\n")
		}
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	posts := 0
	for b.Loop() {
		r := &reader{br: bufio.NewReaderSize(bytes.NewReader(data), 64<<10), tags: map[string][]string{}}
		for {
			line, _, err := r.next()
			if err == io.EOF {
				break
			}
			if len(line) == 0 {
				continue
			}
			ps, _ := r.parse(nil, line)
			posts += len(ps)
		}
	}
	b.ReportMetric(float64(posts)/b.Elapsed().Seconds(), "posts/s")
}
