#!/bin/sh
# Builds bin/tsa and the load harness, then runs the configurations quoted in
# docs/BENCHMARKS.md ("tsa serve (load harness)"), 3 times each, printing medians.
# Extra arguments go to every harness invocation (e.g. -duration 20s).
set -eu
cd "$(dirname "$0")/../.."
go build -o bin/tsa ./cmd/tsa
go build -o bin/tsa-load ./bench/load
cat /proc/loadavg
bin/tsa-load -runs 3 -rate 150000 "$@"                # 100 clients x 3 of 10 keywords, recording on 3
cat /proc/loadavg
bin/tsa-load -runs 3 -mode idle "$@"                  # 10,000 clients x 3 keywords at 100 posts/s
cat /proc/loadavg
