// Package evaluate measures an analyzer against labelled posts: accuracy,
// macro-averaged recall (SemEval-2017 4A's official metric), macro-F1,
// per-class precision, recall and F1, and the confusion matrix.
package evaluate

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/tsaproject/tsa/internal/sentiment"
)

// Example is one labelled post.
type Example struct {
	Label sentiment.Label
	Text  string
}

// MaxLine is the longest TSV line accepted.
const MaxLine = 1 << 20

// ReadTSV reads `label<TAB>text` lines. Blank lines are skipped; a malformed
// line is an error that names its line number.
func ReadTSV(r io.Reader, name string) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLine)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(s) == "" {
			continue
		}
		lab, text, ok := strings.Cut(s, "\t")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want label<TAB>text, found no tab", name, line)
		}
		l, err := sentiment.ParseLabel(lab)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		out = append(out, Example{Label: l, Text: text})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return out, nil
}

// ClassReport holds the figures of one class.
type ClassReport struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Report is the result of an evaluation. Classes are the gold labels present,
// in sentiment.Labels order; Confusion[gold][predicted] counts posts, over
// every label either side used.
type Report struct {
	N           int                       `json:"n"`
	Accuracy    float64                   `json:"accuracy"`
	MacroF1     float64                   `json:"macro_f1"`
	MacroRecall float64                   `json:"macro_recall"`
	PerClass    map[string]ClassReport    `json:"per_class"`
	Confusion   map[string]map[string]int `json:"confusion"`
	PostsPerSec float64                   `json:"posts_per_sec"`
	Classes     []string                  `json:"-"`
	Seen        []string                  `json:"-"` // every label on either side
}

// Evaluate compares predictions with gold labels (same length).
func Evaluate(gold, pred []sentiment.Label) Report {
	if len(gold) != len(pred) {
		panic(fmt.Sprintf("evaluate: %d gold labels, %d predictions", len(gold), len(pred)))
	}
	const k = len(sentiment.Labels)
	var conf [k][k]int
	var goldSeen, anySeen [k]bool
	correct := 0
	for i := range gold {
		g, p := gold[i].Index(), pred[i].Index()
		if g < 0 || p < 0 {
			panic(fmt.Sprintf("evaluate: unknown label %q or %q", gold[i], pred[i]))
		}
		conf[g][p]++
		goldSeen[g], anySeen[g], anySeen[p] = true, true, true
		if g == p {
			correct++
		}
	}
	rep := Report{
		N:         len(gold),
		PerClass:  map[string]ClassReport{},
		Confusion: map[string]map[string]int{},
	}
	if rep.N > 0 {
		rep.Accuracy = float64(correct) / float64(rep.N)
	}
	for i, l := range sentiment.Labels {
		if anySeen[i] {
			rep.Seen = append(rep.Seen, string(l))
		}
	}
	for gi, gl := range sentiment.Labels {
		if !anySeen[gi] {
			continue
		}
		row := map[string]int{}
		for pi, pl := range sentiment.Labels {
			if anySeen[pi] {
				row[string(pl)] = conf[gi][pi]
			}
		}
		rep.Confusion[string(gl)] = row
	}
	for i, l := range sentiment.Labels {
		if !goldSeen[i] {
			continue
		}
		var tp, support, predicted int
		tp = conf[i][i]
		for j := range k {
			support += conf[i][j]
			predicted += conf[j][i]
		}
		var c ClassReport
		c.Support = support
		if predicted > 0 {
			c.Precision = float64(tp) / float64(predicted)
		}
		if support > 0 {
			c.Recall = float64(tp) / float64(support)
		}
		if c.Precision+c.Recall > 0 {
			c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
		}
		rep.PerClass[string(l)] = c
		rep.Classes = append(rep.Classes, string(l))
		rep.MacroF1 += c.F1
		rep.MacroRecall += c.Recall
	}
	if n := len(rep.Classes); n > 0 {
		rep.MacroF1 /= float64(n)
		rep.MacroRecall /= float64(n)
	}
	return rep
}

// WriteText prints the report for a person.
func (r Report) WriteText(w io.Writer, analyzer string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "analyzer      %s\n", analyzer)
	fmt.Fprintf(&b, "n             %d\n", r.N)
	fmt.Fprintf(&b, "accuracy      %.4f\n", r.Accuracy)
	fmt.Fprintf(&b, "macro-F1      %.4f\n", r.MacroF1)
	fmt.Fprintf(&b, "macro-recall  %.4f\n", r.MacroRecall)
	fmt.Fprintf(&b, "posts/s       %.0f\n\n", r.PostsPerSec)
	fmt.Fprintf(&b, "%-10s %9s %9s %9s %8s\n", "class", "precision", "recall", "f1", "support")
	for _, c := range r.Classes {
		pc := r.PerClass[c]
		fmt.Fprintf(&b, "%-10s %9.4f %9.4f %9.4f %8d\n", c, pc.Precision, pc.Recall, pc.F1, pc.Support)
	}
	fmt.Fprintf(&b, "\nconfusion (rows: gold, columns: predicted)\n%-10s", "")
	for _, p := range r.Seen {
		fmt.Fprintf(&b, " %9s", p)
	}
	b.WriteByte('\n')
	for _, g := range r.Seen {
		fmt.Fprintf(&b, "%-10s", g)
		for _, p := range r.Seen {
			fmt.Fprintf(&b, " %9d", r.Confusion[g][p])
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
