package afinn

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The reference is the real npm package, installed once per machine under
// os.TempDir() and driven through a small script: texts go in hex-encoded
// (so any bytes survive; Node decodes them as UTF-8 with U+FFFD, the
// behaviour Score documents), [score, comparative] come out as JSON.

const refVersion = "sentiment@5.0.2"

const refScript = `'use strict';
const Sentiment = require('sentiment');
const s = new Sentiment();
const rl = require('readline').createInterface({input: process.stdin});
const out = [];
rl.on('line', (h) => {
  const r = s.analyze(Buffer.from(h, 'hex').toString('utf8'));
  out.push(JSON.stringify([r.score, r.comparative]));
});
rl.on('close', () => { process.stdout.write(out.join('\n') + (out.length ? '\n' : '')); });
`

type refResult struct {
	Score       int
	Comparative float64
}

var (
	refOnce sync.Once
	refDir  string
	refErr  error // why the reference is unavailable
)

// refInstall installs sentiment@5.0.2 into a cached directory, once.
func refInstall() (string, error) {
	refOnce.Do(func() {
		for _, tool := range []string{"node", "npm"} {
			if _, err := exec.LookPath(tool); err != nil {
				refErr = fmt.Errorf("%s not found on PATH", tool)
				return
			}
		}
		dir := filepath.Join(os.TempDir(), "tsa-afinn-"+strings.ReplaceAll(refVersion, "@", "-"))
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "sentiment", "package.json")); err != nil {
			// Install beside the cache and rename, so concurrent test runs
			// never see a half-installed package.
			tmp, err := os.MkdirTemp(os.TempDir(), "tsa-afinn-install-")
			if err != nil {
				refErr = fmt.Errorf("temp dir: %w", err)
				return
			}
			defer os.RemoveAll(tmp)
			cmd := exec.Command("npm", "install", "--prefix", tmp, "--no-audit", "--no-fund", "--no-save", refVersion)
			if out, err := cmd.CombinedOutput(); err != nil {
				refErr = fmt.Errorf("npm install %s: %w\n%s", refVersion, err, out)
				return
			}
			if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, os.ErrExist) {
				if _, statErr := os.Stat(filepath.Join(dir, "node_modules")); statErr != nil {
					refErr = fmt.Errorf("install into %s: %w", dir, err)
					return
				}
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "score.js"), []byte(refScript), 0o644); err != nil {
			refErr = fmt.Errorf("write score.js: %w", err)
			return
		}
		refDir = dir
	})
	return refDir, refErr
}

// reference returns a function scoring texts with the real package, or
// skips the test, saying why, when Node or the package cannot be had.
func reference(t testing.TB) func(texts []string) []refResult {
	t.Helper()
	dir, err := refInstall()
	if err != nil {
		t.Skipf("reference %s unavailable, skipping comparison: %v", refVersion, err)
	}
	return func(texts []string) []refResult {
		t.Helper()
		res, err := runReference(dir, texts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
}

func runReference(dir string, texts []string) ([]refResult, error) {
	var in bytes.Buffer
	for _, s := range texts {
		in.WriteString(hex.EncodeToString([]byte(s)))
		in.WriteByte('\n')
	}
	cmd := exec.Command("node", filepath.Join(dir, "score.js"))
	cmd.Dir = dir
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("node score.js: %w\n%s", err, stderr.Bytes())
	}
	res := make([]refResult, 0, len(texts))
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var pair [2]json.Number
		if err := json.Unmarshal(sc.Bytes(), &pair); err != nil {
			return nil, fmt.Errorf("node output line %d %q: %w", len(res)+1, sc.Text(), err)
		}
		score, err := strconv.Atoi(pair[0].String())
		if err != nil {
			return nil, fmt.Errorf("node score %q: %w", pair[0], err)
		}
		cmp, err := strconv.ParseFloat(pair[1].String(), 64)
		if err != nil {
			return nil, fmt.Errorf("node comparative %q: %w", pair[1], err)
		}
		res = append(res, refResult{score, cmp})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read node output: %w", err)
	}
	if len(res) != len(texts) {
		return nil, fmt.Errorf("node scored %d texts, want %d", len(res), len(texts))
	}
	return res, nil
}

// compare checks Score against the reference on every text and returns how
// many agreed. Mismatches are reported by index (quote reports the text
// itself only when it is safe to print, i.e. our own synthetic texts).
func compare(t *testing.T, texts []string, want []refResult, quote bool) int {
	t.Helper()
	ok, shown := 0, 0
	for i, s := range texts {
		c := Score(s)
		if c.Score == want[i].Score && c.Comparative() == want[i].Comparative {
			ok++
			continue
		}
		if shown++; shown <= 20 {
			what := fmt.Sprintf("#%d", i+1)
			if quote {
				what += fmt.Sprintf(" %+q", s)
			}
			t.Errorf("%s: score %d comparative %v, node %d %v", what, c.Score, c.Comparative(), want[i].Score, want[i].Comparative)
		}
	}
	return ok
}
