package freshness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/canarykit/canarykit/internal/freshness/tsa"
)

// SourceTimeout bounds each source, so that a hung service cannot hold a
// scheduled issue forever; a client with a longer Timeout gets that.
const SourceTimeout = 30 * time.Second

// Collect fetches the proofs cfg asks for, in the order drand, bitcoin,
// news, and checks each offline and against issued exactly as a reader
// will, so that a canary is never signed with a proof its readers would
// reject. A source that fails is an error unless it is optional; then a
// note says what is missing.
func Collect(ctx context.Context, cfg *Config, client *http.Client, issued time.Time) ([]Proof, []string, error) {
	if cfg == nil {
		return nil, nil, nil
	}
	client = cfg.client(client)
	if client == nil && !cfg.Empty() {
		return nil, nil, errNoClient
	}
	var proofs []Proof
	var notes []string
	source := func(name string, optional bool, fetch func(context.Context) ([]Proof, error)) error {
		ctx, cancel := context.WithTimeout(ctx, sourceLimit(client))
		defer cancel()
		ps, err := fetch(ctx)
		for i := 0; err == nil && i < len(ps); i++ {
			if err = ps[i].Check(); err == nil {
				err = ps[i].CheckTime(issued)
			}
		}
		switch {
		case err == nil:
			proofs = append(proofs, ps...)
		case optional:
			notes = append(notes, fmt.Sprintf("freshness source %s skipped (optional): %v", name, err))
		default:
			return fmt.Errorf("freshness source %s: %w; fix it, or mark it optional: true in the definition to issue without it", name, err)
		}
		return nil
	}
	if d := cfg.Drand; d != nil {
		err := source("drand", d.Optional, func(ctx context.Context) ([]Proof, error) {
			p, err := fetchDrand(ctx, client, d.URL)
			return one(p, err)
		})
		if err != nil {
			return nil, nil, err
		}
	}
	if b := cfg.Bitcoin; b != nil {
		err := source("bitcoin", b.Optional, func(ctx context.Context) ([]Proof, error) {
			p, err := fetchBitcoin(ctx, client, b.URL, b.Depth)
			return one(p, err)
		})
		if err != nil {
			return nil, nil, err
		}
	}
	if n := cfg.News; n != nil {
		for _, feed := range n.Feeds {
			err := source("news "+feed, n.Optional, func(ctx context.Context) ([]Proof, error) {
				return fetchNews(ctx, client, feed, n.Items)
			})
			if err != nil {
				return nil, nil, err
			}
		}
	}
	if err := ValidateAll(proofs); err != nil {
		return nil, nil, err
	}
	return proofs, notes, nil
}

// client is the client to ask the sources with: the one given, else
// cfg.Client, else nil. There is no default: the command gives its
// fetch.Fetcher's Client, built from its --proxy and --timeout, and a
// client made here would go around that proxy.
func (cfg *Config) client(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return cfg.Client
}

// sourceLimit bounds one source or TSA: SourceTimeout, or the client's
// own limit on one request when that is longer (canary issue --timeout 2m
// for Tor), so that the source's requests get the time they were given.
func sourceLimit(c *http.Client) time.Duration {
	return max(SourceTimeout, c.Timeout)
}

func one(p *Proof, err error) ([]Proof, error) {
	if err != nil {
		return nil, err
	}
	return []Proof{*p}, nil
}

// Stamp asks every TSA in cfg for a token over signatures, the binary
// OpenPGP signature packets of the canary (what `gpg --dearmor` makes of
// its signature block), and checks each reply fully, including against
// the canary's time: a token dated before the canary was issued, or before
// one of its proofs, would read as a contradiction to every reader. dir
// resolves relative roots paths. The replies are returned in cfg's order,
// without those of optional TSAs that failed.
func Stamp(ctx context.Context, cfg *Config, dir string, client *http.Client, signatures []byte, issued time.Time, proofs []Proof) ([][]byte, []string, error) {
	if cfg == nil {
		return nil, nil, nil
	}
	client = cfg.client(client)
	if client == nil && len(cfg.TSA) > 0 {
		return nil, nil, errNoClient
	}
	earliest := issued
	for i := range proofs {
		if nb := proofs[i].NotBefore(); proofs[i].Counts() && nb.After(earliest) {
			earliest = nb
		}
	}
	var out [][]byte
	var notes []string
	for _, t := range cfg.TSA {
		reply, err := stampOne(ctx, t, dir, client, signatures, earliest)
		switch {
		case err == nil:
			out = append(out, reply)
		case t.Optional:
			notes = append(notes, fmt.Sprintf("timestamp skipped (optional): %v", err))
		default:
			return nil, nil, fmt.Errorf("timestamp: %w; fix it, or mark the TSA optional: true in the definition to issue without it", err)
		}
	}
	return out, notes, nil
}

func stampOne(ctx context.Context, t TSAConfig, dir string, client *http.Client, signatures []byte, earliest time.Time) ([]byte, error) {
	var opts tsa.Options
	if t.Roots != "" {
		p := t.Roots
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		roots, err := tsa.LoadRoots(p)
		if err != nil {
			return nil, fmt.Errorf("the TSA %s: roots: %v", t.URL, err)
		}
		opts.Roots = roots
	}
	if t.Policy != "" {
		oid, err := ParseOID(t.Policy)
		if err != nil {
			return nil, fmt.Errorf("the TSA %s: policy: %v", t.URL, err)
		}
		opts.Policy = oid
	}
	ctx, cancel := context.WithTimeout(ctx, sourceLimit(client))
	defer cancel()
	reply, tok, err := tsa.Request(ctx, client, t.URL, signatures, opts)
	if errors.Is(err, tsa.ErrUntrusted) && t.Roots == "" {
		return nil, fmt.Errorf("%v; set roots: to a PEM file of the TSA's root certificate, and tell readers to pass it with --tsa-roots", err)
	}
	if err != nil {
		return nil, err
	}
	if tok.NotAfter().Add(ClockTolerance).Before(earliest) {
		return nil, fmt.Errorf("the TSA %s dated the canary %s, before it was made (%s): the TSA's clock or this one is wrong",
			t.URL, tok.Time.Format(stampLayout), earliest.Format(stampLayout))
	}
	return reply, nil
}
