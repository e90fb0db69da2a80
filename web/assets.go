//go:build assets

package web

import (
	"embed"
	"io/fs"
	"net/http"
)

// dist is the dashboard built by `make assets` (web/dist).
//
//go:embed all:dist
var dist embed.FS

func assets() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("web: " + err.Error())
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		panic("web: web/dist has no index.html; run `make assets` before building with -tags assets")
	}
	return NewHandler(sub)
}

const withAssets = true
