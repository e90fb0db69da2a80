//go:build !amd64 || purego

package model

func needsClean(s string) bool { return needsCleanGo(s) }
