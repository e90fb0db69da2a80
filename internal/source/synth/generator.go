// Package synth is the synth:// source: a generator of realistic posts for
// offline use, demos and load tests.
//
// Posts come from a deterministic pool of authors (heavy-tailed follower
// counts, five languages besides English), written from templates and word
// lists with intensifiers, negations, "but" clauses, emoji, emoticons,
// hashtags, mentions and links. A configurable share of them is about one of
// the keywords being tracked right now, in varied forms, and the balance of
// positive and negative posts about each keyword drifts over time so live
// curves move.
//
// Post n is a pure function of the seed, the options, n and the keyword list
// (in order) in force when it is generated, so tests can recompute any post:
// use Generator directly, without a stream or real time.
package synth

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/post"
)

// SourceName is the Post.Source of every generated post.
const SourceName = "synth"

// Options shapes a Generator. Start from DefaultOptions: zero Authors, Rate,
// Start and Drift take their defaults, but zero Share and English are taken
// literally.
type Options struct {
	// Share is the fraction of posts about one of the tracked keywords
	// while any is set, in [0, 1].
	Share float64
	// English is the fraction of authors who write in English, in [0, 1];
	// the others write Spanish, French, German, Japanese or Portuguese,
	// with an English post now and then.
	English float64
	// Authors is the size of the author pool.
	Authors int
	// Rate is posts per second of virtual time: post n is created at
	// Start + n/Rate, and the sentiment drift follows that clock.
	Rate int
	// Start is the virtual creation time of post 0.
	Start time.Time
	// Drift is the mean period of each keyword's swing between mostly
	// positive and mostly negative posts.
	Drift time.Duration
}

// DefaultOptions returns the options synth:// uses when the URL sets none.
func DefaultOptions() Options {
	return Options{
		Share:   0.3,
		English: 0.8,
		Authors: 5000,
		Rate:    1000,
		Start:   time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Drift:   10 * time.Minute,
	}
}

// Generator makes posts one by one. It is not safe for concurrent use.
type Generator struct {
	seed       uint64
	opt        Options
	n          uint64 // number of the next post
	idBase     uint64
	authors    []author
	keywords   []keyword
	background drift
	text, url  []byte // reused buffers
}

// NewGenerator returns a generator of the posts that seed stands for.
// Out-of-range options are clamped and zero ones defaulted (see Options).
func NewGenerator(seed uint64, opt Options) *Generator {
	def := DefaultOptions()
	opt.Share = min(max(opt.Share, 0), 1)
	opt.English = min(max(opt.English, 0), 1)
	if opt.Authors <= 0 {
		opt.Authors = def.Authors
	}
	if opt.Rate <= 0 {
		opt.Rate = def.Rate
	}
	if opt.Start.IsZero() {
		opt.Start = def.Start
	}
	if opt.Drift <= 0 {
		opt.Drift = def.Drift
	}
	return &Generator{
		seed: seed,
		opt:  opt,
		// Ids are 19 digits, like X's: a block of 10^13 per seed bucket, so
		// streams with different seeds rarely share ids and ids grow with n.
		idBase:     1e18 + mix(seed^0x1d5)%80000*1e13,
		authors:    makeAuthors(seed, opt.Authors, opt.English),
		background: newDrift(mix(seed^0xb4c6), opt.Drift),
		text:       make([]byte, 0, 512),
		url:        make([]byte, 0, 64),
	}
}

// Count returns the number of the next post, which is how many posts the
// generator has made since post 0.
func (g *Generator) Count() uint64 { return g.n }

// Seek makes post n the next one.
func (g *Generator) Seek(n uint64) { g.n = n }

// SetKeywords replaces the tracked keywords: from the next post on, a Share
// of posts mention one of them. Blank and repeated keywords are dropped;
// nil or empty stops keyword posts.
func (g *Generator) SetKeywords(keywords []string) {
	g.keywords = g.keywords[:0]
	seen := make(map[string]bool, len(keywords))
	for _, k := range keywords {
		k = strings.TrimSpace(k)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		g.keywords = append(g.keywords, keyword{
			forms: keywordForms(k),
			// Seeded by the keyword's text in lower case, so "Tesla" and
			// "tesla" move together and a keyword keeps its curve when it
			// is dropped and tracked again.
			mood: newDrift(mix(g.seed^hashString(strings.ToLower(k))), g.opt.Drift),
		})
	}
}

