package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/sentiment/evaluate"
	"github.com/tsaproject/tsa/internal/sentiment/model"
)

func init() {
	commands["train"] = command{"train the default model analyzer from labelled posts", runTrain}
}

func runTrain(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "train", "",
		"Trains the model analyzer on labelled posts (label<TAB>text) and writes its weights. The same data,\n"+
			"flags and seed give byte-identical weights. Prints a validation report on --val (or, without it,\n"+
			"on the training data, which flatters the model).")
	data := fs.String("data", "", "training posts, label<TAB>text (required)")
	out := fs.String("out", "", "where to write the weights (required)")
	val := fs.String("val", "", "validation posts, label<TAB>text")
	seed := fs.Uint64("seed", 1, "random seed for shuffling")
	epochs := fs.Int("epochs", 0, fmt.Sprintf("passes over the data (default %d)", model.DefaultEpochs))
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *data == "" || *out == "" {
		fs.Usage()
		return errUsage
	}
	train, err := readExamples(*data)
	if err != nil {
		return err
	}
	var valEx []model.Example
	if *val != "" {
		if valEx, err = readExamples(*val); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stderr, "training on %d posts from %s (seed %d)\n", len(train), *data, *seed)
	start := time.Now()
	m, err := model.Train(ctx, train, model.TrainOptions{
		Seed: *seed, Epochs: *epochs, Val: valEx,
		Log: func(format string, a ...any) { fmt.Fprintf(e.stderr, format+"\n", a...) },
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "trained in %s\n", time.Since(start).Round(time.Millisecond))
	if err := writeModel(m, *out); err != nil {
		return err
	}
	report, name := valEx, "validation "+*val
	if report == nil {
		report, name = train, "training data "+*data
	}
	gold := make([]sentiment.Label, len(report))
	pred := make([]sentiment.Label, len(report))
	t0 := time.Now()
	for i, x := range report {
		gold[i] = x.Label
		r, err := m.Analyze(ctx, sentiment.Doc{Text: x.Text})
		if err != nil {
			return err
		}
		pred[i] = r.Label
	}
	rep := evaluate.Evaluate(gold, pred)
	rep.PostsPerSec = float64(len(report)) / time.Since(t0).Seconds()
	fmt.Fprintf(e.stdout, "wrote %s\nreport on %s\n", *out, name)
	return rep.WriteText(e.stdout, "model")
}

func readExamples(name string) ([]model.Example, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ex, err := model.ReadTSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ex, nil
}

// writeModel writes atomically, so a failed run never leaves half a file.
func writeModel(m *model.Model, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".weights-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := m.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
