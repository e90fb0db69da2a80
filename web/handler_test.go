package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func TestHandler(t *testing.T) {
	fsys := fstest.MapFS{
		"index.html":           {Data: []byte("<!doctype html><title>TSA</title>")},
		"assets/index-abc.js":  {Data: []byte("console.log(1)")},
		"assets/index-abc.css": {Data: []byte("body{}")},
		"favicon.svg":          {Data: []byte("<svg/>")},
	}
	h := NewHandler(fsys)
	for _, tc := range []struct {
		method, path string
		code         int
		ctype, cache string
		body         string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html><title>TSA</title>"},
		{"GET", "/index.html", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html><title>TSA</title>"},
		{"GET", "/recordings/r1", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html><title>TSA</title>"},
		{"GET", "/settings", 200, "text/html; charset=utf-8", "no-cache", ""},
		{"GET", "/assets/index-abc.js", 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "console.log(1)"},
		{"GET", "/assets/index-abc.css", 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", "body{}"},
		{"GET", "/favicon.svg", 200, "image/svg+xml", "no-cache", "<svg/>"},
		{"HEAD", "/", 200, "text/html; charset=utf-8", "no-cache", ""},
		{"GET", "/assets/gone-123.js", 404, "", "", ""},
		{"GET", "/missing.png", 404, "", "", ""},
		{"GET", "/../../etc/passwd", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html><title>TSA</title>"}, // no way out of dist
		{"POST", "/", 405, "", "", ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.code {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, rec.Code, tc.code)
			continue
		}
		if tc.code != http.StatusOK {
			continue
		}
		if got := rec.Header().Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s %s: Content-Type %q, want %q", tc.method, tc.path, got, tc.ctype)
		}
		if got := rec.Header().Get("Cache-Control"); got != tc.cache {
			t.Errorf("%s %s: Cache-Control %q, want %q", tc.method, tc.path, got, tc.cache)
		}
		if tc.body != "" && rec.Body.String() != tc.body {
			t.Errorf("%s %s: body %q, want %q", tc.method, tc.path, rec.Body.String(), tc.body)
		}
	}
}

func TestNoAssetsWithoutTag(t *testing.T) {
	// without -tags assets the binary has no dashboard and the server
	// serves its "how to build" page; with the tag, a handler
	if h := Handler(); (h == nil) != !withAssets {
		t.Fatalf("Handler() = %v with withAssets=%v", h, withAssets)
	}
}
