package freshness

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cloudflare/circl/sign/bls"
)

// A drandChain is what a verifier must know of a drand network, written
// into the code: taking any of it from the network would let whoever
// answers choose what verifies.
type drandChain struct {
	name      string
	hash      string // names the chain in the HTTP API
	publicKey string // hex, compressed G2 point
	genesis   int64  // Unix seconds of round 1
	period    int64  // seconds between rounds
	sigLen    int

	// pub is publicKey decoded and checked on first use (key): doing it
	// in an init function cost every process that links this package,
	// whatever it does, about a millisecond.
	once sync.Once
	pub  *bls.PublicKey[bls.KeyG2SigG1]
}

// quicknet is the League of Entropy's unchained 3-second chain, scheme
// bls-unchained-g1-rfc9380: signatures on G1 with the hash-to-curve DST
// BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_, which is the DST circl's
// KeyG2SigG1 uses. Values from https://api.drand.sh/52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971/info
// (checked copy in shared/vectors/FRESHNESS.md).
var quicknet = &drandChain{
	name:      "quicknet",
	hash:      "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
	publicKey: "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
	genesis:   1692803367, // 2023-08-23T15:09:27Z
	period:    3,
	sigLen:    48,
}

var chains = map[string]*drandChain{quicknet.name: quicknet}

// maxRound keeps round times well inside the years a canary may carry.
const maxRound = 20_000_000_000

// key returns the chain's public key. The key is a constant of the
// program, so a key that does not decode is a build error: it panics.
func (c *drandChain) key() *bls.PublicKey[bls.KeyG2SigG1] {
	c.once.Do(func() {
		raw, err := hex.DecodeString(c.publicKey)
		if err != nil {
			panic(err)
		}
		pub := new(bls.PublicKey[bls.KeyG2SigG1])
		if err := pub.UnmarshalBinary(raw); err != nil || !pub.Validate() {
			panic(fmt.Sprintf("drand %s public key: %v", c.name, err))
		}
		c.pub = pub
	})
	return c.pub
}

func chainNames() string {
	var n []string
	for k := range chains {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// RoundTime is when round r is published: genesis + (r-1) x period.
func (c *drandChain) RoundTime(r uint64) time.Time {
	return time.Unix(c.genesis+int64(r-1)*c.period, 0).UTC()
}

// message is what an unchained beacon signs: SHA-256 of the round number
// as 8 bytes big-endian.
func (c *drandChain) message(r uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], r)
	m := sha256.Sum256(b[:])
	return m[:]
}

func (c *drandChain) verify(round uint64, sig []byte) error {
	if len(sig) != c.sigLen {
		return fmt.Errorf("drand %s signature is %d bytes, want %d", c.name, len(sig), c.sigLen)
	}
	// The point at infinity verifies for every message under circl before
	// v1.6.4; refuse it here too, whatever version is linked.
	if sig[0]&0x40 != 0 {
		return errors.New("the drand signature is the identity point, which proves nothing")
	}
	if !bls.Verify(c.key(), c.message(round), sig) {
		return fmt.Errorf("the drand %s signature does not verify for round %d: the beacon is forged, damaged or from another round", c.name, round)
	}
	return nil
}

// drandBeacon is the JSON of GET {base}/{chainhash}/public/latest.
type drandBeacon struct {
	Round      uint64 `json:"round"`
	Randomness string `json:"randomness"`
	Signature  string `json:"signature"`
}

// fetchDrand gets the latest quicknet beacon from the drand HTTP API at
// base and checks it offline before returning it as a proof.
func fetchDrand(ctx context.Context, client *http.Client, base string) (*Proof, error) {
	c := quicknet
	url := strings.TrimRight(base, "/") + "/" + c.hash + "/public/latest"
	body, err := get(ctx, client, url, 64<<10)
	if err != nil {
		return nil, err
	}
	var b drandBeacon
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("%s: not a drand beacon: %s", url, clipErr(err))
	}
	if b.Round == 0 || b.Round > maxRound {
		return nil, fmt.Errorf("%s: round %d is out of range", url, b.Round)
	}
	sig, err := parseHex(strings.ToLower(b.Signature), c.sigLen)
	if err != nil {
		return nil, fmt.Errorf("%s: signature: %v", url, err)
	}
	if err := c.verify(b.Round, sig); err != nil {
		return nil, fmt.Errorf("%s: %v; is the URL a drand API serving the quicknet chain?", url, err)
	}
	if b.Randomness != "" {
		if sum := sha256.Sum256(sig); !strings.EqualFold(b.Randomness, hex.EncodeToString(sum[:])) {
			return nil, fmt.Errorf("%s: round %d: randomness is not SHA-256 of the signature", url, b.Round)
		}
	}
	return &Proof{Kind: Drand, Chain: c.name, Round: b.Round, Time: c.RoundTime(b.Round), Signature: sig}, nil
}

// clipErr bounds an error about a server's answer: encoding/json repeats a
// number that does not fit its field whole, however long.
func clipErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
