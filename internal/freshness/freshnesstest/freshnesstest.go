// Package freshnesstest runs stand-ins for the services canarykit asks for
// freshness proofs: a drand HTTP API, an Esplora-style block API, news
// feeds and an RFC 3161 time-stamp authority with its own test CA. All
// listen on 127.0.0.1 only. The drand and Bitcoin servers serve real
// mainnet data (the vectors below), since proofs are checked against
// canarykit's hard-coded trust anchors.
package freshnesstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/digitorus/timestamp"
)

// A Beacon is a drand quicknet round.
type Beacon struct {
	Round     uint64
	Signature string // hex
}

// Real quicknet beacons (shared/vectors/FRESHNESS.md): rounds 1000-1002
// appear in many drand client test suites, 12040883 in drand/tlock's
// tlock_test.go.
var (
	Round1000     = Beacon{1000, "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39"}
	Round1001     = Beacon{1001, "b33bf3667cbd5a82de3a24b4e0e9fe5513cc1a0e840368c6e31f5fcfa79bea03f73896b25883abf2853d10337fb8fa41"}
	Round1002     = Beacon{1002, "ab066f9c12dd6de1336fca0f925192fb0c72a771c3e4c82ede1fd362c1a770f9eb05843c6308ce2530b53a99c0281a6e"}
	Round12040883 = Beacon{12040883, "929906c959032ab363c9f26570d215d66f5c06cb0c44fe508c12bb5839f04ec895bb6868e5b9ff13ab289bdb5266b394"}
)

// Round12040883Time is when round 12040883 was published.
var Round12040883Time = time.Date(2024, 10, 14, 17, 13, 33, 0, time.UTC)

// A Block is a Bitcoin block as a block API knows it.
type Block struct {
	Height uint64
	Header string // 80 bytes, hex as serialized
	Hash   string // byte-reversed hex, as explorers show it
}

// Real Bitcoin mainnet blocks (shared/vectors/FRESHNESS.md; any block
// explorer shows the same headers).
var (
	Genesis = Block{0, "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c",
		"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"}
	Block794143 = Block{794143, "000080200e102b98a160f4416c8ff0198db9b177523525c9de8a000000000000000000003b9b941003024e1afa90199732fdb1366a122ab0a5cacd3f7bcb8cb8815a811b560e8864697e051767c0c9fd",
		"0000000000000000000293bf6e86820d867cc4ca13cd98326af85bb3bebab9ac"}
	Block881423 = Block{881423, "0060592ee3c96a8a70ca15fe215e99f84ab64c43e1b5d2c43b540100000000000000000076f63a35f1b8b5016d3eb0cce2eebbdf58bf8fbea4e870c8f770346bdfcf622d69c19a678a9a021702fb05ff",
		"0000000000000000000269d52c24ea451225613aab095d90d771d4e29aa96cdd"}
)

// Drand serves beacons at /{chainhash}/public/{round}, the last one also
// as /public/latest, under any chain hash.
func Drand(beacons ...Beacon) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(parts) != 3 || parts[1] != "public" || len(beacons) == 0 {
			http.NotFound(w, r)
			return
		}
		b := beacons[len(beacons)-1]
		if parts[2] != "latest" {
			found := false
			for _, x := range beacons {
				if strconv.FormatUint(x.Round, 10) == parts[2] {
					b, found = x, true
				}
			}
			if !found {
				http.NotFound(w, r)
				return
			}
		}
		sig, _ := hex.DecodeString(b.Signature)
		sum := sha256.Sum256(sig)
		json.NewEncoder(w).Encode(map[string]any{"round": b.Round, "randomness": hex.EncodeToString(sum[:]), "signature": b.Signature})
	}))
}

// BlockAPI serves the Esplora API subset canarykit uses, with tip as the
// chain's height. Blocks listed in stale are known but not in the best
// chain.
func BlockAPI(tip uint64, blocks []Block, stale ...Block) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/blocks/tip/height":
			fmt.Fprint(w, tip)
			return
		case strings.HasPrefix(p, "/block-height/"):
			for _, b := range blocks {
				if strconv.FormatUint(b.Height, 10) == strings.TrimPrefix(p, "/block-height/") {
					fmt.Fprint(w, b.Hash)
					return
				}
			}
		case strings.HasPrefix(p, "/block/"):
			parts := strings.Split(strings.TrimPrefix(p, "/block/"), "/")
			if len(parts) != 2 {
				break
			}
			for i, b := range append(append([]Block{}, blocks...), stale...) {
				if b.Hash != parts[0] {
					continue
				}
				switch parts[1] {
				case "header":
					fmt.Fprint(w, b.Header)
					return
				case "status":
					json.NewEncoder(w).Encode(map[string]any{"in_best_chain": i < len(blocks), "height": b.Height})
					return
				}
			}
		}
		http.NotFound(w, r)
	}))
}

// Feeds serves each body at its path, e.g. "/rss.xml".
func Feeds(feeds map[string]string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := feeds[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, body)
	}))
}

