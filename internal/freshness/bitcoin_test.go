package freshness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"
)

// Real mainnet headers from shared/vectors/FRESHNESS.md.
func TestBitcoinRealHeaders(t *testing.T) {
	for _, tc := range []struct {
		b       ft.Block
		time    string
		bits    uint32
		diff    float64 // approximate
		workErr string
	}{
		{ft.Genesis, "2009-01-03T18:15:05Z", 0x1d00ffff, 1, "below the"},
		{ft.Block794143, "2023-06-13T06:36:06Z", 0, 5.15e13, ""},
		{ft.Block881423, "2025-01-30T00:01:45Z", 0x17029a8a, 1.08e14, ""},
	} {
		h, err := ParseHeader(mustHex(t, tc.b.Header))
		if err != nil {
			t.Fatal(err)
		}
		if h.Hash() != tc.b.Hash {
			t.Errorf("height %d: hash %s, want %s", tc.b.Height, h.Hash(), tc.b.Hash)
		}
		if tc.bits != 0 && h.Bits != tc.bits {
			t.Errorf("height %d: nBits %08x, want %08x", tc.b.Height, h.Bits, tc.bits)
		}
		if math.Abs(h.Difficulty()-tc.diff)/tc.diff > 0.01 {
			t.Errorf("height %d: difficulty %.4g, want about %.4g", tc.b.Height, h.Difficulty(), tc.diff)
		}
		if h.Time.Format(time.RFC3339) != tc.time {
			t.Errorf("height %d: time %s, want %s", tc.b.Height, h.Time.Format(time.RFC3339), tc.time)
		}
		err = h.CheckWork()
		switch {
		case tc.workErr == "" && err != nil:
			t.Errorf("height %d: %v", tc.b.Height, err)
		case tc.workErr != "" && (err == nil || !strings.Contains(err.Error(), tc.workErr)):
			t.Errorf("height %d: got %v, want an error with %q", tc.b.Height, err, tc.workErr)
		}
	}
}

// A single flipped bit anywhere in a header breaks its proof of work
// (with overwhelming probability: the hash changes completely).
func TestBitcoinBitFlips(t *testing.T) {
	raw := mustHex(t, ft.Block881423.Header)
	for _, byteIdx := range []int{0, 4, 35, 36, 67, 68, 71, 76, 79} {
		for _, bit := range []uint{0, 7} {
			b := append([]byte{}, raw...)
			b[byteIdx] ^= 1 << bit
			h, _ := ParseHeader(b)
			if err := h.CheckWork(); err == nil {
				t.Errorf("flipping bit %d of byte %d still passes", bit, byteIdx)
			}
		}
	}
	// Lowering the target in nBits (a harder claim) must not help: the
	// hash no longer meets it.
	b := append([]byte{}, raw...)
	b[72] = 0x01 // mantissa 0x029a01 < 0x029a8a
	h, _ := ParseHeader(b)
	if err := h.CheckWork(); err == nil || !strings.Contains(err.Error(), "does not meet its own target") {
		t.Errorf("harder nBits: %v", err)
	}
}

// SetCompact cases from Bitcoin Core's arith_uint256_tests.
func TestCompact(t *testing.T) {
	for _, tc := range []struct {
		bits     uint32
		want     string // hex, "" for zero
		neg, ovf bool
	}{
		{0x00000000, "", false, false},
		{0x00123456, "", false, false},
		{0x01003456, "", false, false},
		{0x02000056, "", false, false},
		{0x03000000, "", false, false},
		{0x04000000, "", false, false},
		{0x00923456, "", false, false},
		{0x01803456, "", false, false},
		{0x01123456, "12", false, false},
		{0x02008000, "80", false, false},
		{0x05009234, "92340000", false, false},
		{0x04923456, "12345600", true, false},
		{0x04123456, "12345600", false, false},
		{0x01fedcba, "7e", true, false},
		{0x20123456, "1234560000000000000000000000000000000000000000000000000000000000", false, false},
		{0xff123456, "", false, true},
	} {
		got, neg, ovf := compact(tc.bits)
		want := new(big.Int)
		if tc.want != "" {
			want.SetString(tc.want, 16)
		}
		if !tc.ovf && got.Cmp(want) != 0 || neg != tc.neg || ovf != tc.ovf {
			t.Errorf("compact(%08x) = %x neg=%v overflow=%v, want %s %v %v", tc.bits, got, neg, ovf, tc.want, tc.neg, tc.ovf)
		}
	}
	for _, bits := range []uint32{0x04923456, 0xff123456, 0x00000000, 0x1e00ffff, 0x1d010000} {
		h := &Header{Bits: bits}
		if err := h.CheckWork(); err == nil || !strings.Contains(err.Error(), "not a valid target") {
			t.Errorf("nBits %08x: %v", bits, err)
		}
	}
}

