package dashboard

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// blockedWriter is a client that asked for a page and never reads it:
// writing the body blocks until release is closed.
type blockedWriter struct {
	h       http.Header
	writing chan struct{}
	release chan struct{}
}

func (w *blockedWriter) Header() http.Header { return w.h }
func (w *blockedWriter) WriteHeader(int)     {}
func (w *blockedWriter) Write(b []byte) (int, error) {
	close(w.writing)
	<-w.release
	return len(b), nil
}

// Two clients that never read their pages do not hold the two render
// slots: the page is rendered into a buffer and the slot given back before
// it is written to the client.
func TestSlowReadersDoNotBlockOthers(t *testing.T) {
	f := newFixture(t)
	h := Handler(f.db, func() time.Time { return at })
	release := make(chan struct{})
	defer close(release)
	for range 2 {
		w := &blockedWriter{h: http.Header{}, writing: make(chan struct{}), release: release}
		go h.ServeHTTP(w, httptest.NewRequest("GET", "/targets/"+f.org.ID+".html", nil))
		select {
		case <-w.writing:
		case <-time.After(5 * time.Second):
			t.Fatal("the page was never written")
		}
	}
	done := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		done <- rec.Code
	}()
	select {
	case code := <-done:
		if code != 200 {
			t.Fatalf("third client: %d", code)
		}
	case <-time.After(5 * time.Second): // a hang detector only
		t.Fatal("a third client waits for two that do not read")
	}
}