// EKU says how a test TSA certificate states its purpose.
type EKU int

const (
	EKUCritical    EKU = iota // critical, timeStamping alone: what RFC 3161 requires
	EKUNone                   // no extended key usage at all
	EKUNonCritical            // timeStamping, not marked critical
	EKUExtra                  // critical, timeStamping and serverAuth
)

// CertOptions shape a test TSA's certificate.
type CertOptions struct {
	EKU                 EKU
	NotBefore, NotAfter time.Time // zero: 2020 to 2045
	Policy              asn1.ObjectIdentifier
	Accuracy            time.Duration
}

// A Fault makes a test TSA answer wrongly.
type Fault int

const (
	NoFault        Fault = iota
	WrongNonce           // echo another nonce than the request's
	OtherImprint         // time-stamp other data than asked
	NoCertificates       // leave the certificate out of the token
	Refuse               // answer with status rejection
)

// TestPolicy is the policy OID test TSAs use unless told otherwise.
var TestPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 1, 1}

// A TSA is an RFC 3161 time-stamp authority with its own CA.
type TSA struct {
	*httptest.Server
	RootPEM []byte
	Roots   *x509.CertPool

	mu    sync.Mutex
	at    time.Time
	fault Fault
	opts  CertOptions
	cert  *x509.Certificate
	key   crypto.Signer
}

// NewTSA starts a TSA whose clock reads at until SetTime changes it.
func NewTSA(at time.Time, opts CertOptions) *TSA {
	if opts.NotBefore.IsZero() {
		opts.NotBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if opts.NotAfter.IsZero() {
		opts.NotAfter = time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if opts.Policy == nil {
		opts.Policy = TestPolicy
	}
	rootKey := newKey()
	root := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "canarykit test TSA root"},
		NotBefore:             time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	rootDER := mustCert(root, root, rootKey.Public(), rootKey)
	root, _ = x509.ParseCertificate(rootDER)
	key := newKey()
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "canarykit test TSA"},
		NotBefore:    opts.NotBefore,
		NotAfter:     opts.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	kpTS := asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	kpServer := asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	eku := func(critical bool, kps ...asn1.ObjectIdentifier) {
		v, _ := asn1.Marshal(kps)
		leaf.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: critical, Value: v}}
	}
	switch opts.EKU {
	case EKUCritical:
		eku(true, kpTS)
	case EKUNonCritical:
		eku(false, kpTS)
	case EKUExtra:
		eku(true, kpTS, kpServer)
	}
	cert, _ := x509.ParseCertificate(mustCert(leaf, root, key.Public(), rootKey))
	t := &TSA{
		RootPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER}),
		Roots:   x509.NewCertPool(),
		at:      at,
		opts:    opts,
		cert:    cert,
		key:     key,
	}
	t.Roots.AddCert(root)
	t.Server = httptest.NewServer(http.HandlerFunc(t.serve))
	return t
}

func newKey() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func mustCert(tmpl, parent *x509.Certificate, pub any, priv crypto.Signer) []byte {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
	if err != nil {
		panic(err)
	}
	return der
}

// SetTime sets the TSA's clock.
func (t *TSA) SetTime(at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.at = at
}

// SetFault makes the TSA answer wrongly from now on.
func (t *TSA) SetFault(f Fault) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fault = f
}

func (t *TSA) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	req, err := timestamp.ParseRequest(body)
	if r.Method != http.MethodPost || err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	reply, err := t.reply(req.HashedMessage, req.Nonce)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(reply)
}

// Reply makes a TimeStampResp over SHA-256 of data, as the TSA would
// answer a request for it now.
func (t *TSA) Reply(data []byte) []byte {
	sum := sha256.Sum256(data)
	r, err := t.reply(sum[:], nil)
	if err != nil {
		panic(err)
	}
	return r
}

func (t *TSA) reply(imprint []byte, nonce *big.Int) ([]byte, error) {
	t.mu.Lock()
	at, fault := t.at, t.fault
	t.mu.Unlock()
	if fault == Refuse {
		return timestamp.CreateErrorResponse(timestamp.Rejection, timestamp.BadAlgorithm)
	}
	switch fault {
	case WrongNonce:
		nonce = new(big.Int).Add(big.NewInt(1), nonceOr0(nonce))
	case OtherImprint:
		sum := sha256.Sum256([]byte("other data"))
		imprint = sum[:]
	}
	ts := &timestamp.Timestamp{
		HashAlgorithm:     crypto.SHA256,
		HashedMessage:     imprint,
		Time:              at,
		Accuracy:          t.opts.Accuracy,
		Policy:            t.opts.Policy,
		Nonce:             nonce,
		AddTSACertificate: fault != NoCertificates,
	}
	return ts.CreateResponseWithOpts(t.cert, t.key, crypto.SHA256)
}

func nonceOr0(n *big.Int) *big.Int {
	if n == nil {
		return new(big.Int)
	}
	return n
}
