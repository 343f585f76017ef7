// Command depfloor is the start-up floor of any canary binary built on the
// project's required modules: it links the packages of those modules that
// canary needs (go-crypto, circl's BLS12-381 for drand, modernc.org/sqlite
// for the watchdog's history, x/net/html for web pages, cobra,
// goccy/go-yaml, the RFC 3161 library) and does nothing. sigstore's KMS
// signer is not among them: it lives in the separate program canary-kms,
// which canary runs only to sign with a kms:// key (docs/SIGNING.md).
// Package initialisation runs for every linked package whatever command a
// process runs, so no canary verify built on these modules can start faster
// than this; bench/compare.sh measures it beside gpg and sqv.
package main

import (
	_ "github.com/ProtonMail/go-crypto/openpgp/clearsign"
	_ "github.com/ProtonMail/go-crypto/openpgp/v2"
	_ "github.com/cloudflare/circl/ecc/bls12381"
	_ "github.com/digitorus/timestamp"
	_ "github.com/goccy/go-yaml"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/net/html"
	_ "golang.org/x/time/rate"
	_ "modernc.org/sqlite"
)

func main() {}
