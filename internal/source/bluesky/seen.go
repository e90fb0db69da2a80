package bluesky

import "hash/fnv"

// seenSet remembers the URIs of the latest posts taken from the stream, as
// 64-bit hashes, so that the overlap of a resume is dropped. It holds a
// fixed number of entries and forgets the oldest first; entries taken but
// not yet acknowledged by the sink are "pending" and can be rolled back, so
// a batch the sink refused is delivered again after a resume.
type seenSet struct {
	idx     map[uint64]struct{}
	ring    []seenEntry
	head    int // where the next entry goes
	n       int // entries held
	pending int // the newest pending entries are not acknowledged
}

type seenEntry struct {
	h      uint64
	timeUS int64
}

func newSeenSet(size int) *seenSet {
	return &seenSet{idx: make(map[uint64]struct{}, size), ring: make([]seenEntry, size)}
}

// hashURI is stable across processes, so hashes can be saved.
func hashURI(uri string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(uri))
	return h.Sum64()
}

// add records h as taken at timeUS; false means it was seen before.
func (s *seenSet) add(h uint64, timeUS int64) bool {
	if _, dup := s.idx[h]; dup {
		return false
	}
	if s.n == len(s.ring) {
		delete(s.idx, s.ring[s.head].h) // the oldest
		s.n--
	}
	s.ring[s.head] = seenEntry{h, timeUS}
	s.idx[h] = struct{}{}
	s.head = (s.head + 1) % len(s.ring)
	s.n++
	s.pending = min(s.pending+1, s.n)
	return true
}

// ack marks every entry acknowledged.
func (s *seenSet) ack() { s.pending = 0 }

// rollback forgets the pending entries.
func (s *seenSet) rollback() {
	for ; s.pending > 0; s.pending-- {
		s.head = (s.head - 1 + len(s.ring)) % len(s.ring)
		delete(s.idx, s.ring[s.head].h)
		s.n--
	}
}

// recent returns the hashes of acknowledged entries taken at or after
// since, newest first, at most limit of them. Entries are roughly in time
// order (a resume's overlap goes back a little), so the walk looks past
// older ones a while before it stops.
func (s *seenSet) recent(since int64, limit int) []uint64 {
	var out []uint64
	i := s.head - 1 - s.pending
	for k := min(s.n-s.pending, 4*limit); k > 0 && len(out) < limit; k-- {
		i = (i + len(s.ring)) % len(s.ring)
		if e := s.ring[i]; e.timeUS >= since {
			out = append(out, e.h)
		}
		i--
	}
	return out
}
