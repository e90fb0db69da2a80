//go:build amd64 && !purego

package model

// plainWords takes a run of plain words and tokens from st.s[st.i:],
// writing two feature ids for each to ids; see plainWordsGo, which it
// matches exactly (TestPlainWordsAsm). The assembly classifies sixteen
// bytes at a time with SSE2 and keeps the running state in registers,
// which the Go compiler does not manage for this loop.
//
//go:noescape
func plainWords(st *runState, ids *uint32)

// lowBits[l] has the low l bits set.
//
//lint:ignore U1000 read by plainwords_amd64.s
var lowBits = [17]uint32{0, 1, 3, 7, 15, 31, 63, 127, 255, 511, 1023, 2047, 4095, 8191, 16383, 32767, 65535}

// classifyBytes holds the sixteen-byte constants of the assembly's
// classification: '/', ':', 0x20, '`' and '{' repeated.
//
//lint:ignore U1000 read by plainwords_amd64.s
var classifyBytes = func() (b [80]byte) {
	for i, c := range []byte{'/', ':', 0x20, '`', '{'} {
		for j := range 16 {
			b[16*i+j] = c
		}
	}
	return b
}()

// plainBytes has, for each byte, plainFirst's bits and 0x80 where plainEnd
// is set: the assembly checks both with one table.
//
//lint:ignore U1000 read by plainwords_amd64.s
var plainBytes = func() (t [256]uint8) {
	for c := range t {
		t[c] = plainFirst[c]
		if plainEnd[c] {
			t[c] |= 0x80
		}
	}
	return t
}()

// hashSeeds[l] is hashWord's starting value for a word of l bytes.
//
//lint:ignore U1000 read by plainwords_amd64.s
var hashSeeds = func() (t [17]uint64) {
	for l := range t {
		t[l] = uint64(l)*0x9e3779b97f4a7c15 ^ 0x6a09e667f3bcc909
	}
	return t
}()

// headMasks[l] has 0xff in its first l of sixteen bytes.
//
//lint:ignore U1000 read by plainwords_amd64.s
var headMasks = func() (m [9][16]byte) {
	for l := range m {
		for k := range l {
			m[l][k] = 0xff
		}
	}
	return m
}()
