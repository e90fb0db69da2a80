#!/usr/bin/env python3
"""Run the reference vaderSentiment (Python) over texts, for the Go tests,
the golden file and the benchmark. The reference is not part of TSA: fetch
cjhutto/vaderSentiment (MIT) anywhere outside the repo and point --ref or
TSA_VADER_REF at its vaderSentiment.py, or a directory holding it (directly
or in vaderSentiment/).

Input, stdin: one JSON string per line (--jsonl, default) or label<TAB>text
lines (--tsv). Output, stdout: one JSON object per line,
{"neg":..,"neu":..,"pos":..,"compound":..}, floats in repr (exact).
--bench N: instead time N passes over the texts and print the median posts
per second of wall time, then per second of CPU time (process_time).
"""
import argparse
import importlib.util
import json
import os
import sys
import time


def load_reference(path):
    path = path or os.environ.get("TSA_VADER_REF", "")
    if not path:
        sys.exit("ref.py: set TSA_VADER_REF or --ref to the reference vaderSentiment.py")
    if os.path.isdir(path):
        for cand in (os.path.join(path, "vaderSentiment.py"),
                     os.path.join(path, "vaderSentiment", "vaderSentiment.py")):
            if os.path.isfile(cand):
                path = cand
                break
    if not os.path.isfile(path):
        sys.exit("ref.py: no vaderSentiment.py at %s" % path)
    # Loaded from its file, the module finds its lexicons next to itself.
    spec = importlib.util.spec_from_file_location("vader_reference", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.SentimentIntensityAnalyzer()


def read_texts(tsv):
    texts = []
    for line in sys.stdin.buffer.read().decode("utf-8").split("\n"):
        if tsv:
            if not line:
                continue
            texts.append(line.split("\t", 1)[1] if "\t" in line else line)
        elif line.strip():
            texts.append(json.loads(line))
    return texts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", default="")
    ap.add_argument("--tsv", action="store_true")
    ap.add_argument("--bench", type=int, default=0)
    args = ap.parse_args()
    sia = load_reference(args.ref)
    texts = read_texts(args.tsv)
    if args.bench:
        wall, cpu = [], []
        for _ in range(args.bench):
            t0, c0 = time.perf_counter(), time.process_time()
            for t in texts:
                sia.polarity_scores(t)
            wall.append(len(texts) / (time.perf_counter() - t0))
            cpu.append(len(texts) / max(time.process_time() - c0, 1e-9))
        wall.sort()
        cpu.sort()
        print("%.0f %.0f" % (wall[len(wall) // 2], cpu[len(cpu) // 2]))
        return
    out = sys.stdout
    for t in texts:
        s = sia.polarity_scores(t)
        out.write(json.dumps({"neg": s["neg"], "neu": s["neu"], "pos": s["pos"],
                              "compound": s["compound"]}) + "\n")


if __name__ == "__main__":
    main()
