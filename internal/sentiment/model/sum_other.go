//go:build !amd64 || purego

package model

func sumWeights(w *wpair, ids *uint32, n int) (neg, pos int64) { return sumWeightsGo(w, ids, n) }

func denseDot(x *[nDense]float32, d *[nDense][2]float32) (neg, pos float32) {
	return denseDotGo(x, d)
}