// Next overwrites *p with the next post.
func (g *Generator) Next(p *post.Post) {
	n := g.n
	g.n++
	r := rng{s: mix(g.seed ^ mix(n+0x9e3779b97f4a7c15))}

	// Squaring a uniform number makes the first authors of the pool post
	// far more than the last, as a few accounts do on real networks.
	u := r.float()
	a := &g.authors[int(u*u*float64(len(g.authors)))]
	l := a.lang
	if l != &english && r.chance(0.08) {
		l = &english
	}

	var kw *keyword
	d := &g.background
	if len(g.keywords) > 0 && r.chance(g.opt.Share) {
		kw = &g.keywords[r.intn(len(g.keywords))]
		d = &kw.mood
	}
	c := pickClass(&r, d.at(float64(n)/float64(g.opt.Rate)))

	*p = post.Post{Source: SourceName, Lang: l.code, CreatedAt: g.createdAt(n), Author: a.Author}
	if n > 0 && r.chance(0.12) {
		back := uint64(r.intn(int(min(n, 5000)))) + 1
		p.ReplyTo = strconv.FormatUint(g.idBase+n-back, 10)
		g.text = append(append(append(g.text[:0], '@'), g.authors[r.intn(len(g.authors))].Handle...), ' ')
	} else {
		g.text = g.text[:0]
		if n > 0 && r.chance(0.03) {
			p.QuoteOf = strconv.FormatUint(g.idBase+n-uint64(r.intn(int(min(n, 5000))))-1, 10)
		}
	}
	g.text = g.render(&r, g.text, l, c, kw)
	p.Text = string(g.text)

	// The id is the tail of the URL string, so both cost one allocation.
	g.url = append(g.url[:0], a.urlPrefix...)
	idAt := len(g.url)
	g.url = strconv.AppendUint(g.url, g.idBase+n, 10)
	p.URL = string(g.url)
	p.ID = p.URL[idAt:]

	// Engagement grows with reach, with a long tail of posts nobody sees.
	e := r.float()
	p.Metrics.Likes = int64(float64(a.Followers)*0.02*e*e*e) + int64(r.intn(3))
	p.Metrics.Reposts = p.Metrics.Likes / int64(4+r.intn(8))
	p.Metrics.Replies = p.Metrics.Likes / int64(5+r.intn(16))
	p.Metrics.Quotes = p.Metrics.Reposts / int64(3+r.intn(8))
}

// createdAt is post n's virtual time; it splits n/Rate so that n*1e9 cannot
// overflow.
func (g *Generator) createdAt(n uint64) time.Time {
	rate := uint64(g.opt.Rate)
	return g.opt.Start.Add(time.Duration(n/rate*1e9 + n%rate*1e9/rate))
}

// pickClass chooses a post's sentiment from its subject's mood m in [-1, 1]:
// a steady share of neutral and mixed posts, and the rest split between
// positive and negative by m.
func pickClass(r *rng, m float64) class {
	switch p := r.float(); {
	case p < 0.07:
		return mixed
	case p < 0.35:
		return neutral
	case r.float() < (1+m)/2:
		return positive
	default:
		return negative
	}
}

