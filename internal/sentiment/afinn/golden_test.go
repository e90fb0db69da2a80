package afinn

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.jsonl with the answers of the real "+refVersion+" (needs node and npm)")

const goldenFile = "testdata/golden.jsonl"

// goldenCase is one line of testdata/golden.jsonl. Text holds the input, or
// Hex when it is not valid UTF-8 (JSON cannot carry such bytes). Score and
// Comparative are what sentiment@5.0.2 answered. To add a case, add a line
// with only the text and run
//
//	go test ./internal/sentiment/afinn -run TestGolden -update
type goldenCase struct {
	Text        *string  `json:"text,omitempty"`
	Hex         string   `json:"hex,omitempty"`
	Score       *int     `json:"score,omitempty"`
	Comparative *float64 `json:"comparative,omitempty"`
}

func (c goldenCase) input() (string, error) {
	if c.Text != nil {
		return *c.Text, nil
	}
	b, err := hex.DecodeString(c.Hex)
	if err != nil {
		return "", fmt.Errorf("hex %q: %w", c.Hex, err)
	}
	return string(b), nil
}

func readGolden(t *testing.T) []goldenCase {
	t.Helper()
	data, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var c goldenCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s:%d: %v", goldenFile, line, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestGolden checks Score against answers recorded from the real package,
// so it runs everywhere, with or without Node.
func TestGolden(t *testing.T) {
	cases := readGolden(t)
	if *update {
		writeGolden(t, cases)
		cases = readGolden(t)
	}
	if len(cases) < 300 {
		t.Errorf("%s has %d cases, want at least 300", goldenFile, len(cases))
	}
	for i, c := range cases {
		in, err := c.input()
		if err != nil {
			t.Fatalf("case %d: %v", i+1, err)
		}
		if c.Score == nil || c.Comparative == nil {
			t.Fatalf("case %d %+q has no answer; run: go test ./internal/sentiment/afinn -run TestGolden -update", i+1, in)
		}
		got := Score(in)
		if got.Score != *c.Score || got.Comparative() != *c.Comparative {
			t.Errorf("case %d %+q: score %d comparative %v, want %d %v (from %s; if the file is stale: -update)",
				i+1, in, got.Score, got.Comparative(), *c.Score, *c.Comparative, refVersion)
		}
	}
}

// escapeInvisible rewrites, in JSON text, the characters a reader of the
// file could not see (whitespace other than ' ', format, control and
// combining characters such as U+FE0F) as \u escapes; json.Marshal leaves
// most of them raw.
func escapeInvisible(js string) string {
	var b strings.Builder
	for _, r := range js {
		if r == ' ' || unicode.IsGraphic(r) && !unicode.IsSpace(r) && !unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me) {
			b.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&b, "\\u%04x", u)
		}
	}
	return b.String()
}

func writeGolden(t *testing.T, cases []goldenCase) {
	t.Helper()
	ref := reference(t)
	texts := make([]string, len(cases))
	for i, c := range cases {
		in, err := c.input()
		if err != nil {
			t.Fatalf("case %d: %v", i+1, err)
		}
		texts[i] = in
	}
	want := ref(texts)
	var buf bytes.Buffer
	for i, s := range texts {
		c := goldenCase{Score: &want[i].Score, Comparative: &want[i].Comparative}
		if utf8.ValidString(s) {
			c.Text = &s
		} else {
			c.Hex = hex.EncodeToString([]byte(s))
		}
		line, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString(escapeInvisible(string(line)))
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.FromSlash(goldenFile), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d cases to %s", len(cases), goldenFile)
}
