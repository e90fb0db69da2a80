#!/bin/sh
# Speed of the model analyzer, in process, pinned to one core, beside the
# yardstick its target is set against (a plain Go loop that splits each
# tweet into words and does one map lookup per word: in a map of six words,
# and in AFINN-165's 3,382), in the same run, runs interleaved so that a
# shared machine's load falls on all alike. Prints the median and best ns
# per post of each and the ratios of medians.
#
#   bench/model/run.sh
#
# The real tweets (tweeteval-val) come from ../shared/data (or $TSA_DATA);
# without them only the synthetic posts run. Environment: RUNS (default
# 15), CPU (core to pin to, default 0), BENCHTIME (default 0.5s).
set -eu
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-15}
CPU=${CPU:-0}
BENCHTIME=${BENCHTIME:-0.5s}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/model.test" ./internal/sentiment/model
cd internal/sentiment/model
pin=""
if command -v taskset >/dev/null 2>&1; then pin="taskset -c $CPU"; fi
i=0
while [ "$i" -lt "$RUNS" ]; do
	for b in 'BenchmarkScoreVal$' 'BenchmarkPlainLoopVal$' 'BenchmarkPlainLoopAFINNVal$' 'BenchmarkScore$'; do
		GOMAXPROCS=1 $pin "$tmp/model.test" -test.run '^$' -test.bench "$b" -test.benchtime "$BENCHTIME" 2>/dev/null |
			awk '/^Benchmark/ {sub(/-[0-9]+$/, "", $1); print $1, $3}' >>"$tmp/out"
	done
	i=$((i + 1))
done
sort -k1,1 -k2,2n "$tmp/out" | awk '
	{ v[$1] = v[$1] " " $2 }
	END {
		for (k in v) {
			n = split(v[k], x, " ")
			med[k] = x[int((n + 1) / 2)]
			printf "%-27s median %7.1f ns/post (%9.0f posts/s)  best %7.1f  runs %d\n", k, med[k], 1e9 / med[k], x[1], n
		}
		if (med["BenchmarkScoreVal"] && med["BenchmarkPlainLoopVal"])
			printf "model / plain loop, medians: %.2f of its speed\n", med["BenchmarkPlainLoopVal"] / med["BenchmarkScoreVal"]
		if (med["BenchmarkScoreVal"] && med["BenchmarkPlainLoopAFINNVal"])
			printf "model / plain loop with AFINN, medians: %.2f of its speed\n", med["BenchmarkPlainLoopAFINNVal"] / med["BenchmarkScoreVal"]
	}'
