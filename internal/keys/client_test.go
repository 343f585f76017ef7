package keys

import (
	"context"
	"errors"
	"testing"
)

// TestNoDefaultClient: without a client, keys are not fetched at all. A
// default client of its own would ask the key server around the proxy
// the canary came through.
func TestNoDefaultClient(t *testing.T) {
	for _, spec := range []string{"wkd:alice@example.org", "vks:" + fp40, fp40} {
		_, err := Resolve(context.Background(), []string{spec}, Options{})
		if !errors.Is(err, errNoClient) {
			t.Errorf("%s without a client: %v, want errNoClient", spec, err)
		}
	}
}

const fp40 = "0123456789ABCDEF0123456789ABCDEF01234567"
