package synth_test

import (
	"testing"

	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/source/sourcetest"
	_ "github.com/tsaproject/tsa/internal/source/synth"
)

func TestConformance(t *testing.T) {
	sourcetest.Run(t, sourcetest.Harness{
		New: func(*testing.T) sourcetest.Upstream {
			return sourcetest.Upstream{Open: func(t *testing.T, state source.StateStore) source.Stream {
				s, err := source.Open("synth://?rate=1000&seed=5&share=0.5", source.Options{State: state})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}}
		},
		Resumes:    true,
		Redelivers: true,
	})
}
