// Command floor is the go-crypto floor bench/compare.sh measures canary
// verify against: it parses the keys once, then for each FILE decodes the
// clearsigned block and verifies its signature with go-crypto, and nothing
// else (no canarykit format, no policy, no report). With no FILE it does
// nothing at all, which measures what merely starting a Go binary that
// links go-crypto costs.
//
//	floor -key pub.asc FILE...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

func main() {
	key := flag.String("key", "", "armored public key file")
	flag.Parse()
	if flag.NArg() == 0 {
		return
	}
	f, err := os.Open(*key)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	keyring, err := openpgp.ReadArmoredKeyRing(f)
	f.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	bad := 0
	for _, name := range flag.Args() {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		b, _ := clearsign.Decode(data)
		if b == nil {
			fmt.Fprintf(os.Stderr, "%s: no clearsigned block\n", name)
			bad++
			continue
		}
		if _, _, err := openpgp.VerifyDetachedSignature(keyring, bytes.NewReader(b.Bytes), b.ArmoredSignature.Body, nil); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			bad++
		}
	}
	if bad > 0 {
		os.Exit(2)
	}
}
