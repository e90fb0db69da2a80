#!/usr/bin/env python3
"""Write internal/sentiment/vader/testdata/golden.jsonl: texts written for
TSA's tests, one rule or corner at a time, with the scores the reference
vaderSentiment gives them. The reference is not in the repo: pass --ref or
set TSA_VADER_REF (see ref.py). Run from the repository root:

    TSA_VADER_REF=/path/to/vaderSentiment.py python3 bench/vader/gen_golden.py
"""
import argparse
import itertools
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ref import load_reference  # noqa: E402

OUT = "internal/sentiment/vader/testdata/golden.jsonl"

CASES = [
    # empty and blank
    "", " ", "\t\n", "   \u3000 ", ".", "!!!", "???", "?", "!?",
    # plain lexicon words
    "good", "bad", "The book was good.", "The book was bad.", "I love it", "I hate it",
    "meh", "ok", "okay", "fine", "great day", "terrible terrible terrible",
    # the reference's own examples
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!", "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!", "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!",
    "Most automated sentiment analysis tools are shit.",
    "With VADER, sentiment analysis is the shit!",
    "Other sentiment analysis tools can be quite bad.",
    "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the most compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Not such a badass after all.",
    "Without a doubt, an excellent idea.",
    # negation, one to three words back, contractions
    "not good", "not very good", "not really very good", "it is not at all good",
    "isn't good", "isnt good", "ISN'T good", "don't like it", "dont like it",
    "I can't stand it", "I cannot stand it", "never good", "never so good",
    "never this good", "it was never so good", "it was never this good", "never ever good",
    "nothing good", "none good here", "nope not happy", "without love", "despite the love",
    "rarely happy", "seldom happy", "uh-uh nice", "uhuh nice", "wouldn't be great",
    "shouldn't love", "won't win", "ain't happy", "ain’t happy", "can’t wait",
    "didn't really like", "not so bad", "not this bad", "so good", "this good",
    "it is so good", "it was this good", "he said so good", "not the worst",
    "without doubt good", "without any doubt good", "without a doubt great",
    "without doubt, bad", "doubt", "no doubt", "NO doubt", "DON'T like it",
    "xn't good", "n't good", "can't", "won't", "not", "not not good",
    # "no" as negation vs its own word
    "no", "no!", "No.", "no good", "no love lost", "no way", "no no no", "no, it's good",
    "no problem", "no problems here", "no fun or games", "no fun or good", "no happy or sad",
    "no x or good", "no x nor good", "no x and good", "NO good", "say no good", "good no",
    "no GOOD", "NO GOOD at all", "no problem but bad",
    # boosters and dampeners, distance, caps
    "very good", "very bad", "extremely good", "extremely bad", "really really good",
    "quite good", "somewhat good", "barely good", "hardly bad", "slightly bad",
    "kinda good", "sorta good", "kind-of good", "sort-of bad", "kindof nice", "sortof nice",
    "kind of good", "sort of good", "just enough good", "a kind of good day",
    "it was kind of bad", "sort of a bad day", "kind of", "kind", "he is kind",
    "very very very good", "very nice very", "VERY good", "very GOOD", "VERY GOOD",
    "VERY good day", "very good DAY", "SO GOOD", "so good OK", "totally awesome",
    "TOTALLY awesome day", "totally AWESOME day", "fucking awesome", "FUCKING awful",
    "more fun", "most fun", "less fun", "little fun", "the most incredible day",
    "an utterly unbelievably good day", "super good", "uber cool", "hella good",
    "absolutely horrible", "absolutely not horrible", "not absolutely horrible",
    "completely and utterly bad", "very very very very bad",
    # "least"
    "least good", "the least good", "at least good", "very least good", "at least",
    "least", "the least bad", "LEAST good", "is least good", "at the least good",
    # "but"
    "good but bad", "bad but good", "it was great but the ending was terrible",
    "but", "but good", "good but", "good but but bad", "BUT good", "good BUT bad",
    "nice nice but nice nice", "good good but bad bad", "love love but hate hate",
    "I love it, but I hate it", "fine but, whatever", "but really good but bad",
    "great, great, great but good", "good bad but good bad", "happy sad but",
    "the food was good, but the service was terrible, but the view was great",
    # special idioms
    "the shit", "this is the shit", "the bomb", "that party was the bomb",
    "bad ass", "what a bad ass car", "badass", "bus stop", "at the bus stop",
    "yeah right", "oh yeah right", "kiss of death", "the kiss of death",
    "to die for", "a cake to die for", "beating heart", "broken heart", "my broken heart",
    "my heart is broken", "the shit is bad", "it is the shit", "cut the mustard",
    "upper hand", "break a leg", "under the weather", "in the red", "yeah right, great",
    "big bad ass wolf", "he has a broken heart now", "such a beating heart here",
    "kind of the shit", "sort of the bomb", "not the bomb", "never the shit",
    # capitals
    "GOOD", "BAD", "good GOOD", "GOOD good", "HAPPY day", "I am HAPPY", "I AM HAPPY",
    "I am SO HAPPY", "THE BOOK WAS GOOD", "THE BOOK was GOOD", "LOL", "lol LOL",
    "OMG this is GREAT", "GREAT!!!", "I HATE mondays", "NOT good", "not GOOD",
    "NOT GOOD at all", "NO", "NO NO", "AWESOME :)", "a GOOD day", "I LOVE IT",
    "123 GOOD", "GOOD 123", "GOOD :)", "ÉTÉ good", "Good", "gOOD", "GoOd",
    # punctuation emphasis
    "good!", "good!!", "good!!!", "good!!!!", "good!!!!!", "good!!!!!!!!",
    "bad!", "bad!!!!", "good?", "good??", "good???", "good????", "good?????",
    "good!?", "good!!??", "bad??!!", "! good", "good ! ! !", "why??", "ok!!!",
    "really?? good", "good...", "good,", "(good)", "\"good\"", "'good'", "good.",
    "--good--", "#good", "@good", "good!!!!!!???????", "what?!?! no way!!",
    # emoticons
    ":)", ":(", ":-)", ":-(", ":D", ":d", ":P", ":p", ";)", "<3", "</3", ":/",
    ":'(", "xD", "XD", "^_^", "-_-", ":-|", "(:", "):", "=)", ":o", "O_o", "o_O",
    "8)", ";-)", ":*", ":')", "D:", ":-D", ":-P", ":)))", ":((", ":-))", ":)!",
    "!:)", "good :)", "bad :(", "I am :) today", "lol :D", ":) :) :)", "<3 <3",
    ":Þ", ":-Þ", ":þ", "(:O", ":O", ":o)", "=D", "=-D", "((:", "))", "8-)",
    # emoji
    "😀", "😀😀", "😀 😀", "a😀", "😀b", "a😀b", "I 😍 it", "I😍it", "love😍",
    "😡 angry", "😭", "😂😂😂", "🙅 no", "🙆", "👌", "🆗!!", "🔛", "🆙", "🆙🆙🆙",
    "💔", "❤", "❤️", "❤️❤️", "🥰", "🤬", "🙂 🙃", "👍🏻", "🇺🇸", "©", "®", "™",
    "‼", "⁉", "☺", "☹", "✨great✨", "not 😀", "no 😀", "very 😀", "😀 but 😡",
    "😡 but 😀", "GOOD 😀", "😀!!!", "the 💩", "🎉🎉 party 🎉", "👏👏👏", "🙏",
    "🤔", "😐", "😴 tired", "😢 sad but 😀 happy",
    # Unicode: case, spaces, characters Python and Go treat differently
    "\u212aind of good", "\u212aIND OF GOOD", "GOOD \u212a", "\u0130 LOVE it",
    "GOOD \u0130", "ΣΟΦΟΣ good", "σοφος GOOD", "GOOD Σ", "GOOD ǅ", "GOOD ß",
    "GOOD ẞ", "GOOD ᵃ", "GOOD ª", "GOOD Ⅰ", "GOOD ⅰ", "GOOD Ⓐ", "GOOD ⓐ",
    "ＧＯＯＤ good", "GOOD ＧＯＯＤ", "good\u00a0bad", "good\u2003bad", "good\u3000bad",
    "good\u0085bad", "good\x1cbad", "good\x1fbad", "good\u200bbad", "good\u2028bad",
    "good\u202fbad", "good\u205fbad", "good\u1680bad", "good\tbad", "good\nbad",
    "good\r\nbad", "good\u180ebad", "good\ufeffbad", "GOOD\u00a0day", "café good",
    "CAFÉ GOOD", "naïve love", "Ελλάδα good", "МОСКВА good", "Москва GOOD",
    "東京 good", "良い good", "good ’", "“good”", "‘bad’", "¿good?", "¡good!",
    "e\u0301 good", "GOOD E\u0301", "ｇｏｏｄ", "ÇA VA good", "ÆØÅ GOOD",
    "ǈ good", "Ǉ GOOD", "ŉ good",
    # tokens and punctuation stripping
    "good.bad", "good,bad", "good...bad", "...", "a", "ab", "abc", "!a!", "!ab!",
    "!abc!", "''", "'''good'''", "((((good))))", "http://good.com", "@good_guy",
    "#goodvibes", "#good #bad", "good-bad", "-good-", "_good_", "good's", "goods",
    "x good", "ok ok ok", "I I I I I I I I I I I I good",
    # long and mixed
    "I was not very happy with the service, but the food was really great and the staff were kind of nice!!",
    "OMG!!! This is SO not what I wanted :( but whatever, life goes on :)",
    "Never so happy, never this sad, never ever bored, no fun or games, at least it is done",
    "kind of sort of just enough to die for the shit the bomb yeah right",
    "NO NO NO I DO NOT LIKE IT but I love the colour 😍😍😍 ???",
]


def combos():
    """Rule interactions: a modifier slot before a lexicon word, with case
    and punctuation variants."""
    pre = ["", "not", "very", "not very", "never so", "no", "least", "at least",
           "kind of", "KIND OF", "without doubt", "isn't really", "VERY", "so"]
    words = ["good", "bad", "GOOD", "love", "hate"]
    post = ["", "!", "!!!", "??", " :)", " but great", " but awful"]
    for p, w, q in itertools.product(pre, words, post):
        yield ("the day was %s %s%s" % (p, w, q)).replace("  ", " ")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", default="")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    sia = load_reference(args.ref)
    seen, texts = set(), []
    for t in itertools.chain(CASES, combos()):
        if t not in seen:
            seen.add(t)
            texts.append(t)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for t in texts:
            s = sia.polarity_scores(t)
            f.write(json.dumps({"text": t, "neg": s["neg"], "neu": s["neu"], "pos": s["pos"],
                                "compound": s["compound"]}, ensure_ascii=False) + "\n")
    print("%s: %d cases" % (args.out, len(texts)))


if __name__ == "__main__":
    main()
