package verify

import (
	"strconv"
	"sync"
	"testing"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/internal/keys"
)

func manyKeys(t *testing.T) openpgp.EntityList {
	t.Helper()
	_, pub, _, err := keys.GenerateKey("Many <many@example.org>", nil, 0, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	el, err := keys.ReadKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	return el
}

// TestManyInOrder: whatever order the workers finish in, the verdicts come
// out in input order, each once; no two judgements running at the same time
// share keys (go-crypto writes into them); and workers never run more than
// their window ahead of the verdict taken.
func TestManyInOrder(t *testing.T) {
	keys := manyKeys(t)
	const n = 60
	for _, jobs := range []int{0, 1, 2, 5, 100} {
		var mu sync.Mutex
		inUse := map[*openpgp.Entity]bool{}
		started := -1
		judge := func(i int, o Options) *Result {
			e := o.Keys[0]
			mu.Lock()
			if inUse[e] {
				t.Errorf("jobs %d: canary %d judged with keys another worker is using", jobs, i)
			}
			inUse[e] = true
			started = max(started, i)
			mu.Unlock()
			time.Sleep(time.Duration((i*7)%5) * 100 * time.Microsecond) // finish out of order
			mu.Lock()
			delete(inUse, e)
			mu.Unlock()
			return &Result{Summary: strconv.Itoa(i)}
		}
		next := 0
		for i, r := range Many(n, Options{Keys: keys}, jobs, judge) {
			if i != next || r.Summary != strconv.Itoa(i) {
				t.Fatalf("jobs %d: got verdict %d (%q), want %d", jobs, i, r.Summary, next)
			}
			mu.Lock()
			// 4 per worker may be waiting; at most 100 workers, n is 60.
			if ahead := started - i; jobs > 1 && jobs < n && ahead > 4*jobs {
				t.Errorf("jobs %d: canary %d started while %d was taken", jobs, started, i)
			}
			mu.Unlock()
			next++
		}
		if next != n {
			t.Errorf("jobs %d: %d verdicts, want %d", jobs, next, n)
		}
	}
}

// TestManyStops: leaving the loop early stops the workers: a few verdicts
// already under way are finished, not the rest.
func TestManyStops(t *testing.T) {
	keys := manyKeys(t)
	var mu sync.Mutex
	calls := 0
	judge := func(i int, o Options) *Result {
		mu.Lock()
		calls++
		mu.Unlock()
		return &Result{}
	}
	for i := range Many(10000, Options{Keys: keys}, 2, judge) {
		if i == 2 {
			break
		}
	}
	time.Sleep(50 * time.Millisecond) // let workers notice
	mu.Lock()
	defer mu.Unlock()
	if calls > 3+4*2+2 {
		t.Errorf("%d canaries judged after the loop stopped at the third", calls)
	}
}
