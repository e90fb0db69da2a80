package main

// The analyzers built into the binary; cmd/tsa is the only place that knows
// every backend.
import (
	_ "github.com/tsaproject/tsa/internal/sentiment/afinn"
	_ "github.com/tsaproject/tsa/internal/sentiment/comprehend"
	_ "github.com/tsaproject/tsa/internal/sentiment/httpmodel"
	_ "github.com/tsaproject/tsa/internal/sentiment/model"
	_ "github.com/tsaproject/tsa/internal/sentiment/vader"
)
