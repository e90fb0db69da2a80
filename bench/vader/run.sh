#!/bin/sh
# Posts per second of TSA's vader analyzer (Go, in process, pinned to one
# core) and of the reference vaderSentiment (Python) on the same posts, in
# the same run, runs interleaved so that a shared machine's load falls on
# both alike; optionally govader too. Prints medians and ratios.
#
#   TSA_VADER_REF=/path/to/vaderSentiment.py bench/vader/run.sh [texts]
#
# texts: one post a line, "label<TAB>text" or text. Default: the labelled
# tweets in ../shared/data when present, else synthetic tweets made by the
# Go tests. Environment: RUNS (default 5), CPU (core to pin to, default 0),
# GOVADER_BENCH: optional, a program of your own, kept outside this
# repository, that reads the same lines on stdin and, given -bench 1, prints
# the posts per second of wall time and of CPU time of govader
# (github.com/jonreiter/govader) over them.
#
# Both rates are reported: on a shared machine the wall clock also counts
# the time other processes held the core, CPU time does not.
set -eu
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
CPU=${CPU:-0}
: "${TSA_VADER_REF:?set TSA_VADER_REF to the reference vaderSentiment.py}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

texts=${1:-}
if [ -z "$texts" ]; then
	data=../shared/data
	if [ -f "$data/semeval-2013-2016-train.tsv" ] && [ -f "$data/tweeteval-val.tsv" ]; then
		cat "$data/semeval-2013-2016-train.tsv" "$data/tweeteval-val.tsv" >"$tmp/texts"
		what="the labelled tweets of ../shared/data"
	else
		TSA_VADER_WRITE_TEXTS="$tmp/texts" go test -count=1 -run '^TestWriteBenchTexts$' ./internal/sentiment/vader >/dev/null
		what="synthetic tweets (TestWriteBenchTexts)"
	fi
	texts="$tmp/texts"
else
	what="$texts"
fi
n=$(grep -c . "$texts")
bytes=$(awk -F'\t' 'NF { s += length($NF) } END { printf "%.0f", s / NR }' "$texts")

go test -c -o "$tmp/vader.test" ./internal/sentiment/vader

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: >"$tmp/go"
: >"$tmp/gocpu"
: >"$tmp/py"
: >"$tmp/pycpu"
: >"$tmp/gv"
: >"$tmp/gvcpu"
for i in $(seq "$RUNS"); do
	TSA_VADER_BENCH_TEXTS="$texts" taskset -c "$CPU" "$tmp/vader.test" -test.run '^$' \
		-test.bench '^BenchmarkPolarityScores/file$' -test.benchtime 2s >"$tmp/out"
	awk '/posts\/s/ { for (i = 1; i < NF; i++) { if ($(i+1) == "posts/s") print $i } }' "$tmp/out" >>"$tmp/go"
	awk '/posts\/cpu-s/ { for (i = 1; i < NF; i++) { if ($(i+1) == "posts/cpu-s") print $i } }' "$tmp/out" >>"$tmp/gocpu"
	taskset -c "$CPU" python3 bench/vader/ref.py --tsv --bench 1 <"$texts" >"$tmp/out"
	awk '{ print $1 >> "'"$tmp/py"'"; print $2 >> "'"$tmp/pycpu"'" }' "$tmp/out"
	if [ -n "${GOVADER_BENCH:-}" ]; then
		taskset -c "$CPU" "$GOVADER_BENCH" -bench 1 <"$texts" >"$tmp/out"
		awk '{ print $1 >> "'"$tmp/gv"'"; print $2 >> "'"$tmp/gvcpu"'" }' "$tmp/out"
	fi
done

g=$(median <"$tmp/go")
gc=$(median <"$tmp/gocpu")
p=$(median <"$tmp/py")
pc=$(median <"$tmp/pycpu")
ratio() { echo "$1 $2" | awk '{ printf "%.1f", $1 / $2 }'; }
echo "posts: $n ($what), mean $bytes bytes"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median of $RUNS interleaved runs, pinned to core $CPU; posts per second of wall time | of CPU time:"
printf '  %-28s %10.0f | %10.0f\n' "tsa vader (Go, in process)" "$g" "$gc"
printf '  %-28s %10.0f | %10.0f   (Go is %sx | %sx)\n' "vaderSentiment (Python 3)" "$p" "$pc" "$(ratio "$g" "$p")" "$(ratio "$gc" "$pc")"
if [ -s "$tmp/gv" ]; then
	v=$(median <"$tmp/gv")
	vc=$(median <"$tmp/gvcpu")
	printf '  %-28s %10.0f | %10.0f   (Go is %sx | %sx)\n' "govader (Go)" "$v" "$vc" "$(ratio "$g" "$v")" "$(ratio "$gc" "$vc")"
fi
echo "runs, wall: go $(tr '\n' ' ' <"$tmp/go")| python $(tr '\n' ' ' <"$tmp/py")${GOVADER_BENCH:+| govader $(tr '\n' ' ' <"$tmp/gv")}"
