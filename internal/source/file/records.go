package file

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// MaxRecord is the longest record (line, or CSV row over several lines)
// file:// accepts, in bytes; a longer one is skipped as bad.
const MaxRecord = 1 << 20

// errTooLong reports a record over MaxRecord; the reader has skipped it.
var errTooLong = fmt.Errorf("record longer than %d bytes", MaxRecord)

var bom = []byte("\xef\xbb\xbf")

// recordReader splits a file into records: lines, or for CSV rows that
// continue on the next line inside double quotes. It keeps at most
// MaxRecord bytes of one record in memory whatever the file holds.
type recordReader struct {
	br        *bufio.Reader
	multiline bool
	line      int // lines consumed so far
	buf       []byte
}

func newRecordReader(r io.Reader, multiline bool) *recordReader {
	return &recordReader{br: bufio.NewReaderSize(r, 64<<10), multiline: multiline}
}

// buffered reports whether the next record may be read without a read
// from the file, which can block on a pipe.
func (r *recordReader) buffered() bool { return r.br.Buffered() > 0 }

// next returns the next record without its line ending, and the number of
// its first line. The record is valid until the following call. At the end
// of the input err is io.EOF; errTooLong means a record was skipped and
// reading may go on; any other error is the file's.
func (r *recordReader) next() (rec []byte, line int, err error) {
	r.buf = r.buf[:0]
	first := r.line + 1
	tooLong := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull && err != io.EOF {
			return nil, first, err
		}
		// Past the limit the rest of the record is read and dropped, so
		// memory stays bounded; +2 leaves room for a "\r\n" ending.
		if !tooLong {
			if len(r.buf)+len(chunk) > MaxRecord+2 {
				tooLong = true
				r.buf = r.buf[:0]
			} else {
				r.buf = append(r.buf, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue // the line goes on
		case err == io.EOF:
			if len(chunk) > 0 {
				r.line++ // a last line without a line ending
			}
			if tooLong {
				return nil, first, errTooLong
			}
			if len(r.buf) == 0 {
				return nil, first, io.EOF
			}
			// An unclosed CSV quote ends here too; the decoder reports it.
			return r.finish(first)
		}
		r.line++
		if tooLong {
			return nil, first, errTooLong
		}
		if r.multiline && bytes.Count(r.buf, []byte{'"'})%2 == 1 {
			continue // a quoted field holds a line break
		}
		return r.finish(first)
	}
}

func (r *recordReader) finish(first int) ([]byte, int, error) {
	rec := bytes.TrimSuffix(r.buf, []byte{'\n'})
	rec = bytes.TrimSuffix(rec, []byte{'\r'})
	if first == 1 {
		rec = bytes.TrimPrefix(rec, bom)
	}
	if len(rec) > MaxRecord {
		return nil, first, errTooLong
	}
	return rec, first, nil
}
