package synth

import "math/bits"

// rng is wyrand: a tiny, fast generator whose whole state is one word, so
// every post can own a fresh one derived from (seed, post number). That
// makes post n a pure function of the seed, n and the keyword set, and lets
// the generator seek without replaying earlier posts.
type rng struct{ s uint64 }

func (r *rng) u64() uint64 {
	r.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// intn returns a number in [0, n) by Lemire's multiply-shift; the bias is
// below 2^-40 for the list sizes used here.
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.u64(), uint64(n))
	return int(hi)
}

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.u64()>>11) * 0x1p-53 }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

func pick[T any](r *rng, l []T) T { return l[r.intn(len(l))] }

// mix is splitmix64's finaliser: it spreads (seed, n) pairs that differ in a
// few bits into unrelated generator states.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashString is FNV-1a; it seeds a keyword's drift from its text.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
