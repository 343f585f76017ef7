package verify

import (
	"iter"
	"runtime"

	"github.com/canarykit/canarykit/internal/keys"
)

// Many judges n canaries with the same options on up to jobs goroutines
// (jobs <= 0: one per CPU) and yields the verdicts in order 0..n-1, each
// as soon as it and those before it are known. judge(i, o) judges canary
// i with o, which is base with Keys replaced by the worker's own copy
// (keys.CloneKeys): go-crypto caches self-signature checks inside keys,
// so workers must not share them. Workers run at most a few canaries
// ahead of the verdict yielded, so that memory stays flat however many
// there are; stopping the iteration stops them.
func Many(n int, base Options, jobs int, judge func(i int, o Options) *Result) iter.Seq2[int, *Result] {
	return func(yield func(int, *Result) bool) {
		if jobs <= 0 {
			jobs = runtime.GOMAXPROCS(0)
		}
		jobs = min(jobs, n)
		if jobs < 2 {
			for i := range n {
				if !yield(i, judge(i, base)) {
					return
				}
			}
			return
		}
		workers := []Options{base}
		for len(workers) < jobs {
			el, err := keys.CloneKeys(base.Keys)
			if err != nil {
				break // not expected (the keys were just read): fewer workers
			}
			o := base
			o.Keys = el
			workers = append(workers, o)
		}
		out := make([]chan *Result, n)
		for i := range out {
			out[i] = make(chan *Result, 1)
		}
		done := make(chan struct{})
		defer close(done)
		next := make(chan int)
		window := make(chan struct{}, 4*len(workers))
		go func() {
			defer close(next)
			for i := range n {
				select {
				case window <- struct{}{}:
				case <-done:
					return
				}
				select {
				case next <- i:
				case <-done:
					return
				}
			}
		}()
		for _, o := range workers {
			go func() {
				for i := range next {
					out[i] <- judge(i, o)
				}
			}()
		}
		for i := range n {
			r := <-out[i]
			<-window
			if !yield(i, r) {
				return
			}
		}
	}
}
