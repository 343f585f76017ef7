package keys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// unreachableError is a fetch that taught us nothing: the server could not
// be reached, or answered that it could not serve.
type unreachableError struct {
	url string
	err error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s: %v; check the network, or pass the key as a file with --key FILE", e.url, e.err)
}
func (e *unreachableError) Unwrap() []error { return []error{ErrUnreachable, e.err} }

// statusError is an HTTP answer other than 200. Server-side failures count
// as unreachable; a 404 is an answer ("no such key").
type statusError struct {
	url  string
	code int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s answered %d %s", e.url, e.code, http.StatusText(e.code))
}

func (e *statusError) Is(target error) bool {
	return target == ErrUnreachable && (e.code >= 500 || e.code == http.StatusTooManyRequests)
}

func isNotFound(err error) bool {
	var se *statusError
	return errors.As(err, &se) && (se.code == http.StatusNotFound || se.code == http.StatusGone)
}

// errDowngrade refuses a redirect from HTTPS to plain HTTP, where anyone on
// the path could answer with their own key.
var errDowngrade = errors.New("refusing a redirect from HTTPS to plain HTTP")

// errNoClient is a program error: keys has no client of its own, lest a
// key be fetched around the proxy the canary was fetched through.
var errNoClient = errors.New("keys: no HTTP client given to fetch keys with (Options.HTTPClient)")

// fetch GETs u and returns the body of a 200 answer, at most MaxBytes.
func (o Options) fetch(ctx context.Context, u string) ([]byte, error) {
	if o.HTTPClient == nil {
		return nil, errNoClient
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "canarykit")
	req.Header.Set("Accept", "application/pgp-keys, application/octet-stream")
	client := *o.HTTPClient
	next := client.CheckRedirect
	client.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		if via[0].URL.Scheme == "https" && r.URL.Scheme != "https" {
			return errDowngrade
		}
		if next != nil {
			return next(r, via)
		}
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, errDowngrade) {
			return nil, fmt.Errorf("%s: %w", u, errDowngrade)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &unreachableError{url: u, err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{url: u, code: resp.StatusCode}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, o.MaxBytes+1))
	if err != nil {
		return nil, &unreachableError{url: u, err: err}
	}
	if int64(len(data)) > o.MaxBytes {
		return nil, fmt.Errorf("%s sent more than %d bytes, which is not a key", u, o.MaxBytes)
	}
	return data, nil
}
