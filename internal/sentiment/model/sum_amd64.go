//go:build amd64 && !purego

package model

// sumWeights returns the sums of the neg and pos weights w[id] of the n
// ids (each below len(w)); sumWeightsGo is the same in Go, which the
// compiler turns into three times the instructions.
//
//go:noescape
func sumWeights(w *wpair, ids *uint32, n int) (neg, pos int64)

// denseDot returns the dot products of the dense features with the neg and
// pos weights, as sums over even and odd features (two SSE lanes each)
// added at the end: the same operations in the same order as denseDotGo,
// so the same bits (TestDenseDot).
//
//go:noescape
func denseDot(x *[nDense]float32, d *[nDense][2]float32) (neg, pos float32)
