package afinn

import (
	"bufio"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/sentiment/lexicon"
)

// TestMatchesNode compares Score with the real package on random texts built
// to hit every rule: lexicon words in odd cases, negators, emoji, every
// blank, punctuation, Unicode case specials and invalid UTF-8.
// TSA_AFINN_DIFF_N sets the number of texts (default 20000).
func TestMatchesNode(t *testing.T) {
	ref := reference(t)
	n := 20000
	if testing.Short() {
		n = 2000
	}
	if v, err := strconv.Atoi(os.Getenv("TSA_AFINN_DIFF_N")); err == nil && v > 0 {
		n = v
	}
	g := newRandomTexts(rand.New(rand.NewPCG(1, uint64(n))))
	texts := make([]string, n)
	for i := range texts {
		texts[i] = g.text()
		// Every tenth text is long, so that tokens cross 64-byte blocks.
		if i%10 == 0 {
			for range 1 + i%30 {
				texts[i] += " " + g.text()
			}
		}
	}
	ok := compare(t, texts, ref(texts), true)
	t.Logf("%d/%d random texts agree with %s", ok, n, refVersion)
}

// TestCorpusAgreement measures agreement on local files of posts named in
// TSA_AFINN_CORPUS (comma-separated; .tsv files are label<TAB>text, others
// one text per line). It reports line numbers only, never texts, so corpora
// whose licence forbids redistribution stay out of logs.
func TestCorpusAgreement(t *testing.T) {
	files := os.Getenv("TSA_AFINN_CORPUS")
	if files == "" {
		t.Skip("TSA_AFINN_CORPUS not set")
	}
	ref := reference(t)
	for _, f := range strings.Split(files, ",") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			texts, err := readPosts(f)
			if err != nil {
				t.Fatal(err)
			}
			ok := compare(t, texts, ref(texts), false)
			t.Logf("%s: %d/%d posts agree (%.4f%%)", f, ok, len(texts), 100*float64(ok)/float64(len(texts)))
		})
	}
}

// readPosts reads one post per line; for .tsv the text follows the first tab.
func readPosts(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	tsv := strings.HasSuffix(path, ".tsv")
	for sc.Scan() {
		line := sc.Text()
		if tsv {
			_, line, _ = strings.Cut(line, "\t")
		}
		texts = append(texts, line)
	}
	return texts, sc.Err()
}

// randomTexts makes adversarial texts from pieces chosen by weight.
type randomTexts struct {
	r      *rand.Rand
	words  []string // lexicon keys (labels and negators)
	emoji  []string
	pieces [][]string
}

func newRandomTexts(r *rand.Rand) *randomTexts {
	g := &randomTexts{r: r}
	for k := range lexicon.AFINN() {
		g.words = append(g.words, k)
	}
	for k := range lexicon.AFINNNegators() {
		g.words = append(g.words, k, k, k) // negators often
	}
	g.words = append(g.words, protoNames...)
	for k := range lexicon.EmojiRanking() {
		g.emoji = append(g.emoji, k)
	}
	// Map order is random; sort so a seed always gives the same texts.
	sort.Strings(g.words)
	sort.Strings(g.emoji)
	g.pieces = [][]string{
		// Every JavaScript blank, and look-alikes that are not blanks.
		{" ", " ", " ", "  ", "\n", "\r\n", "\t", "\v", "\f", "\r", "\u00a0", "\u1680", "\u2000", "\u2005", "\u200a",
			"\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "\u0085", "\u180e", "\u200b", "\u200d", " \t", "\t\t", "\u00a0 "},
		// The replaced punctuation and some that is kept.
		{".", ",", "/", "#", "!", "?", "$", "%", "^", "&", "*", ";", ":", "{", "}", "=", "_", "`", "\"", "~", "(", ")",
			"-", "'", "@", "+", "<", ">", "[", "]", "|", "\\", "’", "…", "!!!", "...", ":)", ":(", ";-)", "<3"},
		// Unicode case specials and scripts.
		{"İ", "ı", "K", "Å", "Σ", "ς", "σ", "ΑΣ", "Ï", "ß", "ẞ", "ǅ", "Ⓜ", "ⓜ", "Ⓐ", "Ⓞ", "Ⓚ", "\u0307", "Ꟍ", "\U00016EA0",
			"é", "É", "日本", "ПРИВЕТ", "straße", "\uFFFD", "\uFFFC", "\x00", "\x1b"},
		// Invalid UTF-8.
		{"\xff", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf", "\xf0\x9f\x98", "\x80", "\xf4\x90\x80\x80"},
		// Twitter furniture and numbers.
		{"@user", "#happy", "#sad", "http://t.co/x1", "https://example.com/a?b=c", "RT", "2", "3.5", "100%", "$5", "1st", "&amp;", "co-op", "don't", "can't"},
		// Emoji variants.
		{"\ufe0f", "\U0001F3FB", "\u200d", "❤️", "👍🏽", "🇺🇸", "#️⃣", "1️⃣"},
	}
	return g
}

func (g *randomTexts) word() string {
	w := g.words[g.r.IntN(len(g.words))]
	switch g.r.IntN(8) {
	case 0:
		return strings.ToUpper(w)
	case 1:
		if w != "" {
			_, n := utf8.DecodeRuneInString(w)
			return strings.ToUpper(w[:n]) + w[n:]
		}
	case 2:
		// Non-ASCII capitals that lower-case to ASCII (or nearly).
		return strings.NewReplacer("k", "\u212a", "i", "İ").Replace(w)
	}
	return w
}

func (g *randomTexts) text() string {
	var b strings.Builder
	n := g.r.IntN(14)
	for range n {
		switch k := g.r.IntN(20); {
		case k < 8:
			b.WriteString(g.word())
		case k < 10:
			b.WriteString(g.emoji[g.r.IntN(len(g.emoji))])
		case k < 15:
			b.WriteString(" ")
		default:
			p := g.pieces[g.r.IntN(len(g.pieces))]
			b.WriteString(p[g.r.IntN(len(p))])
		}
	}
	return b.String()
}
