package model

import (
	"bytes"
	"context"
	"flag"
	"os"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "retrain the model on the development data and rewrite weights.bin")

// TestWeightsReproduce retrains the model from the development data with
// the default options and seed and checks that the result is byte for byte
// the committed weights.bin. With -update it rewrites weights.bin instead:
//
//	go test ./internal/sentiment/model -run TestWeightsReproduce -update
func TestWeightsReproduce(t *testing.T) {
	if testing.Short() && !*update {
		t.Skip("skipped in -short mode: retrains the model")
	}
	train := readData(t, trainFile)
	start := time.Now()
	m, err := Train(context.Background(), train, TrainOptions{Seed: 1, Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	t.Logf("trained in %v, %d bytes", time.Since(start).Round(time.Millisecond), buf.Len())
	if *update {
		if err := os.WriteFile("weights.bin", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("wrote weights.bin")
		return
	}
	if !bytes.Equal(buf.Bytes(), embedded) {
		t.Fatalf("retrained weights (%d bytes) differ from the committed weights.bin (%d bytes): "+
			"training is not reproducible, or the features changed without retraining; "+
			"regenerate with: go test ./internal/sentiment/model -run TestWeightsReproduce -update",
			buf.Len(), len(embedded))
	}
}

// TestEmbeddedAccuracy checks the committed model on tweeteval-val.
func TestEmbeddedAccuracy(t *testing.T) {
	val := readData(t, valFile)
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	cm := evaluate(m, val)
	t.Logf("tweeteval-val: accuracy %.4f, macro-recall %.4f, macro-F1 %.4f %v",
		cm.accuracy(), cm.macroRecall(), cm.macroF1(), cm)
	if r := cm.macroRecall(); r < 0.65 {
		t.Errorf("macro-recall %.4f on tweeteval-val, want >= 0.65", r)
	}
}
