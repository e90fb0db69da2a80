package match

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// corpus makes posts of about 150 bytes from a Zipf-distributed vocabulary
// of pseudo-words, with hashtags, mentions, links, emoji and punctuation,
// and keywords drawn from the same vocabulary (words, phrases, hashtags),
// so that matches and near-misses ("go" in "going") happen as in real
// traffic.
type corpus struct {
	rng   *rand.Rand
	vocab []string
	zipf  *rand.Zipf
}

func newCorpus(seed uint64) *corpus {
	rng := rand.New(rand.NewPCG(seed, 7))
	cons := []string{"b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "v", "w", "st", "th", "ch", "tr", "gr"}
	vow := []string{"a", "e", "i", "o", "u", "ea", "ou", "y"}
	seen := map[string]bool{}
	var vocab []string
	for len(vocab) < 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteString(cons[rng.IntN(len(cons))])
			b.WriteString(vow[rng.IntN(len(vow))])
		}
		if rng.IntN(3) == 0 {
			b.WriteString(cons[rng.IntN(len(cons))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			vocab = append(vocab, w)
		}
	}
	return &corpus{rng: rng, vocab: vocab, zipf: rand.NewZipf(rng, 1.1, 2, uint64(len(vocab)-1))}
}

func (c *corpus) word() string { return c.vocab[c.zipf.Uint64()] }

func (c *corpus) post() string {
	var b strings.Builder
	for b.Len() < 140 {
		switch c.rng.IntN(30) {
		case 0:
			b.WriteString("#" + c.word())
		case 1:
			b.WriteString("@" + c.word() + "_" + c.word())
		case 2:
			b.WriteString("https://t.co/" + c.word())
		case 3:
			b.WriteString("🔥")
		default:
			w := c.word()
			if c.rng.IntN(8) == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
		}
		switch c.rng.IntN(10) {
		case 0:
			b.WriteString(", ")
		case 1:
			b.WriteString(". ")
		default:
			b.WriteString(" ")
		}
	}
	return b.String()
}

func (c *corpus) keywords(n int) []string {
	kws := make([]string, n)
	for i := range kws {
		w := c.vocab[c.rng.IntN(len(c.vocab))]
		switch c.rng.IntN(10) {
		case 0:
			kws[i] = "#" + w
		case 1:
			kws[i] = w + " " + c.word()
		default:
			kws[i] = w
		}
	}
	return kws
}

func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("keywords=%d", n), func(b *testing.B) {
			c := newCorpus(1)
			m := New(c.keywords(n))
			posts := make([]string, 4096)
			bytes := 0
			for i := range posts {
				posts[i] = c.post()
				bytes += len(posts[i])
			}
			dst := make([]int, 0, 64)
			matched := 0
			b.SetBytes(int64(bytes / len(posts)))
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime()
			for i := 0; b.Loop(); i++ {
				dst = m.Match(posts[i%len(posts)], dst[:0])
				matched += len(dst)
			}
			reportRate(b, start, cpu, "posts")
			b.ReportMetric(float64(matched)/float64(b.N), "matches/post")
		})
	}
}

func BenchmarkNew(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("keywords=%d", n), func(b *testing.B) {
			kws := newCorpus(1).keywords(n)
			b.ReportAllocs()
			for b.Loop() {
				New(kws)
			}
		})
	}
}

// reportRate reports b.N items per wall second and per CPU second.
func reportRate(b *testing.B, start time.Time, cpu0 time.Duration, unit string) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), unit+"/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), unit+"/cpu-s")
	}
}

// BenchmarkTokenHash measures the design New did not take, in its
// cheapest form (ASCII folding, words and two-word phrases, no hashtag or
// mention rules): tokenize the post once, hash each word and look it and
// the two-word phrase ending at it up in a map. It is a lower bound of
// that design's cost, to compare with BenchmarkMatch.
func BenchmarkTokenHash(b *testing.B) {
	const prime = 1099511628211
	hash := func(s string) uint64 {
		h := uint64(14695981039346656037)
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * prime
		}
		return h
	}
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("keywords=%d", n), func(b *testing.B) {
			c := newCorpus(1)
			table := map[uint64]int32{}
			for i, kw := range c.keywords(n) {
				kw = strings.TrimPrefix(kw, "#")
				h := uint64(0)
				for w := range strings.FieldsSeq(kw) {
					h = h*31 + hash(w)
				}
				table[h] = int32(i)
			}
			posts := make([]string, 4096)
			for i := range posts {
				posts[i] = c.post()
			}
			dst := make([]int, 0, 64)
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime()
			for i := 0; b.Loop(); i++ {
				dst = dst[:0]
				p := posts[i%len(posts)]
				var prev, h uint64
				inWord := false
				for j := 0; j <= len(p); j++ {
					var ch byte = ' '
					if j < len(p) {
						ch = p[j]
					}
					if ch >= 'A' && ch <= 'Z' {
						ch += 'a' - 'A'
					}
					if ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '_' {
						if !inWord {
							h, inWord = 14695981039346656037, true
						}
						h = (h ^ uint64(ch)) * prime
						continue
					}
					if inWord {
						if k, ok := table[h]; ok {
							dst = append(dst, int(k))
						}
						if k, ok := table[prev*31+h]; ok && prev != 0 {
							dst = append(dst, int(k))
						}
						prev, inWord = h, false
					}
				}
			}
			reportRate(b, start, cpu, "posts")
		})
	}
}
