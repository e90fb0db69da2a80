package vader

import (
	"container/heap"
	"math"
)

// The functions below follow SentimentIntensityAnalyzer's methods of the
// same names statement by statement, so the floats come out bit for bit.
// Products are wrapped in float64() where a sum follows: the Go spec lets a
// compiler fuse x*y+z into one FMA otherwise (arm64 does), which Python
// never does.

// scoreValence is the rest of polarity_scores plus score_valence.
func scoreValence(toks []token, sc *counts) Scores {
	n := len(toks)
	if n == 0 {
		return Scores{}
	}
	// allcap_differential: some, but not all, words are ALL CAPS.
	capDiff := 0 < n-sc.caps && n-sc.caps < n

	// Only lexicon words score; a booster, and "kind" before "of", is 0
	// whether or not it is in the lexicon.
	for i := range toks {
		k := &toks[i]
		if k.flags&(fLex|fBooster) != fLex || i < n-1 && k.id == idKind && toks[i+1].id == idOf {
			continue
		}
		k.sent = sentimentValence(toks, i, capDiff)
	}
	butCheck(toks)

	// sum() (Python 3.11: plain left-to-right addition) and
	// _sift_sentiment_scores in one pass.
	var sum, posSum, negSum float64
	neu := 0
	for i := range toks {
		s := toks[i].sent
		sum += s
		if s > 0 {
			posSum += s + 1
		}
		if s < 0 {
			negSum += s - 1
		}
		if s == 0 {
			neu++
		}
	}
	amp := punctuationEmphasis(sc.bang, sc.quest)
	if sum > 0 {
		sum += amp
	} else if sum < 0 {
		sum -= amp
	}
	compound := normalize(sum)

	if posSum > math.Abs(negSum) {
		posSum += amp
	} else if posSum < math.Abs(negSum) {
		negSum -= amp
	}
	total := posSum + math.Abs(negSum) + float64(neu)
	return Scores{
		Neg:      pyRound(math.Abs(negSum/total), 3),
		Neu:      pyRound(math.Abs(float64(neu)/total), 3),
		Pos:      pyRound(math.Abs(posSum/total), 3),
		Compound: pyRound(compound, 4),
	}
}

// normalize maps the sum into [-1, 1] with alpha = 15.
func normalize(score float64) float64 {
	s := score / math.Sqrt(float64(score*score)+15)
	return max(-1, min(1, s))
}

// punctuationEmphasis is _amplify_ep + _amplify_qm, given the counts of
// '!' and '?' in the text after emoji replacement.
func punctuationEmphasis(bang, qm int) float64 {
	ep := min(bang, 4)
	epAmp := float64(float64(ep) * 0.292)
	var qmAmp float64
	if qm > 1 {
		if qm <= 3 {
			qmAmp = float64(float64(qm) * 0.18)
		} else {
			qmAmp = 0.96
		}
	}
	return epAmp + qmAmp
}

// sentimentValence is sentiment_valence for the word at i.
func sentimentValence(toks []token, i int, capDiff bool) float64 {
	k := &toks[i]
	if !k.inLex() {
		return 0
	}
	n := len(toks)
	v := k.val
	// "no" before a lexicon word negates it rather than scoring itself.
	if k.id == idNo && i != n-1 && toks[i+1].inLex() {
		v = 0.0
	}
	if (i > 0 && toks[i-1].id == idNo) || (i > 1 && toks[i-2].id == idNo) ||
		(i > 2 && toks[i-3].id == idNo && (toks[i-1].id == idOr || toks[i-1].id == idNor)) {
		v = k.val * nScalar
	}
	if k.upper() && capDiff {
		if v > 0 {
			v += cIncr
		} else {
			v -= cIncr
		}
	}
	for start := 0; start < 3; start++ {
		j := i - (start + 1)
		if i > start && !toks[j].inLex() {
			s := scalarIncDec(&toks[j], v, capDiff)
			if start == 1 && s != 0 {
				s = float64(s * 0.95)
			}
			if start == 2 && s != 0 {
				s = float64(s * 0.9)
			}
			v = v + s
			v = negationCheck(v, toks, start, i)
			if start == 2 {
				v = specialIdiomsCheck(v, toks, i)
			}
		}
	}
	return leastCheck(v, toks, i)
}

