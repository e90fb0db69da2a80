//go:build !amd64 || purego

package model

// plainWords takes plain words from st.s[st.i:]; see plainWordsGo.
func plainWords(st *runState) { plainWordsGo(st) }
