package tsa

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"
)

var (
	at   = time.Date(2024, 10, 14, 17, 13, 45, 0, time.UTC)
	data = []byte("\x88\x75 binary OpenPGP signature packets")
)

func TestVerifyGood(t *testing.T) {
	tsa := ft.NewTSA(at, ft.CertOptions{Accuracy: 1500 * time.Millisecond})
	defer tsa.Close()
	tok, err := Verify(tsa.Reply(data), data, Options{Roots: tsa.Roots, Policy: ft.TestPolicy})
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Time.Equal(at) || tok.Accuracy != 1500*time.Millisecond || !tok.NotAfter().Equal(at.Add(1500*time.Millisecond)) {
		t.Errorf("time %v accuracy %v", tok.Time, tok.Accuracy)
	}
	if tok.Policy != ft.TestPolicy.String() || tok.TSA != "CN=canarykit test TSA" || tok.Serial == "" {
		t.Errorf("got %+v", tok)
	}
	if !strings.Contains(tok.Describe(), "by canarykit test TSA at 2024-10-14 17:13:45 UTC") {
		t.Errorf("Describe: %s", tok.Describe())
	}
}

// A bare TimeStampToken (openssl ts -reply -token_out) reads as well as a
// full TimeStampResp.
func TestVerifyBareToken(t *testing.T) {
	tsa := ft.NewTSA(at, ft.CertOptions{})
	defer tsa.Close()
	tokBytes, err := tokenBytes(tsa.Reply(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(tokBytes, data, Options{Roots: tsa.Roots}); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRejects(t *testing.T) {
	good := ft.NewTSA(at, ft.CertOptions{})
	defer good.Close()
	other := ft.NewTSA(at, ft.CertOptions{})
	defer other.Close()
	reply := good.Reply(data)

	tampered := append([]byte{}, reply...)
	// The genTime is inside the signed TSTInfo: change one of its digits.
	i := strings.Index(string(tampered), "20241014171345")
	if i < 0 {
		t.Fatal("test bug: genTime not found in the reply")
	}
	tampered[i+13] = '6'

	for _, tc := range []struct {
		name string
		opts ft.CertOptions
		fix  func(*ft.TSA)
		tsr  []byte
		data []byte
		ver  Options
		want string
	}{
		{name: "other data", tsr: reply, data: []byte("other"), ver: Options{Roots: good.Roots}, want: "message imprint mismatch"},
		{name: "token over other data", fix: func(x *ft.TSA) { x.SetFault(ft.OtherImprint) }, want: "message imprint mismatch"},
		{name: "untrusted root", tsr: reply, ver: Options{Roots: other.Roots}, want: "does not chain to a root you trust"},
		{name: "system roots", tsr: reply, ver: Options{}, want: "does not chain to a root you trust"},
		{name: "no EKU", opts: ft.CertOptions{EKU: ft.EKUNone}, want: "not for time-stamping"},
		{name: "EKU not critical", opts: ft.CertOptions{EKU: ft.EKUNonCritical}, want: "not for time-stamping"},
		{name: "EKU not alone", opts: ft.CertOptions{EKU: ft.EKUExtra}, want: "not for time-stamping"},
		{name: "nonce mismatch", tsr: reply, ver: Options{Roots: good.Roots, Nonce: big.NewInt(42)}, want: "nonce"},
		{name: "policy mismatch", tsr: reply, ver: Options{Roots: good.Roots, Policy: asn1.ObjectIdentifier{1, 2, 3}}, want: "policy is 1.3.6.1.4.1.55555.1.1, not the 1.2.3"},
		{name: "time before certificate", opts: ft.CertOptions{NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, want: "outside its TSA certificate's validity"},
		{name: "no certificate", fix: func(x *ft.TSA) { x.SetFault(ft.NoCertificates) }, want: "carries no TSA certificate"},
		{name: "refused", fix: func(x *ft.TSA) { x.SetFault(ft.Refuse) }, want: "refused the request (status 2"},
		{name: "tampered TSTInfo", tsr: tampered, ver: Options{Roots: good.Roots}, want: "signature does not verify"},
		{name: "garbage", tsr: []byte("not DER"), want: "not an RFC 3161 timestamp"},
		{name: "empty", tsr: nil, want: "not an RFC 3161 timestamp"},
		{name: "trailing data", tsr: append(append([]byte{}, reply...), 0), ver: Options{Roots: good.Roots}, want: "not an RFC 3161 timestamp"},
		{name: "huge", tsr: make([]byte, MaxTokenBytes+1), want: "larger than"},
	} {
		tsr, ver, d := tc.tsr, tc.ver, tc.data
		if tc.fix != nil || tc.opts.EKU != ft.EKUCritical || !tc.opts.NotBefore.IsZero() {
			x := ft.NewTSA(at, tc.opts)
			if tc.fix != nil {
				tc.fix(x)
			}
			tsr = x.Reply(data)
			ver.Roots = x.Roots
			x.Close()
		}
		if d == nil {
			d = data
		}
		_, err := Verify(tsr, d, ver)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
		if untrusted := errors.Is(err, ErrUntrusted); untrusted != strings.Contains(tc.want, "root you trust") {
			t.Errorf("%s: errors.Is(err, ErrUntrusted) = %v", tc.name, untrusted)
		}
	}
}

func TestRequest(t *testing.T) {
	tsa := ft.NewTSA(at, ft.CertOptions{})
	defer tsa.Close()
	ctx := context.Background()
	reply, tok, err := Request(ctx, tsa.Client(), tsa.URL, data, Options{Roots: tsa.Roots, Policy: ft.TestPolicy})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Nonce == nil || !tok.Time.Equal(at) {
		t.Errorf("got %+v", tok)
	}
	if _, err := Verify(reply, data, Options{Roots: tsa.Roots}); err != nil {
		t.Errorf("the stored reply does not verify: %v", err)
	}

	tsa.SetFault(ft.WrongNonce)
	if _, _, err := Request(ctx, http.DefaultClient, tsa.URL, data, Options{Roots: tsa.Roots}); err == nil || !strings.Contains(err.Error(), "nonce") {
		t.Errorf("wrong nonce: %v", err)
	}
	tsa.SetFault(ft.NoFault)
	if _, _, err := Request(ctx, http.DefaultClient, tsa.URL, data, Options{Roots: tsa.Roots, Policy: asn1.ObjectIdentifier{1, 2, 3}}); err == nil || !strings.Contains(err.Error(), "policy") {
		t.Errorf("policy: %v", err)
	}
	if _, _, err := Request(ctx, http.DefaultClient, tsa.URL+"/nope", data, Options{Roots: tsa.Roots}); err != nil {
		// the test TSA answers on every path
		t.Errorf("path: %v", err)
	}
	tsa.Close()
	if _, _, err := Request(ctx, http.DefaultClient, tsa.URL, data, Options{Roots: tsa.Roots}); err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("closed TSA: %v", err)
	}
}

func TestLoadRoots(t *testing.T) {
	tsa := ft.NewTSA(at, ft.CertOptions{})
	defer tsa.Close()
	dir := t.TempDir()
	good := filepath.Join(dir, "roots.pem")
	os.WriteFile(good, append([]byte("# comment\n"), tsa.RootPEM...), 0o644)
	pool, err := LoadRoots(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(tsa.Reply(data), data, Options{Roots: pool}); err != nil {
		t.Errorf("with loaded roots: %v", err)
	}
	empty := filepath.Join(dir, "empty.pem")
	os.WriteFile(empty, []byte("nothing"), 0o644)
	if _, err := LoadRoots(empty); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("empty: %v", err)
	}
	if _, err := LoadRoots(filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("missing file accepted")
	}
	var _ *x509.CertPool = pool
}

func BenchmarkVerify(b *testing.B) {
	x := ft.NewTSA(at, ft.CertOptions{})
	defer x.Close()
	reply := x.Reply(data)
	for b.Loop() {
		if _, err := Verify(reply, data, Options{Roots: x.Roots}); err != nil {
			b.Fatal(err)
		}
	}
}
