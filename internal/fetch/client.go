package fetch

import "net/http"

// Client returns an *http.Client for the reads that are not canaries: keys
// from a Web Key Directory or a key server, drand rounds, Bitcoin blocks
// and news feeds, a block API asked with --online. It is built on the
// Fetcher's own transport, so it goes through the same proxy (a SOCKS5
// proxy resolves the names, as for canaries), trusts the same roots and
// shares the same connections: with a proxy set, no request of the process
// goes around it. Every package that reads the network takes its client
// from here; none has a default of its own.
//
// Its requests are checked as Get's are: only http and https URLs, .onion
// names only through a proxy, at most MaxRedirects redirects and never one
// from HTTPS to plain HTTP. A request that names no User-Agent gets the
// Fetcher's, and each request, redirects included, is bounded by Timeout.
// Unlike Get it neither caps the body (the caller reads what it accepts)
// nor spaces requests to a host: these reads are a few per run.
//
// Clients are cheap; each call returns a new one on the shared transport.
func (f *Fetcher) Client() *http.Client {
	return &http.Client{
		Transport:     &checked{f},
		CheckRedirect: f.checkRedirect,
		Timeout:       f.o.Timeout,
	}
}

// checked is the Fetcher's transport behind Get's checks of a URL.
type checked struct{ f *Fetcher }

func (c *checked) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, err := c.f.checkURL(req.URL.String(), nil); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", c.f.o.UserAgent)
	}
	return c.f.transport.RoundTrip(req)
}

// checkRedirect is Get's redirect policy for a Client.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	from := via[len(via)-1].URL
	if len(via) > f.o.MaxRedirects {
		return limitErr(LimitRedirects, via[0].URL.String(),
			"gave up after more than %d redirects (the redirect limit), at %s", f.o.MaxRedirects, req.URL)
	}
	if from.Scheme == "https" && req.URL.Scheme == "http" {
		return limitErr(LimitHTTPSToHTTP, from.String(),
			"refused a redirect from HTTPS to plain HTTP (the https-to-http rule), which would expose the request to the network: %s → %s", from, req.URL)
	}
	_, err := f.checkURL(req.URL.String(), from)
	return err
}
