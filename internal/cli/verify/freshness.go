package verify

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/freshness"
	"github.com/canarykit/canarykit/internal/freshness/tsa"
	"github.com/canarykit/canarykit/verify"
)

// freshnessFlags are verify's options for proofs of when a canary was
// signed (docs/FRESHNESS.md).
type freshnessFlags struct {
	tsaRoots string
	tokens   []string
	require  bool
	online   bool
	blockAPI string
}

func addFreshnessFlags(fl *pflag.FlagSet, f *freshnessFlags) {
	fl.StringVar(&f.tsaRoots, "tsa-roots", "", "PEM file of the time-stamp authority roots you trust (default: the system's roots)")
	fl.StringArrayVar(&f.tokens, "tsr", nil, "RFC 3161 timestamp file over SOURCE's signatures; repeatable.\nWithout it, SOURCE.tsr, SOURCE.2.tsr, ... are used when SOURCE is a file")
	fl.BoolVar(&f.require, "require-freshness", false, "CRITICAL unless a checked drand or Bitcoin proof shows the canary was made around its issue date")
	fl.BoolVar(&f.online, "online", false, "also ask a block API whether the canary's Bitcoin block is in the main chain")
	fl.StringVar(&f.blockAPI, "block-api", freshness.DefaultBitcoinURL, "Esplora-style block API for --online")
}

// freshnessOptions turns the flags into verify's options; found are the
// timestamp files found beside SOURCE, used unless --tsr names others.
func freshnessOptions(f *Options, found [][]byte) (verify.FreshnessOptions, error) {
	fr := &f.Fresh
	o := verify.FreshnessOptions{Tokens: found, Require: fr.require, Online: fr.online, BlockAPI: fr.blockAPI}
	if fr.tsaRoots != "" {
		roots, err := tsa.LoadRoots(fr.tsaRoots)
		if err != nil {
			return o, fmt.Errorf("--tsa-roots: %v", err)
		}
		o.TSARoots = roots
	}
	if len(fr.tokens) > 0 {
		o.Tokens = nil
		for _, p := range fr.tokens {
			b, err := canary.ReadFile(p)
			if err != nil {
				return o, fmt.Errorf("--tsr: %v", err)
			}
			o.Tokens = append(o.Tokens, b)
		}
	}
	if fr.online {
		// The block API is asked with the run's Fetcher, so through the
		// same proxy as the canary and its keys: --proxy socks5://...
		// (Tor) hides this request too, and --timeout bounds it.
		fetcher, err := f.Web.Get()
		if err != nil {
			return o, err
		}
		o.Client = fetcher.Client()
	}
	return o, nil
}
