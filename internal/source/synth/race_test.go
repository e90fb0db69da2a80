//go:build race

package synth

// raceEnabled skips timing tests the race detector slows beyond meaning.
const raceEnabled = true
