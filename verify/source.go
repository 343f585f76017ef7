package verify

import "time"

// Source records where a canary came from, so that a reader can see it and
// a watchdog can keep it with the verdict.
type Source struct {
	// Location is what the reader gave: a file name, "-" or a URL.
	Location string `json:"location"`
	// FinalURL is where a URL led after redirects.
	FinalURL  string   `json:"final_url,omitempty"`
	Redirects []string `json:"redirects,omitempty"`
	Status    int      `json:"status,omitempty"` // HTTP status
	// FetchedAt is when the canary was read.
	FetchedAt time.Time `json:"fetched_at"`
	// Digest is sha256 of the bytes as read, before any extraction.
	Digest string `json:"digest"`
	// Block is which signed block of a web page was judged (1-based).
	Block int `json:"block,omitempty"`
}
