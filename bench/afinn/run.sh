#!/usr/bin/env bash
# Posts per second of TSA's afinn analyzer and of the npm package it
# reproduces, sentiment@5.0.2 (Node), on the same posts, pinned to one core,
# runs interleaved so that a shared machine's load falls on all alike.
# Prints medians and ratios, wall time and CPU time.
#
#   bench/afinn/run.sh [--tsa bin/tsa] [texts]
#
# texts: one post a line, "label<TAB>text" or text. Default: the labelled
# tweets of ../shared/data when present (never copied into the repository),
# else synthetic tweets made by the Go tests.
#
# Measured, each run:
#   go in-process   BenchmarkAnalyze/file: Analyze in a loop, one goroutine
#   node analyze()  bench/afinn/loop.js: analyze() alone in a loop
#   node process    bench/afinn/analyze.js FILE > /dev/null: read lines,
#                   analyze, print JSON per line (what `tsa analyze` does)
#   tsa process     tsa analyze --analyzer afinn FILE > /dev/null, when the
#                   binary (--tsa, $TSA_BIN, default bin/tsa) exists
#
# Environment: RUNS (default 5), CPU (core to pin to, default 0).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
CPU=${CPU:-0}
TSA_BIN=${TSA_BIN:-bin/tsa}
if [ "${1:-}" = "--tsa" ]; then
	TSA_BIN=$2
	shift 2
fi
for tool in node npm go taskset; do
	command -v "$tool" >/dev/null || { echo "run.sh: $tool is needed" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The reference, in the directory the Go tests cache it in.
ref=${TMPDIR:-/tmp}/tsa-afinn-sentiment-5.0.2
if [ ! -f "$ref/node_modules/sentiment/package.json" ]; then
	npm install --prefix "$tmp/npm" --no-audit --no-fund --no-save sentiment@5.0.2 >/dev/null
	mv "$tmp/npm" "$ref" 2>/dev/null || true
fi
export NODE_PATH=$ref/node_modules

texts=${1:-}
if [ -z "$texts" ]; then
	data=../shared/data
	if [ -f "$data/semeval-2013-2016-train.tsv" ] && [ -f "$data/tweeteval-val.tsv" ]; then
		cat "$data/semeval-2013-2016-train.tsv" "$data/tweeteval-val.tsv" >"$tmp/in.tsv"
		what="the labelled tweets of ../shared/data"
	else
		TSA_AFINN_WRITE_TEXTS="$tmp/in.txt" go test -count=1 -run '^TestWriteBenchTexts$' ./internal/sentiment/afinn >/dev/null
		what="synthetic tweets (TestWriteBenchTexts)"
	fi
	texts=$(ls "$tmp"/in.*)
else
	what=$texts
fi
# Every program reads the same file of bare texts.
case "$texts" in
*.tsv) cut -f2- "$texts" >"$tmp/posts.txt" ;;
*) cp "$texts" "$tmp/posts.txt" ;;
esac
posts=$tmp/posts.txt
n=$(wc -l <"$posts")
bytes=$(awk '{ s += length($0) } END { printf "%.0f", s / NR }' "$posts")

go test -c -o "$tmp/afinn.test" ./internal/sentiment/afinn
have_tsa=
if [ -x "$TSA_BIN" ]; then
	have_tsa=1
fi

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# timed NAME CMD...: runs CMD pinned, output to /dev/null; appends posts per
# second of wall time to $tmp/NAME and of CPU time to $tmp/NAME.cpu.
timed() {
	local name=$1
	shift
	local TIMEFORMAT='%R %U %S'
	# A post the program rejects (tsa: a line starting with '{' that is not
	# JSON) makes the exit status 1 but is still a post handled.
	{ time taskset -c "$CPU" "$@" >/dev/null 2>&1 || true; } 2>"$tmp/time"
	tail -n1 "$tmp/time" | awk -v n="$n" '{ print n / $1 >> "'"$tmp/$name"'"; print n / ($2 + $3) >> "'"$tmp/$name.cpu"'" }'
}
for f in go node proc tsa; do : >"$tmp/$f"; : >"$tmp/$f.cpu"; done

for i in $(seq "$RUNS"); do
	TSA_AFINN_BENCH_TEXTS="$posts" taskset -c "$CPU" "$tmp/afinn.test" -test.run '^$' \
		-test.bench '^BenchmarkAnalyze/file$' -test.benchtime 2s >"$tmp/out"
	awk '{ for (i = 1; i < NF; i++) { if ($(i+1) == "posts/s") print $i >> "'"$tmp/go"'"; if ($(i+1) == "posts/cpu-s") print $i >> "'"$tmp/go.cpu"'" } }' "$tmp/out"
	taskset -c "$CPU" node bench/afinn/loop.js "$posts" 2 >"$tmp/out"
	awk '{ print $1 >> "'"$tmp/node"'"; print $2 >> "'"$tmp/node.cpu"'" }' "$tmp/out"
	timed proc node bench/afinn/analyze.js "$posts"
	if [ -n "$have_tsa" ]; then
		timed tsa "$TSA_BIN" analyze --analyzer afinn "$posts"
	fi
done

# The whole-process outputs should say the same; check once.
agree="(no tsa binary at $TSA_BIN: build it with make build)"
if [ -n "$have_tsa" ]; then
	node bench/afinn/analyze.js "$posts" >"$tmp/node.jsonl"
	"$TSA_BIN" analyze --analyzer afinn "$posts" >"$tmp/tsa.jsonl" 2>/dev/null || true
	agree=$(node bench/afinn/compare.js "$tmp/node.jsonl" "$tmp/tsa.jsonl" | tail -n1)
fi

ratio() { echo "$1 $2" | awk '{ printf "%.1f", $1 / $2 }'; }
row() { printf '  %-34s %11.0f | %11.0f%s\n' "$1" "$2" "$3" "${4:-}"; }
g=$(median <"$tmp/go"); gc=$(median <"$tmp/go.cpu")
j=$(median <"$tmp/node"); jc=$(median <"$tmp/node.cpu")
p=$(median <"$tmp/proc"); pc=$(median <"$tmp/proc.cpu")
echo "posts: $n ($what), mean $bytes bytes"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "node $(node --version), $(go version | cut -d' ' -f3); median of $RUNS interleaved runs pinned to core $CPU"
echo "posts per second of wall time | of CPU time:"
row "go afinn.Analyze, in process" "$g" "$gc"
row "node sentiment analyze(), loop" "$j" "$jc" "   (Go is $(ratio "$g" "$j")x | $(ratio "$gc" "$jc")x)"
row "node, read+analyze+print JSON" "$p" "$pc"
if [ -n "$have_tsa" ]; then
	t=$(median <"$tmp/tsa"); tc=$(median <"$tmp/tsa.cpu")
	row "tsa analyze --analyzer afinn" "$t" "$tc" "   (tsa is $(ratio "$t" "$p")x | $(ratio "$tc" "$pc")x node's process)"
fi
echo "tsa and node outputs: $agree"
