package x

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/source/x/xapi"
)

// errTooLong reports a message over MaxMessage; the reader has skipped it.
var errTooLong = fmt.Errorf("stream message longer than %d bytes", MaxMessage)

// disconnectError is X telling the client, in the stream, that it is
// closing the connection (operational-disconnect and the like).
type disconnectError struct{ p xapi.Problem }

func (e *disconnectError) Error() string {
	return fmt.Sprintf("x: stream disconnected by X: %s (%s)", e.p.DisconnectType, e.p.String())
}

// reader splits the stream into messages and parses them.
type reader struct {
	br   *bufio.Reader
	buf  []byte
	msg  xapi.Response
	tags map[string][]string // parsed rule tags
}

// next returns the next line without "\r\n" (empty for a keep-alive) and
// how many bytes it consumed. The line is valid until the next call. A
// line longer than MaxMessage is consumed and errTooLong returned.
func (r *reader) next() (line []byte, n int, err error) {
	r.buf = r.buf[:0]
	tooLong := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		n += len(chunk)
		if !tooLong {
			if len(r.buf)+len(chunk) > MaxMessage+2 {
				tooLong = true
				r.buf = r.buf[:0]
			} else {
				r.buf = append(r.buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return nil, n, err // a line cut by the end is not a message
		}
		if tooLong {
			return nil, n, errTooLong
		}
		return bytes.TrimRight(r.buf, "\r\n"), n, nil
	}
}

// parse appends the posts of one stream message to dst, with their
// keywords from matching_rules. A message may also carry errors[]: a
// disconnect notice returns a *disconnectError, others are returned as
// plain errors to log; posts in the same message are kept either way.
func (r *reader) parse(dst []post.Post, line []byte) ([]post.Post, error) {
	m := &r.msg
	*m = xapi.Response{Data: m.Data[:0]}
	if err := json.Unmarshal(line, m); err != nil {
		return dst, fmt.Errorf("malformed message: %w", err)
	}
	var users []xapi.User
	if m.Includes != nil {
		users = m.Includes.Users
	}
	for i := range m.Data {
		t := &m.Data[i]
		if t.ID == "" || t.Text == "" {
			continue
		}
		p := xapi.ToPost(t, users)
		p.Keywords = keywordsFor(m.MatchingRules, p.Text, r.tags)
		dst = append(dst, p)
	}
	for i := range m.Errors {
		e := &m.Errors[i]
		if e.DisconnectType != "" || e.Kind() == "operational-disconnect" {
			return dst, &disconnectError{*e}
		}
	}
	if m.DisconnectType != "" || m.Kind() == "operational-disconnect" {
		return dst, &disconnectError{m.Problem}
	}
	switch {
	case len(m.Errors) > 0:
		return dst, fmt.Errorf("stream error: %s", m.Errors[0].String())
	case m.Type != "" || m.Title != "":
		return dst, fmt.Errorf("stream problem: %s", m.Problem.String())
	case len(m.Data) == 0:
		return dst, errors.New("message without data")
	}
	return dst, nil
}
