package vader

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// testdata/golden.jsonl holds texts written for these tests with the scores
// the Python reference gives them. Regenerate it with
//
//	TSA_VADER_REF=/path/to/vaderSentiment.py python3 bench/vader/gen_golden.py
//
// from the repository root.
const goldenFile = "testdata/golden.jsonl"

type goldenCase struct {
	Text string `json:"text"`
	Scores
}

func readGolden(t testing.TB) []goldenCase {
	t.Helper()
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []goldenCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c struct {
			Text                    string
			Neg, Neu, Pos, Compound float64
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s: %v", goldenFile, err)
		}
		cases = append(cases, goldenCase{c.Text, Scores{c.Neg, c.Neu, c.Pos, c.Compound}})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

func goldenTexts(t testing.TB) []string {
	var out []string
	for _, c := range readGolden(t) {
		out = append(out, c.Text)
	}
	return out
}

func TestGolden(t *testing.T) {
	a := New()
	cases := readGolden(t)
	if len(cases) < 300 {
		t.Fatalf("%s: %d cases, want hundreds", goldenFile, len(cases))
	}
	for _, c := range cases {
		if got := a.PolarityScores(c.Text); got != c.Scores {
			t.Errorf("%q:\n got %+v\nwant %+v (the reference's; regenerate %s with bench/vader/gen_golden.py if the reference changed)",
				c.Text, got, c.Scores, goldenFile)
		}
	}
}
