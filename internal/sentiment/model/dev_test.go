package model

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestDev is the hyperparameter search harness, run by hand:
//
//	TSA_MODEL_DEV='epochs=8 lr=0.1' go test -run TestDev -v ./internal/sentiment/model
//
// Each configuration (separated by ';') is scored by 5-fold cross-validation
// on the training pool and on a temporal hold-out (trained on the first 80%
// of the pool, which is in roughly chronological order, tested on the last
// 20%). With val=1 it is also trained on the whole pool and scored on
// tweeteval-val (look, don't tune).
func TestDev(t *testing.T) {
	spec := os.Getenv("TSA_MODEL_DEV")
	if spec == "" {
		t.Skip("skipped: set TSA_MODEL_DEV to run the hyperparameter harness")
	}
	train := readData(t, trainFile)
	val := readData(t, valFile)
	for _, cfg := range strings.Split(spec, ";") {
		opt, folds, doVal, doCV, doHold := parseDevOpts(t, cfg)
		t.Logf("config %q", strings.TrimSpace(cfg))
		if doCV {
			var sum [3]float64
			for k := 0; k < folds; k++ {
				tr, te := foldSplit(train, folds, k)
				m, err := Train(context.Background(), tr, opt)
				if err != nil {
					t.Fatal(err)
				}
				cm := evaluate(m, te)
				sum[0] += cm.accuracy()
				sum[1] += cm.macroRecall()
				sum[2] += cm.macroF1()
			}
			n := float64(folds)
			t.Logf("  cv%d      acc %.4f  macroR %.4f  macroF1 %.4f", folds, sum[0]/n, sum[1]/n, sum[2]/n)
		}
		if doHold {
			cut := len(train) * 8 / 10
			m, err := Train(context.Background(), train[:cut], opt)
			if err != nil {
				t.Fatal(err)
			}
			cm := evaluate(m, train[cut:])
			t.Logf("  holdout  acc %.4f  macroR %.4f  macroF1 %.4f  %v", cm.accuracy(), cm.macroRecall(), cm.macroF1(), cm)
		}
		if doVal {
			m, err := Train(context.Background(), train, opt)
			if err != nil {
				t.Fatal(err)
			}
			cm := evaluate(m, val)
			t.Logf("  val      acc %.4f  macroR %.4f  macroF1 %.4f  %v", cm.accuracy(), cm.macroRecall(), cm.macroF1(), cm)
		}
	}
}

// foldSplit returns the k-th of n folds of a fixed random permutation.
func foldSplit(ex []Example, n, k int) (train, test []Example) {
	perm := rand.New(rand.NewPCG(7, 7)).Perm(len(ex))
	for i, p := range perm {
		if i%n == k {
			test = append(test, ex[p])
		} else {
			train = append(train, ex[p])
		}
	}
	return train, test
}

func parseDevOpts(t *testing.T, s string) (opt TrainOptions, folds int, val, cv, hold bool) {
	folds, cv, hold = 5, true, true
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		f, err := strconv.ParseFloat(v, 64)
		if err != nil && k != "feat" {
			t.Fatalf("%s: %v", kv, err)
		}
		switch k {
		case "epochs":
			opt.Epochs = int(f)
		case "lr":
			opt.LearningRate = f
		case "runs":
			opt.Runs = int(f)
		case "dlr":
			opt.DenseLearningRate = f
		case "l2":
			opt.L2 = f
		case "bits":
			opt.Bits = int(f)
		case "avg":
			opt.AverageEpochs = int(f)
		case "unbal":
			opt.Unbalanced = f != 0
		case "seed":
			opt.Seed = uint64(f)
		case "folds":
			folds = int(f)
		case "val":
			val = f != 0
		case "cv":
			cv = f != 0
		case "hold":
			hold = f != 0
		case "feat":
			opt.features = parseFeat(t, v)
		default:
			t.Fatalf("unknown option %q", k)
		}
	}
	return
}

var featNames = map[string]uint32{
	"bi": ffBigram, "negboth": ffNegBoth, "prefix": ffPrefix, "char": ffChar,
	"lexind": ffLexInd, "dense": ffDense, "nourl": ffNoURL, "tri": ffTrigram,
}

// parseFeat reads a feature set such as "bi+lexind+dense".
func parseFeat(t *testing.T, s string) uint32 {
	var f uint32
	for _, n := range strings.Split(s, "+") {
		b, ok := featNames[n]
		if !ok {
			t.Fatalf("unknown feature %q", n)
		}
		f |= b
	}
	return f
}

func (cm confusion) String() string {
	return fmt.Sprintf("[R neg %.3f neu %.3f pos %.3f]", cm.recall(0), cm.recall(1), cm.recall(2))
}
