// Package web serves the dashboard. The built assets (web/dist, made by
// `make assets`) are embedded only when the binary is built with the tag
// "assets", so `go build ./...` and `go test ./...` need no Node.
package web

import "net/http"

// Handler serves the dashboard, or nil when this binary has no assets.
func Handler() http.Handler { return assets() }
