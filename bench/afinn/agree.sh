#!/bin/sh
# Agreement of internal/sentiment/afinn with the real sentiment@5.0.2 (Node)
# on files of posts kept outside the repository, one post a line
# ("label<TAB>text" for .tsv). Prints the share of posts with the same score
# and comparative, and the line numbers of any others, never the texts.
#
#   bench/afinn/agree.sh [FILE...]    (default: the tweets of ../shared/data)
#
# Needs node and npm (the test installs sentiment@5.0.2 into a temp dir).
set -eu
cd "$(dirname "$0")/../.."
if [ $# -eq 0 ]; then
	set -- ../shared/data/semeval-2013-2016-train.tsv ../shared/data/tweeteval-val.tsv
fi
files=$(for f in "$@"; do readlink -f "$f"; done | paste -sd, -)
TSA_AFINN_CORPUS=$files go test -count=1 -run '^TestCorpusAgreement$' -v ./internal/sentiment/afinn |
	grep -E 'agree|differ|node|skip|SKIP|FAIL|^ok'
