package vader

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// The differential tests run the Python reference, so they need python3 and
// the reference's source: TSA_VADER_REF names vaderSentiment.py or a
// directory holding it (git clone github.com/cjhutto/vaderSentiment anywhere
// outside this repo). bench/vader/ref.py does the calling.

const refScript = "../../../bench/vader/ref.py"

func needReference(t testing.TB) (python, ref string) {
	t.Helper()
	ref = os.Getenv("TSA_VADER_REF")
	if ref == "" {
		t.Skip("skipped: set TSA_VADER_REF to the reference vaderSentiment.py (github.com/cjhutto/vaderSentiment, 3.3.x) to compare with it")
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("skipped: python3 not found; it is needed to run the reference")
	}
	return python, ref
}

// runReference scores texts with the Python reference. The texts must be
// valid UTF-8 (JSON, and Python strings, cannot carry other bytes).
func runReference(t testing.TB, texts []string) []Scores {
	t.Helper()
	python, ref := needReference(t)
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, s := range texts {
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(python, refScript, "--ref", ref)
	cmd.Stdin = &in
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference: %v", err)
	}
	return parseReference(t, out, len(texts))
}

func parseReference(t testing.TB, out []byte, n int) []Scores {
	t.Helper()
	res := make([]Scores, 0, n)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var s struct{ Neg, Neu, Pos, Compound float64 }
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("reference output %q: %v", sc.Text(), err)
		}
		res = append(res, Scores(s))
	}
	if len(res) != n {
		t.Fatalf("reference gave %d results for %d texts", len(res), n)
	}
	return res
}

// agreement counts how often Go's scores match the reference's.
type agreement struct {
	n, within, compound, pos, neu, neg, all int
	bad                                     []int
}

func compare(got, want []Scores) agreement {
	var a agreement
	a.n = len(got)
	for i := range got {
		g, w := got[i], want[i]
		if math.Abs(g.Compound-w.Compound) <= 1e-3 {
			a.within++
		}
		eq := func(x, y float64, c *int) bool {
			if x == y {
				*c++
				return true
			}
			return false
		}
		ok := eq(g.Compound, w.Compound, &a.compound)
		ok = eq(g.Pos, w.Pos, &a.pos) && ok
		ok = eq(g.Neu, w.Neu, &a.neu) && ok
		ok = eq(g.Neg, w.Neg, &a.neg) && ok
		if ok {
			a.all++
		} else {
			a.bad = append(a.bad, i)
		}
	}
	return a
}

func pct(k, n int) float64 { return 100 * float64(k) / float64(max(n, 1)) }

func (a agreement) report(t *testing.T, name string) {
	t.Logf("%s: %d texts; compound within 1e-3: %d (%.3f%%); exact: compound %.3f%%, pos %.3f%%, neu %.3f%%, neg %.3f%%, all four %d (%.3f%%)",
		name, a.n, a.within, pct(a.within, a.n), pct(a.compound, a.n), pct(a.pos, a.n),
		pct(a.neu, a.n), pct(a.neg, a.n), a.all, pct(a.all, a.n))
}

// TestDifferentialSynthetic compares with the reference on generated posts
// that stress every rule and the Unicode corners.
func TestDifferentialSynthetic(t *testing.T) {
	needReference(t)
	texts := newSynth(1).tweets(20000)
	for i := range 300 { // long texts, to exercise the heap paths
		texts = append(texts, newSynth(uint64(100+i)).text(60+i%500))
	}
	ns := newSynth(9)
	for range 20000 {
		texts = append(texts, ns.noise())
	}
	texts = append(texts, goldenTexts(t)...)
	for _, s := range texts {
		if !utf8.ValidString(s) {
			t.Fatalf("synthetic text %q is not UTF-8: the reference would see another text", s)
		}
	}
	a := New()
	got := make([]Scores, len(texts))
	for i, s := range texts {
		got[i] = a.PolarityScores(s)
	}
	want := runReference(t, texts)
	ag := compare(got, want)
	ag.report(t, "synthetic")
	for _, i := range ag.bad[:min(len(ag.bad), 20)] {
		t.Errorf("%q:\n got %+v\nwant %+v", texts[i], got[i], want[i])
	}
}

// sharedData is where the labelled development tweets live on the
// project's machines (never in the repo: their licence forbids it).
func sharedData() string {
	if d := os.Getenv("TSA_DATA_DIR"); d != "" {
		return d
	}
	return "../../../../shared/data"
}

func readTSV(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("skipped: %v (set TSA_DATA_DIR to the directory of the labelled tweets)", err)
	}
	var texts []string
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" {
			continue
		}
		_, text, ok := strings.Cut(line, "\t")
		if !ok {
			text = line
		}
		texts = append(texts, text)
	}
	return texts
}

// TestAgreementSharedData measures agreement on the development tweets and
// fails below the target of 99.5% (compound within 1e-3). Run with -v to see
// the figures.
func TestAgreementSharedData(t *testing.T) {
	needReference(t)
	for _, name := range []string{"semeval-2013-2016-train.tsv", "tweeteval-val.tsv"} {
		t.Run(name, func(t *testing.T) {
			texts := readTSV(t, filepath.Join(sharedData(), name))
			for i, s := range texts {
				if !utf8.ValidString(s) {
					texts[i] = strings.ToValidUTF8(s, "\uFFFD")
				}
			}
			a := New()
			got := make([]Scores, len(texts))
			for i, s := range texts {
				got[i] = a.PolarityScores(s)
			}
			ag := compare(got, runReference(t, texts))
			ag.report(t, name)
			if pct(ag.within, ag.n) < 99.5 {
				t.Errorf("compound within 1e-3 on %.3f%% of texts, want >= 99.5%%", pct(ag.within, ag.n))
			}
			// Do not print the texts: they may not be copied anywhere.
			for _, i := range ag.bad[:min(len(ag.bad), 20)] {
				t.Errorf("line %d differs: got %+v", i+1, got[i])
			}
		})
	}
}
