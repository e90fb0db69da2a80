package vader

import (
	"math"
	"strconv"
)

var pow10 = [...]float64{1, 10, 100, 1000, 10000}

// pyRound is Python's round(x, digits) for a float: x's exact binary value
// rounded to digits decimals, ties to even, then the nearest float to that
// decimal. Nearly always x*10^digits is far enough from a half that the
// product's rounding error (< 1e-12 here, |x| <= 1) cannot change the
// answer, and r/10^digits (two exact integers, one correctly rounded
// division) is that nearest float. Near a half, strconv decides on the exact
// value, as Python's dtoa does.
func pyRound(x float64, digits int) float64 {
	scale := pow10[digits]
	y := x * scale
	f := math.Floor(y)
	d := y - f // exact for |y| < 2^52
	if math.Abs(d-0.5) < 1e-6 || math.IsInf(y, 0) || math.IsNaN(y) {
		v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', digits, 64), 64)
		return v
	}
	if d > 0.5 {
		f++
	}
	if f == 0 {
		return math.Copysign(0, x) // round(-0.0001, 3) is -0.0
	}
	return f / scale
}
