package freshness

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/circl/sign/bls"

	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Real quicknet beacons, from shared/vectors/FRESHNESS.md (rounds
// 1000-1002: drand client test suites; 12040883: drand/tlock's
// tlock_test.go).
func TestDrandRealBeacons(t *testing.T) {
	for _, tc := range []struct {
		b    ft.Beacon
		time string
	}{
		{ft.Round1000, "2023-08-23T15:59:24Z"},
		{ft.Round1001, "2023-08-23T15:59:27Z"},
		{ft.Round1002, "2023-08-23T15:59:30Z"},
		{ft.Round12040883, "2024-10-14T17:13:33Z"},
	} {
		if err := quicknet.verify(tc.b.Round, mustHex(t, tc.b.Signature)); err != nil {
			t.Errorf("round %d: %v", tc.b.Round, err)
		}
		if got := quicknet.RoundTime(tc.b.Round).Format(time.RFC3339); got != tc.time {
			t.Errorf("round %d time %s, want %s", tc.b.Round, got, tc.time)
		}
	}
	// The published randomness of round 1000 is SHA-256 of its signature.
	sum := sha256.Sum256(mustHex(t, ft.Round1000.Signature))
	if hex.EncodeToString(sum[:]) != "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd" {
		t.Error("round 1000 randomness mismatch")
	}
	if got := quicknet.RoundTime(1); !got.Equal(time.Date(2023, 8, 23, 15, 9, 27, 0, time.UTC)) {
		t.Errorf("genesis %v", got)
	}
}

func TestDrandRejects(t *testing.T) {
	sig := mustHex(t, ft.Round1000.Signature)
	flipped := append([]byte{}, sig...)
	flipped[20] ^= 0x01
	identity := make([]byte, 48)
	identity[0] = 0xc0
	for _, tc := range []struct {
		name  string
		round uint64
		sig   []byte
		want  string
	}{
		{"tampered signature", 1000, flipped, ""},
		{"wrong round", 1001, sig, "does not verify for round 1001"},
		{"neighbour's signature", 1000, mustHex(t, ft.Round1001.Signature), "does not verify"},
		{"identity point", 1000, identity, "identity point"},
		{"short", 1000, sig[:47], "47 bytes"},
		{"uncompressed length", 1000, append(append([]byte{}, sig...), sig...), "96 bytes"},
	} {
		err := quicknet.verify(tc.round, tc.sig)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

// circl v1.6.3 accepted the identity point as a signature on any message;
// go.mod must require v1.6.4 or later. This fails if the library is
// downgraded, even though verify refuses the point on its own too.
func TestCirclRejectsIdentitySignature(t *testing.T) {
	identity := make([]byte, 48)
	identity[0] = 0xc0
	for _, msg := range []string{"", "canary", string(quicknet.message(1000))} {
		if bls.Verify(quicknet.key(), []byte(msg), identity) {
			t.Fatalf("circl accepts the identity point as a signature on %q: upgrade github.com/cloudflare/circl to v1.6.4 or later", msg)
		}
	}
}

func TestFetchDrand(t *testing.T) {
	srv := ft.Drand(ft.Round1000, ft.Round12040883)
	defer srv.Close()
	p, err := fetchDrand(context.Background(), srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if p.Round != 12040883 || p.Chain != "quicknet" || !p.Time.Equal(ft.Round12040883Time) || p.Signature.String() != ft.Round12040883.Signature {
		t.Fatalf("got %+v", p)
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}

	bad := ft.Round12040883
	bad.Signature = ft.Round1000.Signature
	tampered := ft.Drand(bad)
	defer tampered.Close()
	if _, err := fetchDrand(context.Background(), http.DefaultClient, tampered.URL); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Errorf("a beacon with another round's signature: %v", err)
	}

	wrongRandomness := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"round":1000,"randomness":"00","signature":"` + ft.Round1000.Signature + `"}`))
	}))
	defer wrongRandomness.Close()
	if _, err := fetchDrand(context.Background(), http.DefaultClient, wrongRandomness.URL); err == nil || !strings.Contains(err.Error(), "randomness") {
		t.Errorf("wrong randomness: %v", err)
	}

	for body, want := range map[string]string{
		`not json`:                     "not a drand beacon",
		`{"round":0,"signature":"00"}`: "out of range",
		`{"round":5,"signature":"zz"}`: "not hex",
		`{"round":1000,"signature":"c0` + strings.Repeat("00", 47) + `"}`: "identity point",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
		if _, err := fetchDrand(context.Background(), http.DefaultClient, srv.URL); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", body, err, want)
		}
		srv.Close()
	}

	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	if _, err := fetchDrand(context.Background(), http.DefaultClient, notFound.URL); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("404: %v", err)
	}
}

func BenchmarkDrandVerify(b *testing.B) {
	sig := mustHex(b, ft.Round12040883.Signature)
	for b.Loop() {
		if err := quicknet.verify(12040883, sig); err != nil {
			b.Fatal(err)
		}
	}
}
