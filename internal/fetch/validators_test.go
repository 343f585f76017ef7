package fetch

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// conditionals records the conditional headers of every request a server
// gets.
type conditionals struct {
	mu  sync.Mutex
	ims []string // If-Modified-Since, "" when absent
	inm []string // If-None-Match, "" when absent
}

func (c *conditionals) record(r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ims = append(c.ims, r.Header.Get("If-Modified-Since"))
	c.inm = append(c.inm, r.Header.Get("If-None-Match"))
}

func (c *conditionals) last() (ims, inm string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ims[len(c.ims)-1], c.inm[len(c.inm)-1]
}

// TestValidatorsStrongOnly: a Response carries, and a Get sends, only the
// validators that cannot match a changed canary.
func TestValidatorsStrongOnly(t *testing.T) {
	date := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	httpDate := func(t time.Time) string { return t.Format(http.TimeFormat) }
	for _, c := range []struct {
		name             string
		headers          map[string]string // of the first answer
		etag, lastMod    string            // wanted in the Response
		sentINM, sentIMS string            // wanted in the next request
	}{
		{name: "Last-Modified equals Date",
			headers: map[string]string{"Date": httpDate(date), "Last-Modified": httpDate(date)}},
		{name: "Last-Modified after Date",
			headers: map[string]string{"Date": httpDate(date), "Last-Modified": httpDate(date.Add(time.Hour))}},
		{name: "Last-Modified one second before Date",
			headers: map[string]string{"Date": httpDate(date), "Last-Modified": httpDate(date.Add(-time.Second))},
			lastMod: httpDate(date.Add(-time.Second)), sentIMS: httpDate(date.Add(-time.Second))},
		{name: "Last-Modified two seconds before Date",
			headers: map[string]string{"Date": httpDate(date), "Last-Modified": httpDate(date.Add(-2 * time.Second))},
			lastMod: httpDate(date.Add(-2 * time.Second)), sentIMS: httpDate(date.Add(-2 * time.Second))},
		{name: "Last-Modified in RFC 850 form, a day before Date",
			headers: map[string]string{"Date": httpDate(date), "Last-Modified": "Saturday, 21-Nov-26 12:00:00 GMT"},
			lastMod: "Saturday, 21-Nov-26 12:00:00 GMT", sentIMS: "Saturday, 21-Nov-26 12:00:00 GMT"},
		{name: "no Date",
			headers: map[string]string{"Date": "", "Last-Modified": httpDate(date.Add(-time.Hour))}},
		{name: "Date not a date",
			headers: map[string]string{"Date": "yesterday", "Last-Modified": httpDate(date.Add(-time.Hour))}},
		{name: "Last-Modified not a date",
			headers: map[string]string{"Date": httpDate(date), "Last-Modified": "last week"}},
		{name: "weak ETag",
			headers: map[string]string{"Date": httpDate(date), "ETag": `W/"5f1a-2b"`}},
		{name: "weak ETag, strong Last-Modified",
			headers: map[string]string{"Date": httpDate(date), "ETag": `W/"5f1a-2b"`, "Last-Modified": httpDate(date.Add(-time.Minute))},
			lastMod: httpDate(date.Add(-time.Minute)), sentIMS: httpDate(date.Add(-time.Minute))},
		{name: "unquoted ETag",
			headers: map[string]string{"Date": httpDate(date), "ETag": `5f1a-2b`}},
		{name: "lower-case w/ ETag (not an entity-tag)",
			headers: map[string]string{"Date": httpDate(date), "ETag": `w/"5f1a-2b"`}},
		{name: "strong ETag",
			headers: map[string]string{"Date": httpDate(date), "ETag": `"9c3e"`},
			etag:    `"9c3e"`, sentINM: `"9c3e"`},
		{name: "strong ETag without Date",
			headers: map[string]string{"Date": "", "ETag": `"9c3e"`},
			etag:    `"9c3e"`, sentINM: `"9c3e"`},
		{name: "strong ETag, strong Last-Modified",
			headers: map[string]string{"Date": httpDate(date), "ETag": `"9c3e"`, "Last-Modified": httpDate(date.Add(-time.Minute))},
			etag:    `"9c3e"`, lastMod: httpDate(date.Add(-time.Minute)), sentINM: `"9c3e"`, sentIMS: httpDate(date.Add(-time.Minute))},
		{name: "strong ETag, Last-Modified within the second (nginx's ETag is made of it)",
			headers: map[string]string{"Date": httpDate(date), "ETag": `"6756e1c0-2b"`, "Last-Modified": httpDate(date)}},
		{name: "strong ETag, Last-Modified not a date",
			headers: map[string]string{"Date": httpDate(date), "ETag": `"9c3e"`, "Last-Modified": "last week"},
			etag:    `"9c3e"`, sentINM: `"9c3e"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var seen conditionals
			s := serve(t, func(w http.ResponseWriter, r *http.Request) {
				seen.record(r)
				for k, v := range c.headers {
					if v == "" {
						w.Header()[k] = nil // no Date at all
					} else {
						w.Header().Set(k, v)
					}
				}
				text(w, canaryText)
			})
			f := newFetcher(t, Options{})
			res, err := f.Get(context.Background(), s.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.ETag != c.etag || res.LastModified != c.lastMod {
				t.Errorf("validators ETag %q, LastModified %q; want %q, %q", res.ETag, res.LastModified, c.etag, c.lastMod)
			}
			if _, err := f.Get(context.Background(), s.URL, &Validators{ETag: res.ETag, LastModified: res.LastModified}); err != nil {
				t.Fatal(err)
			}
			if ims, inm := seen.last(); ims != c.sentIMS || inm != c.sentINM {
				t.Errorf("next request sent If-Modified-Since %q, If-None-Match %q; want %q, %q", ims, inm, c.sentIMS, c.sentINM)
			}
		})
	}
}

// TestValidatorsSentStrongOnly: validators stored before this rule (a weak
// ETag) are not sent, and the fetch is whole.
func TestValidatorsSentStrongOnly(t *testing.T) {
	var seen conditionals
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		seen.record(r)
		if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		text(w, canaryText)
	})
	f := newFetcher(t, Options{})
	for _, v := range []*Validators{
		{ETag: `W/"5f1a-2b"`},
		{ETag: `5f1a-2b`},
		{LastModified: "last week"},
		{ETag: `W/"x"`, LastModified: "not a date"},
		{},
	} {
		res, err := f.Get(context.Background(), s.URL, v)
		if err != nil || res.NotModified || string(res.Body) != canaryText {
			t.Fatalf("with %+v: %v, %+v", *v, err, res)
		}
		if ims, inm := seen.last(); ims != "" || inm != "" {
			t.Errorf("with %+v: sent If-Modified-Since %q, If-None-Match %q", *v, ims, inm)
		}
	}
}

// staticFile is a static server as many are (Python's http.server, nginx):
// a file with a modification time, served with Last-Modified in whole
// seconds, honouring If-Modified-Since (and, with etags, If-None-Match on
// an ETag made of the modification time and the size) at that one-second
// granularity. Its clock is the test's.
type staticFile struct {
	mu    sync.Mutex
	now   time.Time
	body  string
	mtime time.Time
	etags bool
	codes []int
}

func (s *staticFile) set(now time.Time, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now, s.body, s.mtime = now, body, now
}

func (s *staticFile) tick(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

func (s *staticFile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mtime := s.mtime.Truncate(time.Second)
	etag := fmt.Sprintf(`"%x-%x"`, mtime.Unix(), len(s.body))
	w.Header().Set("Date", s.now.UTC().Format(http.TimeFormat))
	w.Header().Set("Last-Modified", mtime.UTC().Format(http.TimeFormat))
	if s.etags {
		w.Header().Set("ETag", etag)
	}
	code := http.StatusOK
	if inm := r.Header.Get("If-None-Match"); s.etags && inm != "" {
		if inm == etag {
			code = http.StatusNotModified
		}
	} else if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !mtime.After(ims) {
		code = http.StatusNotModified
	}
	s.codes = append(s.codes, code)
	if code == http.StatusNotModified {
		w.WriteHeader(code)
		return
	}
	text(w, s.body)
}

// TestRenewalWithinTheSecond is issue 12 item 18: a tampered canary checked,
// then replaced by the genuine one within the same second. The next check
// must get the genuine one, not a 304 that keeps the tampered one judged
// for good; once the file is older than a second, checks are conditional
// again.
func TestRenewalWithinTheSecond(t *testing.T) {
	const tampered = "tampered canary\n"
	const genuine = "genuine canary!\n" // the same size, for the ETag made of it
	for _, etags := range []bool{false, true} {
		t.Run(fmt.Sprintf("etags=%v", etags), func(t *testing.T) {
			t0 := time.Date(2026, 11, 22, 12, 0, 0, 200e6, time.UTC)
			file := &staticFile{etags: etags}
			file.set(t0, tampered)
			s := serve(t, file.ServeHTTP)
			f := newFetcher(t, Options{})
			get := func(v *Validators) *Response {
				t.Helper()
				res, err := f.Get(context.Background(), s.URL, v)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			first := get(nil)
			if string(first.Body) != tampered {
				t.Fatalf("first check got %q", first.Body)
			}
			// The genuine canary replaces the tampered one 0.5 s later.
			file.set(t0.Add(500*time.Millisecond), genuine)
			second := get(&Validators{ETag: first.ETag, LastModified: first.LastModified})
			if second.NotModified || string(second.Body) != genuine {
				t.Fatalf("the check after the renewal got %q (304: %v), want the genuine canary", second.Body, second.NotModified)
			}
			// Five seconds on, the server's Last-Modified is strong: the
			// unchanged canary costs a 304.
			file.tick(t0.Add(5 * time.Second))
			third := get(&Validators{ETag: second.ETag, LastModified: second.LastModified})
			if string(third.Body) != genuine || third.ETag == "" && third.LastModified == "" {
				t.Fatalf("third check: body %q, validators %q %q", third.Body, third.ETag, third.LastModified)
			}
			fourth := get(&Validators{ETag: third.ETag, LastModified: third.LastModified})
			if !fourth.NotModified {
				t.Errorf("an unchanged canary a few seconds old was fetched whole, not asked for conditionally")
			}
			if got := fmt.Sprint(file.codes); got != "[200 200 200 304]" {
				t.Errorf("server answered %s, want [200 200 200 304]", got)
			}
		})
	}
}