func TestMinDifficultyFloor(t *testing.T) {
	// The floor sits between an easy header and today's mainnet.
	easy := &Header{Bits: 0x1b0404cb} // difficulty 16307, as in 2010
	if err := easy.CheckWork(); err == nil || !strings.Contains(err.Error(), "below the") {
		t.Errorf("easy header: %v", err)
	}
	d := new(big.Float).Quo(new(big.Float).SetInt(diff1), new(big.Float).SetInt(maxTarget))
	if f, _ := d.Float64(); math.Abs(f-MinDifficulty)/MinDifficulty > 1e-6 {
		t.Errorf("maxTarget is difficulty %g, want %g", f, MinDifficulty)
	}
}

func TestFetchBitcoin(t *testing.T) {
	api := ft.BlockAPI(881426, []ft.Block{ft.Block881423})
	defer api.Close()
	p, err := fetchBitcoin(context.Background(), api.Client(), api.URL+"/", 3)
	if err != nil {
		t.Fatal(err)
	}
	if p.Height != 881423 || p.Header.String() != ft.Block881423.Header || p.Time.Format(time.RFC3339) != "2025-01-30T00:01:45Z" {
		t.Fatalf("got %+v", p)
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if err := CheckMainChain(context.Background(), http.DefaultClient, api.URL, p); err != nil {
		t.Errorf("in main chain: %v", err)
	}

	// A header that does not hash to the block asked for.
	mixed := ft.Block881423
	mixed.Header = ft.Block794143.Header
	bad := ft.BlockAPI(881426, []ft.Block{mixed})
	defer bad.Close()
	if _, err := fetchBitcoin(context.Background(), http.DefaultClient, bad.URL, 3); err == nil || !strings.Contains(err.Error(), "hashes to") {
		t.Errorf("mixed-up header: %v", err)
	}
	// Another chain's header: genesis has difficulty 1.
	easy := ft.BlockAPI(3, []ft.Block{ft.Genesis})
	defer easy.Close()
	if _, err := fetchBitcoin(context.Background(), http.DefaultClient, easy.URL, 3); err == nil || !strings.Contains(err.Error(), "below the") {
		t.Errorf("easy header: %v", err)
	}
	if _, err := fetchBitcoin(context.Background(), http.DefaultClient, easy.URL, 4); err == nil || !strings.Contains(err.Error(), "lower than the depth") {
		t.Errorf("short chain: %v", err)
	}
	junk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>") }))
	defer junk.Close()
	if _, err := fetchBitcoin(context.Background(), http.DefaultClient, junk.URL, 3); err == nil || !strings.Contains(err.Error(), "not a block height") {
		t.Errorf("junk: %v", err)
	}
}

func TestCheckMainChain(t *testing.T) {
	p := &Proof{Kind: Bitcoin, Height: 881423, Header: mustHex(t, ft.Block881423.Header)}
	stale := ft.BlockAPI(881500, nil, ft.Block881423)
	defer stale.Close()
	if err := CheckMainChain(context.Background(), http.DefaultClient, stale.URL, p); !errors.Is(err, ErrNotInMainChain) {
		t.Errorf("stale block: %v", err)
	}
	unknown := ft.BlockAPI(881500, nil)
	defer unknown.Close()
	if err := CheckMainChain(context.Background(), http.DefaultClient, unknown.URL, p); !errors.Is(err, ErrNotInMainChain) {
		t.Errorf("unknown block: %v", err)
	}
	wrongHeight := *p
	wrongHeight.Height = 881424
	good := ft.BlockAPI(881500, []ft.Block{ft.Block881423})
	defer good.Close()
	if err := CheckMainChain(context.Background(), http.DefaultClient, good.URL, &wrongHeight); !errors.Is(err, ErrNotInMainChain) || !strings.Contains(err.Error(), "not 881424") {
		t.Errorf("wrong height: %v", err)
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	down.Close()
	if err := CheckMainChain(context.Background(), http.DefaultClient, down.URL, p); err == nil || errors.Is(err, ErrNotInMainChain) {
		t.Errorf("unreachable API must be a could-not-check error: %v", err)
	}
}

func BenchmarkBitcoinCheckWork(b *testing.B) {
	raw := mustHex(b, ft.Block881423.Header)
	for b.Loop() {
		h, _ := ParseHeader(raw)
		if err := h.CheckWork(); err != nil {
			b.Fatal(err)
		}
	}
}
