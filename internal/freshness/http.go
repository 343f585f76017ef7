package freshness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// userAgent identifies canarykit to the services it asks, so that their
// operators can tell its few requests from abuse.
const userAgent = "canarykit (warrant canary freshness proofs)"

type httpError struct {
	url    string
	status int
}

func (e *httpError) Error() string {
	return fmt.Sprintf("%s answered HTTP %d; check the URL in the freshness section", e.url, e.status)
}

// errNoClient is a program error: freshness has no client of its own, for
// a reader's requests or a publisher's, lest one go around the proxy of
// the command's fetch.Fetcher (Config.Client).
var errNoClient = errors.New("freshness: no HTTP client given to fetch with (set Config.Client to a fetch.Fetcher's Client)")

// get fetches url and returns at most limit bytes of its body; a longer
// body is an error, not silently cut. client is required.
func get(ctx context.Context, client *http.Client, url string, limit int64) ([]byte, error) {
	if client == nil {
		return nil, errNoClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", url, err)
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &httpError{url, resp.StatusCode}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", url, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%s: the answer is larger than %d bytes", url, limit)
	}
	return body, nil
}