// render appends the body of a post to b.
func (g *Generator) render(r *rng, b []byte, l *language, c class, kw *keyword) []byte {
	start := len(b)
	if l.openers != nil && r.chance(0.15) {
		b = append(b, pick(r, l.openers)...)
	}
	set := &l.bg
	if kw != nil {
		set = &l.kw
	}
	for _, t := range pick(r, set[c]) {
		switch t.slot {
		case slotLit:
			b = append(b, t.lit...)
		case slotSubj:
			if kw != nil {
				b = append(b, kw.form(r)...)
			} else {
				b = append(b, pick(r, l.topics)...)
			}
		case slotPos, slotNeg:
			if r.chance(0.05) { // shouting, which VADER weighs
				b = append(b, pick(r, l.upper[t.slot])...)
			} else {
				b = append(b, pick(r, l.words[t.slot])...)
			}
		default:
			b = append(b, pick(r, l.words[t.slot])...)
		}
	}
	// Tweets start in lower case about half the time.
	if len(b) > start && 'a' <= b[start] && b[start] <= 'z' && r.chance(0.5) {
		b[start] -= 'a' - 'A'
	}
	tail := r.chance(0.25)
	if last, _ := utf8.DecodeLastRune(b); !strings.ContainsRune("?!.…！？。", last) {
		e := pick(r, enders[c])
		if e == "" && tail { // a second sentence needs the first one closed
			e = "."
		}
		b = append(b, e...)
	}
	if tail {
		b = append(append(b, ' '), pick(r, l.tails[c])...)
	}
	if r.chance(0.35) {
		b = append(b, ' ')
		e := pick(r, emoji[c])
		for range 1 + r.intn(3) {
			b = append(b, e...)
			if r.chance(0.5) {
				e = pick(r, emoji[c])
			}
		}
	} else if r.chance(0.12) {
		b = append(append(b, ' '), pick(r, emoticons[c])...)
	}
	if r.chance(0.08) {
		b = append(append(b, " cc @"...), g.authors[r.intn(len(g.authors))].Handle...)
	}
	if r.chance(0.2) {
		for range 1 + r.intn(2) {
			b = append(append(b, ' '), pick(r, hashtags)...)
		}
	}
	if r.chance(0.12) {
		b = append(b, " https://t.co/"...)
		x := r.u64()
		for range 10 {
			b = append(b, base62[x%62])
			x /= 62
		}
	}
	return b
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// keyword is a tracked keyword with the ways posts write it and its mood.
type keyword struct {
	forms []string // forms[0] is the keyword as given
	mood  drift
}

// form picks how a post writes the keyword: as given most often, otherwise
// any form, so matchers meet every case and shape.
func (k *keyword) form(r *rng) string {
	if r.chance(0.4) {
		return k.forms[0]
	}
	return pick(r, k.forms)
}

// keywordForms lists the ways a post may write k, each of which contains k
// case-insensitively on word boundaries: a #hashtag or @mention keeps its
// sign, a phrase its words, and a plain word may also become a hashtag.
func keywordForms(k string) []string {
	lower, upper := strings.ToLower(k), strings.ToUpper(k)
	var forms []string
	switch {
	case k[0] == '#' || k[0] == '@':
		forms = []string{k, lower, k[:1] + capitalize(lower[1:]), upper}
	case strings.ContainsFunc(k, unicode.IsSpace):
		words := strings.Fields(lower)
		for i, w := range words {
			words[i] = capitalize(w)
		}
		forms = []string{k, lower, capitalize(lower), strings.Join(words, " "), upper}
	default:
		forms = []string{k, lower, capitalize(lower), upper, "#" + lower, "#" + capitalize(lower)}
	}
	// Drop repeats ("2024" is its own upper case) so every form is as
	// likely as its neighbours, and case changes that lose the keyword
	// ("STRASSE" does not contain "straße" in any case).
	out := forms[:1]
	for _, f := range forms[1:] {
		keep := strings.Contains(strings.ToLower(f), lower)
		for _, o := range out {
			keep = keep && o != f
		}
		if keep {
			out = append(out, f)
		}
	}
	return out
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// drift is a subject's mood over virtual time: a bias plus two sine waves
// with periods around Options.Drift, all drawn from the subject's seed.
type drift struct {
	base, a1, a2, w1, w2, p1, p2 float64
}

func newDrift(seed uint64, period time.Duration) drift {
	r := rng{s: seed}
	t1 := period.Seconds() * (0.6 + r.float())
	t2 := t1 / (2.5 + 2*r.float())
	return drift{
		base: -0.25 + 0.6*r.float(), // social media leans a little positive
		a1:   0.3 + 0.3*r.float(),
		a2:   0.1 + 0.15*r.float(),
		w1:   2 * math.Pi / t1,
		w2:   2 * math.Pi / t2,
		p1:   2 * math.Pi * r.float(),
		p2:   2 * math.Pi * r.float(),
	}
}

// at returns the mood at virtual second t, in [-0.95, 0.95]: never so
// extreme that a side disappears.
func (d *drift) at(t float64) float64 {
	m := d.base + d.a1*math.Sin(d.w1*t+d.p1) + d.a2*math.Sin(d.w2*t+d.p2)
	return min(max(m, -0.95), 0.95)
}
