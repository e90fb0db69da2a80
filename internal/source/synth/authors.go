package synth

import (
	"math"
	"strconv"

	"github.com/tsaproject/tsa/internal/post"
)

// author is one member of the pool, with everything a post copies from it
// built once.
type author struct {
	post.Author
	lang      *language
	urlPrefix string // "https://synth.example/{handle}/"
}

// maxHandle is X's handle length limit.
const maxHandle = 15

// makeAuthors builds the deterministic author pool. enShare is the share of
// authors who write in English.
func makeAuthors(seed uint64, n int, enShare float64) []author {
	r := rng{s: mix(seed ^ 0x5eeda07)}
	idBase := uint64(1e15) + mix(seed^0x1d)%1e6*1e8
	seen := make(map[string]bool, n)
	out := make([]author, n)
	for i := range out {
		a := &out[i]
		a.lang = &english
		if !r.chance(enShare) {
			a.lang = pickLanguage(&r)
		}
		l := a.lang
		fi, li := r.intn(len(l.first)), r.intn(len(l.last))
		a.Handle = uniqueHandle(&r, seen, makeHandle(&r, l.firstASCII[fi], l.lastASCII[li]))
		switch p := r.float(); {
		case p < 0.80:
			if l.code == "ja" {
				a.Name = l.last[li] + " " + l.first[fi]
			} else {
				a.Name = l.first[fi] + " " + l.last[li]
			}
		case p < 0.92:
			a.Name = l.first[fi]
		default:
			a.Name = l.first[fi] + " " + pick(&r, emoji[positive])
		}
		a.ID = strconv.FormatUint(idBase+uint64(i)*97+13, 10)
		a.Followers = followers(&r)
		if r.chance(0.7) {
			a.Location = pick(&r, l.locations)
		}
		a.Verified = a.Followers >= 100_000 && r.chance(0.6) || r.chance(0.005)
		a.urlPrefix = "https://synth.example/" + a.Handle + "/"
	}
	return out
}

func pickLanguage(r *rng) *language {
	p := r.float()
	for _, l := range otherLanguages {
		if p < l.share {
			return l.lang
		}
		p -= l.share
	}
	return otherLanguages[len(otherLanguages)-1].lang
}

// followers draws from a Pareto distribution (x_m = 25, alpha = 0.85): most
// accounts have a few dozen followers, a few have hundreds of thousands or
// millions, as on real networks, so follower-weighted views have outliers
// to cope with.
func followers(r *rng) int64 {
	u := 1 - r.float() // in (0, 1], so the power below is finite
	f := 25 / math.Pow(u, 1/0.85)
	return int64(min(f, 200e6))
}

func makeHandle(r *rng, first, last string) string {
	var h string
	switch r.intn(6) {
	case 0:
		h = first + last
	case 1:
		h = first + "_" + last
	case 2:
		h = first + strconv.Itoa(r.intn(9990)+10)
	case 3:
		h = first[:1] + last
	case 4:
		h = pick(r, handleAdj) + pick(r, handleNoun)
		if r.chance(0.5) {
			h += strconv.Itoa(r.intn(99) + 1)
		}
	default:
		h = last + "_" + first[:1]
	}
	if len(h) > maxHandle {
		h = h[:maxHandle]
	}
	return h
}

// uniqueHandle appends digits until h is unused, keeping the length limit.
func uniqueHandle(r *rng, seen map[string]bool, h string) string {
	base := h
	for seen[h] {
		suffix := strconv.Itoa(r.intn(9999) + 1)
		if len(base)+len(suffix) > maxHandle {
			base = base[:maxHandle-len(suffix)]
		}
		h = base + suffix
	}
	seen[h] = true
	return h
}
