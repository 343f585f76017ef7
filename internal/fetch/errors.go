package fetch

import (
	"fmt"
	"net/http"

	"github.com/canarykit/canarykit/internal/redact"
)

// Kind says what went wrong, for programs: a watchdog treats a canary that
// is gone (404, 410) differently from a server it cannot reach.
type Kind int

const (
	// KindNetwork: the server could not be reached, or the connection broke.
	KindNetwork Kind = iota + 1
	// KindStatus: the server answered with an error status; see Status.
	KindStatus
	// KindLimit: the answer broke a limit (size, time, redirects, content
	// type); see Limit.
	KindLimit
	// KindUsage: the URL or the options cannot be used as given.
	KindUsage
)

// Limit names, as they appear in Error.Limit and in messages.
const (
	LimitMaxBytes       = "max-bytes"
	LimitConnectTimeout = "connect-timeout"
	LimitHeaderTimeout  = "header-timeout"
	LimitTimeout        = "timeout"
	LimitRedirects      = "redirects"
	LimitHTTPSToHTTP    = "https-to-http"
	LimitContentType    = "content-type"
)

// An Error is why a Get failed. Its message is one plain line for a person;
// when a limit was breached, the message and Limit both name it.
type Error struct {
	Kind   Kind
	Limit  string // the limit that was breached, if any
	Status int    // the HTTP status, for KindStatus
	URL    string // the URL that failed (after redirects)
	msg    string
	err    error
	retry  bool // transient: worth another try
}

// Error is the message with the URLs it names redacted (package redact):
// a target's basic-auth password or ?key= is not for logs, alerts and the
// history that keep the message.
func (e *Error) Error() string { return redact.Text(e.msg) }
func (e *Error) Unwrap() error { return e.err }

// Gone reports whether the server said the canary is not there: 404 or
// 410. A vanished canary is news; an unreachable server is not.
func (e *Error) Gone() bool {
	return e.Kind == KindStatus && (e.Status == http.StatusNotFound || e.Status == http.StatusGone)
}

func limitErr(limit, u, format string, a ...any) *Error {
	return &Error{Kind: KindLimit, Limit: limit, URL: u, msg: fmt.Sprintf(format, a...)}
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// size writes a byte count the way limits are usually given.
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
