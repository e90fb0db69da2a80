//go:build !amd64 || purego

package model

// plainWords takes plain words from st.s[st.i:], writing two feature ids
// per word to ids; see plainWordsGo.
func plainWords(st *runState, ids *uint32) { plainWordsGo(st, ids) }