// scalarIncDec is scalar_inc_dec: the push of a booster or dampener.
func scalarIncDec(k *token, valence float64, capDiff bool) float64 {
	if k.flags&fBooster == 0 {
		return 0
	}
	scalar := bIncr
	if k.flags&fDamp != 0 {
		scalar = bDecr
	}
	if valence < 0 {
		scalar *= -1
	}
	if k.upper() && capDiff {
		if valence > 0 {
			scalar += cIncr
		} else {
			scalar -= cIncr
		}
	}
	return scalar
}

func isSoThis(id uint8) bool { return id == idSo || id == idThis }

// negationCheck is _negation_check; start is how far back (0..2) the
// modifier being applied sits.
func negationCheck(v float64, toks []token, start, i int) float64 {
	switch start {
	case 0:
		if toks[i-1].negated() {
			v = float64(v * nScalar)
		}
	case 1:
		switch {
		case toks[i-2].id == idNever && isSoThis(toks[i-1].id):
			v = float64(v * 1.25)
		case toks[i-2].id == idWithout && toks[i-1].id == idDoubt:
		case toks[i-2].negated():
			v = float64(v * nScalar)
		}
	case 2:
		// The reference's "A and B or C" binds as "(A and B) or C": "so" or
		// "this" just before the word boosts it whatever precedes.
		switch {
		case toks[i-3].id == idNever && isSoThis(toks[i-2].id) || isSoThis(toks[i-1].id):
			v = float64(v * 1.25)
		case toks[i-3].id == idWithout && (toks[i-2].id == idDoubt || toks[i-1].id == idDoubt):
		case toks[i-3].negated():
			v = float64(v * nScalar)
		}
	}
	return v
}

// specialCase2 and specialCase3 are the keys of SPECIAL_CASES ("badass" has
// no space and can never equal a joined n-gram).
func specialCase2(a, b uint8) (float64, bool) {
	switch {
	case a == idThe && (b == idShit || b == idBomb):
		return 3, true
	case a == idBad && b == idAss:
		return 1.5, true
	case a == idBus && b == idStop:
		return 0, true
	case a == idYeah && b == idRight:
		return -2, true
	case a == idBeating && b == idHeart:
		return 3.1, true
	case a == idBroken && b == idHeart:
		return -2.9, true
	}
	return 0, false
}

func specialCase3(a, b, c uint8) (float64, bool) {
	switch {
	case a == idKiss && b == idOf && c == idDeath:
		return -1.5, true
	case a == idTo && b == idDie && c == idFor:
		return 3, true
	}
	return 0, false
}

// boosterBigram is the two-word keys of BOOSTER_DICT, all B_DECR.
func boosterBigram(a, b uint8) bool {
	return a == idJust && b == idEnough || (a == idKind || a == idSort) && b == idOf
}

// leads has a bit for each word that can start a SPECIAL_CASES key or a
// two-word booster: an n-gram without one never matches.
const leads = 1<<idThe | 1<<idBad | 1<<idBus | 1<<idYeah | 1<<idBeating | 1<<idBroken |
	1<<idKiss | 1<<idTo | 1<<idJust | 1<<idKind | 1<<idSort

func isLead(id uint8) bool { return leads>>id&1 != 0 }

