//go:build bench_model

package track

// The default analyzer for BenchmarkEngineIngest/analyzer=default:
// go test -tags bench_model -run '^$' -bench EngineIngest ./internal/track
import _ "github.com/tsaproject/tsa/internal/sentiment/model"
