package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// Post is one parsed input line.
type Post struct {
	ID   []byte // JSON of the id: a string or number as given, else the line number
	Text string
	Lang string
}

type jsonPost struct {
	ID   json.RawMessage `json:"id"`
	Text *string         `json:"text"`
	Lang string          `json:"lang"`
}

// ErrNoText is reported for a JSON line without a string "text".
var ErrNoText = errors.New(`JSON post has no string "text"`)

// ParseLine reads one input line: a JSON object with "text" (and optional
// "id", "lang") when it starts with '{', plain text otherwise. lineNo is
// used as the id when the line has none.
func ParseLine(line []byte, lineNo int64) (Post, error) {
	p := Post{ID: strconv.AppendInt(nil, lineNo, 10)}
	if !utf8.Valid(line) {
		return p, errors.New("invalid UTF-8")
	}
	trimmed := bytes.TrimLeft(line, " \t")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		p.Text = string(line)
		return p, nil
	}
	var jp jsonPost
	if err := json.Unmarshal(trimmed, &jp); err != nil {
		return p, fmt.Errorf("malformed JSON: %w", err)
	}
	if len(jp.ID) > 0 && !bytes.Equal(jp.ID, []byte("null")) {
		switch jp.ID[0] {
		case '"', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			p.ID = jp.ID
		default:
			return p, errors.New(`"id" must be a string or a number`)
		}
	}
	if jp.Text == nil {
		return p, ErrNoText
	}
	p.Text, p.Lang = *jp.Text, jp.Lang
	return p, nil
}

type scorer struct {
	a       sentiment.Analyzer
	names   []string
	batched bool
	posts   []Post
	docs    []sentiment.Doc
	res     []sentiment.Result
	perr    []error
}

func newScorer(a sentiment.Analyzer) *scorer {
	_, batched := a.(sentiment.BatchAnalyzer)
	return &scorer{a: a, names: a.DetailNames(), batched: batched}
}

func (s *scorer) score(ctx context.Context, b *batch) {
	n := b.n()
	s.posts = s.posts[:0]
	s.perr = s.perr[:0]
	li := 0
	for i := range n {
		lineNo := b.first + int64(i)
		var p Post
		var err error
		if li < len(b.long) && b.long[li] == i {
			li++
			p, err = Post{ID: strconv.AppendInt(nil, lineNo, 10)}, ErrLineTooLong
		} else {
			p, err = ParseLine(b.line(i), lineNo)
		}
		s.posts = append(s.posts, p)
		s.perr = append(s.perr, err)
	}
	s.res = append(s.res[:0], make([]sentiment.Result, n)...)
	if s.batched {
		s.scoreBatch(ctx)
	} else {
		for i, p := range s.posts {
			if s.perr[i] != nil {
				continue
			}
			r, err := sentiment.Run(ctx, s.a, sentiment.Doc{Text: p.Text, Lang: p.Lang})
			s.res[i], s.perr[i] = r, err
		}
	}
	for i, p := range s.posts {
		if err := s.perr[i]; err != nil {
			b.errs = append(b.errs, lineErr{b.first + int64(i), err})
			b.out = AppendError(b.out, p.ID, err)
		} else {
			b.out = AppendResult(b.out, p.ID, &s.res[i], s.names)
		}
		b.out = append(b.out, '\n')
	}
}

func (s *scorer) scoreBatch(ctx context.Context) {
	s.docs = s.docs[:0]
	var idx []int
	for i, p := range s.posts {
		if s.perr[i] == nil {
			idx = append(idx, i)
			s.docs = append(s.docs, sentiment.Doc{Text: p.Text, Lang: p.Lang})
		}
	}
	if len(idx) == 0 {
		return
	}
	res := make([]sentiment.Result, len(idx))
	errs, err := sentiment.RunBatch(ctx, s.a, s.docs, res)
	for j, i := range idx {
		switch {
		case err != nil:
			s.perr[i] = err
		case errs != nil && errs[j] != nil:
			s.perr[i] = errs[j]
		default:
			s.res[i] = res[j]
		}
	}
}

// AppendResult encodes one result as a JSON object (no newline).
func AppendResult(b, id []byte, r *sentiment.Result, detailNames []string) []byte {
	b = append(b, `{"id":`...)
	b = append(b, id...)
	b = append(b, `,"label":"`...)
	b = append(b, r.Label...)
	b = append(b, `","positive":`...)
	b = appendFloat(b, r.Positive)
	b = append(b, `,"negative":`...)
	b = appendFloat(b, r.Negative)
	b = append(b, `,"neutral":`...)
	b = appendFloat(b, r.Neutral)
	b = append(b, `,"mixed":`...)
	b = appendFloat(b, r.Mixed)
	b = append(b, `,"score":`...)
	b = appendFloat(b, r.Score)
	b = append(b, `,"polarity":`...)
	b = appendFloat(b, r.Polarity)
	b = append(b, `,"detail":{`...)
	for i, name := range detailNames {
		if i >= sentiment.MaxDetail {
			break
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, name) // names are ASCII identifiers
		b = append(b, ':')
		b = appendFloat(b, r.Detail[i])
	}
	return append(b, "}}"...)
}

// AppendError encodes a failed line as a JSON object (no newline).
func AppendError(b, id []byte, err error) []byte {
	msg, _ := json.Marshal(err.Error())
	b = append(b, `{"id":`...)
	b = append(b, id...)
	b = append(b, `,"error":`...)
	b = append(b, msg...)
	return append(b, '}')
}

func appendFloat(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		x = 0
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}