// specialIdiomsCheck is _special_idioms_check (called with i >= 3).
func specialIdiomsCheck(v float64, toks []token, i int) float64 {
	n := len(toks)
	w3, w2, w1, w0 := toks[i-3].id, toks[i-2].id, toks[i-1].id, toks[i].id
	if !isLead(w3) && !isLead(w2) && !isLead(w1) && !isLead(w0) {
		return v // every n-gram it checks starts at one of these
	}
	// onezero, twoonezero, twoone, threetwoone, threetwo: the first wins.
	if x, ok := specialCase2(w1, w0); ok {
		v = x
	} else if x, ok := specialCase3(w2, w1, w0); ok {
		v = x
	} else if x, ok := specialCase2(w2, w1); ok {
		v = x
	} else if x, ok := specialCase3(w3, w2, w1); ok {
		v = x
	} else if x, ok := specialCase2(w3, w2); ok {
		v = x
	}
	if n-1 > i {
		if x, ok := specialCase2(w0, toks[i+1].id); ok {
			v = x
		}
	}
	if n-1 > i+1 {
		if x, ok := specialCase3(w0, toks[i+1].id, toks[i+2].id); ok {
			v = x
		}
	}
	// threetwoone has three words and no booster key does.
	if boosterBigram(w3, w2) {
		v = v + bDecr
	}
	if boosterBigram(w2, w1) {
		v = v + bDecr
	}
	return v
}

// leastCheck is _least_check: "least" before a word negates it, except in
// "at least" and "very least".
func leastCheck(v float64, toks []token, i int) float64 {
	if i > 1 && !toks[i-1].inLex() && toks[i-1].id == idLeast {
		if toks[i-2].id != idAt && toks[i-2].id != idVery {
			v = float64(v * nScalar)
		}
	} else if i > 0 && !toks[i-1].inLex() && toks[i-1].id == idLeast {
		v = float64(v * nScalar)
	}
	return v
}

// butCheck is _but_check, quirks included: for each position it takes the
// current value, finds its first equal in the list (list.index) and scales
// that one, by 0.5 before the first "but" and 1.5 after it. Equal values
// thus get scaled at the first one's place, sometimes several times.
//
// Zeros are left out: scaling a zero leaves a zero (at most its sign
// changes, which no later step can see) and a non-zero value never becomes
// zero (that would take over a thousand halvings), so the walk over the non-zero values alone is the same and costs
// O(m^2) for m scored words rather than O(n^2) for n words.
func butCheck(toks []token) {
	bi := -1
	for i := range toks {
		if toks[i].id == idBut {
			bi = i
			break
		}
	}
	if bi < 0 {
		return
	}
	var nzArr [32]int32
	nz := nzArr[:0]
	for i := range toks {
		if toks[i].sent != 0 {
			nz = append(nz, int32(i))
		}
	}
	if len(nz) > 64 {
		butCheckLong(toks, nz, bi)
		return
	}
	for _, i := range nz {
		s := toks[i].sent
		var si int32
		for _, j := range nz {
			if toks[j].sent == s {
				si = j
				break
			}
		}
		if int(si) < bi {
			toks[si].sent = float64(s * 0.5)
		} else if int(si) > bi {
			toks[si].sent = float64(s * 1.5)
		}
	}
}

// butCheckLong is butCheck for texts with many scored words: the first
// position of each value comes from a heap per value, so a long document
// costs O(m log m). ("but" is not in the lexicon, so no scored word sits at
// its position.)
func butCheckLong(toks []token, nz []int32, bi int) {
	at := make(map[float64]*positions, len(nz))
	add := func(v float64, i int32) {
		p := at[v]
		if p == nil {
			p = new(positions)
			at[v] = p
		}
		heap.Push(p, i)
	}
	for _, i := range nz {
		add(toks[i].sent, i)
	}
	for _, i := range nz {
		s := toks[i].sent
		p := at[s]
		si := (*p)[0]
		v := float64(s * 1.5)
		if int(si) < bi {
			v = float64(s * 0.5)
		}
		heap.Pop(p)
		toks[si].sent = v
		add(v, si)
	}
}

// positions is a min-heap of token positions.
type positions []int32

func (p positions) Len() int           { return len(p) }
func (p positions) Less(i, j int) bool { return p[i] < p[j] }
func (p positions) Swap(i, j int)      { p[i], p[j] = p[j], p[i] }
func (p *positions) Push(x any)        { *p = append(*p, x.(int32)) }
func (p *positions) Pop() any {
	old := *p
	x := old[len(old)-1]
	*p = old[:len(old)-1]
	return x
}
