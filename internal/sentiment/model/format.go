package model

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
)

// The weights file, little-endian:
//
//	magic    [4]byte  "TSAm"
//	version  uint16   formatVersion
//	features uint16   featureVersion: the tokenizer and featurizer revision
//	bits     uint8    2^bits hashed buckets
//	_        [3]byte  zero
//	flags    uint32   feature switches (ff*)
//	ndense   uint16   number of dense features
//	_        uint16   zero
//	scale    float32  multiplier of the quantised sparse weights
//	dense    ndense × [neg, pos] float32
//	sparse   2^bits × [neg, pos] int16
//	crc      uint32   CRC-32 (IEEE) of everything before it
const (
	magic         = "TSAm"
	formatVersion = 1
	// featureVersion changes whenever the tokenizer or the features change
	// meaning, so that weights trained for other features are refused.
	featureVersion = 2
	headerSize     = 4 + 2 + 2 + 1 + 3 + 4 + 2 + 2 + 4
	minBits        = 10
	maxBits        = 24
)

// ErrCorrupt is returned by Load for a file that is not a model or is damaged.
var ErrCorrupt = errors.New("model: corrupt weights file")

// WriteTo writes the model in its binary format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := &countingWriter{w: bw, crc: crc32.NewIEEE()}
	var h [headerSize]byte
	copy(h[:4], magic)
	binary.LittleEndian.PutUint16(h[4:], formatVersion)
	binary.LittleEndian.PutUint16(h[6:], featureVersion)
	h[8] = m.bits
	binary.LittleEndian.PutUint32(h[12:], m.flags)
	binary.LittleEndian.PutUint16(h[16:], nDense)
	binary.LittleEndian.PutUint32(h[20:], math.Float32bits(m.scale))
	cw.write(h[:])
	var b [8]byte
	for _, d := range m.dense {
		binary.LittleEndian.PutUint32(b[0:], math.Float32bits(d[0]))
		binary.LittleEndian.PutUint32(b[4:], math.Float32bits(d[1]))
		cw.write(b[:])
	}
	buf := make([]byte, 0, 1<<16)
	for _, p := range m.sparse {
		buf = binary.LittleEndian.AppendUint16(buf, uint16(p.neg))
		buf = binary.LittleEndian.AppendUint16(buf, uint16(p.pos))
		if len(buf) == cap(buf) {
			cw.write(buf)
			buf = buf[:0]
		}
	}
	cw.write(buf)
	binary.LittleEndian.PutUint32(b[:4], cw.crc.Sum32())
	cw.write(b[:4])
	if cw.err == nil {
		cw.err = bw.Flush()
	}
	return cw.n, cw.err
}

type countingWriter struct {
	w   io.Writer
	crc hash.Hash32
	n   int64
	err error
}

func (c *countingWriter) write(p []byte) {
	if c.err != nil {
		return
	}
	c.crc.Write(p)
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
}

// Load reads a model written by WriteTo. It returns an error wrapping
// ErrCorrupt when the file is truncated, damaged (checksum) or not a model
// file, and a plain error when it is a model of another version.
func Load(r io.Reader) (*Model, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	crc := crc32.NewIEEE()
	read := func(p []byte) error {
		if _, err := io.ReadFull(br, p); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%w: truncated", ErrCorrupt)
			}
			return err
		}
		crc.Write(p)
		return nil
	}
	var h [headerSize]byte
	if err := read(h[:]); err != nil {
		return nil, err
	}
	if string(h[:4]) != magic {
		return nil, fmt.Errorf("%w: not a model file (magic %q)", ErrCorrupt, h[:4])
	}
	if v := binary.LittleEndian.Uint16(h[4:]); v != formatVersion {
		return nil, fmt.Errorf("model: weights file format version %d, this build reads %d", v, formatVersion)
	}
	if v := binary.LittleEndian.Uint16(h[6:]); v != featureVersion {
		return nil, fmt.Errorf("model: weights trained for feature version %d, this build has %d: retrain", v, featureVersion)
	}
	m := &Model{bits: h[8], flags: binary.LittleEndian.Uint32(h[12:])}
	if m.bits < minBits || m.bits > maxBits {
		return nil, fmt.Errorf("%w: %d hash bits", ErrCorrupt, m.bits)
	}
	if nd := binary.LittleEndian.Uint16(h[16:]); nd != nDense {
		return nil, fmt.Errorf("%w: %d dense features, want %d", ErrCorrupt, nd, nDense)
	}
	m.scale = math.Float32frombits(binary.LittleEndian.Uint32(h[20:]))
	if !finite32(m.scale) {
		return nil, fmt.Errorf("%w: bad scale", ErrCorrupt)
	}
	var b [8]byte
	for j := range m.dense {
		if err := read(b[:]); err != nil {
			return nil, err
		}
		m.dense[j][0] = math.Float32frombits(binary.LittleEndian.Uint32(b[0:]))
		m.dense[j][1] = math.Float32frombits(binary.LittleEndian.Uint32(b[4:]))
		if !finite32(m.dense[j][0]) || !finite32(m.dense[j][1]) {
			return nil, fmt.Errorf("%w: bad dense weight", ErrCorrupt)
		}
	}
	m.sparse = make([]wpair, 1<<m.bits)
	buf := make([]byte, 1<<16)
	for i := 0; i < len(m.sparse); {
		k := min(len(buf)/4, len(m.sparse)-i)
		if err := read(buf[:4*k]); err != nil {
			return nil, err
		}
		for j := 0; j < k; j++ {
			m.sparse[i+j] = wpair{
				neg: int16(binary.LittleEndian.Uint16(buf[4*j:])),
				pos: int16(binary.LittleEndian.Uint16(buf[4*j+2:])),
			}
		}
		i += k
	}
	sum := crc.Sum32()
	if _, err := io.ReadFull(br, b[:4]); err != nil {
		return nil, fmt.Errorf("%w: truncated (no checksum)", ErrCorrupt)
	}
	if got := binary.LittleEndian.Uint32(b[:4]); got != sum {
		return nil, fmt.Errorf("%w: checksum %08x, want %08x", ErrCorrupt, sum, got)
	}
	if n, _ := br.Read(b[:1]); n > 0 {
		return nil, fmt.Errorf("%w: data after the checksum", ErrCorrupt)
	}
	m.lex = theLexicon()
	return m, nil
}

func finite32(x float32) bool {
	return !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0)
}
