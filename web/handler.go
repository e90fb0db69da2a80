package web

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// contentTypes are set explicitly: the system's MIME table may lack some
// or differ between machines.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".txt":         "text/plain; charset=utf-8",
	".webmanifest": "application/manifest+json",
}

// NewHandler serves a built dashboard from fsys (the contents of web/dist):
// files as they are, hashed files under assets/ cached for a year, and
// index.html (never cached) for every other path without a file extension,
// so the dashboard's own routes (/recordings/abc) load on reload.
func NewHandler(fsys fs.FS) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if p == "" || p == "index.html" {
			serveFile(w, r, fsys, "index.html")
			return
		}
		if st, err := fs.Stat(fsys, p); err == nil && !st.IsDir() {
			serveFile(w, r, fsys, p)
			return
		}
		if path.Ext(p) != "" || strings.HasPrefix(p, "assets/") {
			// a missing file, not a page: a plain 404 rather than HTML
			// where a script or style is expected
			http.NotFound(w, r)
			return
		}
		serveFile(w, r, fsys, "index.html")
	})
}

func serveFile(w http.ResponseWriter, r *http.Request, fsys fs.FS, name string) {
	f, err := fsys.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.Error(w, "cannot read "+name, http.StatusInternalServerError)
		return
	}
	ext := path.Ext(name)
	ct := contentTypes[ext]
	if ct == "" {
		ct = mime.TypeByExtension(ext)
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(name, "assets/") {
		// Vite puts a content hash in every name under assets/
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if name == "index.html" {
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
	}
	rs, ok := f.(readSeeker)
	if !ok {
		http.Error(w, "cannot serve "+name, http.StatusInternalServerError)
		return
	}
	// embedded files have no modification time; ServeContent then skips
	// Last-Modified, and no-cache makes browsers revalidate index.html
	http.ServeContent(w, r, name, st.ModTime(), rs)
}

type readSeeker interface {
	Read([]byte) (int, error)
	Seek(int64, int) (int64, error)
}
