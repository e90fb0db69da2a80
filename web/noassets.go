//go:build !assets

package web

import "net/http"

func assets() http.Handler { return nil }

const withAssets = false
