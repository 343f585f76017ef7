package dashboard

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/canarykit/canarykit/internal/watch/store"
)

// The paths served besides the index, compiled on first use.
var (
	targetPath = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^/targets/([0-9a-f]{32})\.html$`)
	})
	archivePath = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^/archive/([^/]+-([0-9a-f]{8}))/([0-9]{6}\.txt(\.sig(\.[0-9]+)?|\.([0-9]+\.)?tsr)?)$`)
	})
)

// Handler serves the dashboard read from db, rendered for each request as
// of now(), so that it holds nothing in memory between requests: the
// same pages and archive files as Write makes. At most two pages are
// rendered at once, so that a crawler cannot starve the watchdog. A page
// is rendered whole into memory and its slot given back before it is sent,
// so that clients that do not read (slow, or hostile) hold no slot: only
// their connection, which the server's WriteTimeout bounds.
func Handler(db *store.DB, now func() time.Time) http.Handler {
	sem := make(chan struct{}, 2)
	// render returns ok false when the client left before a slot was free.
	render := func(r *http.Request) (body []byte, ctype string, ok bool, err error) {
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
		case <-r.Context().Done():
			return nil, "", false, nil
		}
		body, ctype, err = serve(r.Context(), db, r.URL.Path, now())
		return body, ctype, true, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the dashboard is read-only", http.StatusMethodNotAllowed)
			return
		}
		body, ctype, ok, err := render(r)
		switch {
		case !ok:
			return
		case err != nil:
			http.Error(w, "cannot read the history: "+err.Error(), http.StatusInternalServerError)
			return
		case body == nil:
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if strings.HasPrefix(ctype, "text/html") {
			h.Set("Content-Security-Policy", csp())
			h.Set("Cache-Control", "no-cache")
		}
		w.Write(body)
	})
}

// serve returns the file at p, or nil when there is none.
func serve(ctx context.Context, db *store.DB, p string, at time.Time) ([]byte, string, error) {
	const html = "text/html; charset=utf-8"
	if p == "/" || p == "/index.html" {
		list, err := db.Overviews(ctx, "")
		if err != nil {
			return nil, "", err
		}
		return index(list, at), html, nil
	}
	if m := targetPath().FindStringSubmatch(p); m != nil {
		list, err := db.Overviews(ctx, m[1])
		if err != nil || len(list) != 1 {
			return nil, "", err
		}
		d, err := load(ctx, db, list[0])
		if err != nil {
			return nil, "", err
		}
		return d.page(at), html, nil
	}
	if m := archivePath().FindStringSubmatch(p); m != nil {
		t, err := db.FindTarget(ctx, m[2])
		if err != nil || archiveDir(*t) != m[1] {
			return nil, "", nil // no such target: not an error of the server
		}
		canaries, err := db.Canaries(ctx, t.ID)
		if err != nil {
			return nil, "", err
		}
		body, ok, err := archiveFile(ctx, db, canaries, m[3])
		if err != nil || !ok {
			return nil, "", err
		}
		ctype := "text/plain; charset=utf-8"
		switch {
		case strings.HasSuffix(m[3], ".tsr"):
			ctype = "application/timestamp-reply"
		case strings.Contains(m[3], ".sig"):
			ctype = "application/pgp-signature"
		}
		return body, ctype, nil
	}
	return nil, "", nil
}
