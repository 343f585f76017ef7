package verify_test

import (
	"fmt"
	"log"
	"os"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/verify"
)

// The publisher's key and a canary it signed (issued 2026-01-01, valid
// until 2026-04-01), from testdata.
func exampleInputs() (openpgp.EntityList, []byte) {
	f, err := os.Open("testdata/example-key.asc")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	keys, err := openpgp.ReadArmoredKeyRing(f)
	if err != nil {
		log.Fatal(err)
	}
	data, err := os.ReadFile("testdata/example-canary.txt.asc")
	if err != nil {
		log.Fatal(err)
	}
	return keys, data
}

func ExampleVerify() {
	keys, data := exampleInputs()
	// At fixes the moment of judgement; zero means now.
	r := verify.Verify(data, verify.Options{Keys: keys, At: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
	fmt.Println(r.Status)
	for _, c := range r.Checks {
		fmt.Println(c.Label(), c.Name)
	}
	// Output:
	// OK
	// OK signed-block
	// OK format
	// OK signature
	// OK signer
	// OK key
	// OK hash
	// OK threshold
	// OK signature-time
	// OK expiry
	// INFO window
}

func ExampleVerify_expired() {
	keys, data := exampleInputs()
	r := verify.Verify(data, verify.Options{Keys: keys, At: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)})
	fmt.Println(r.Status)
	fmt.Println(r.Summary)
	// Output:
	// CRITICAL
	// expired on 2026-04-01 12:00 UTC (29 days ago): the publisher has not renewed this canary in time
}

// Without the publisher's key nothing can be said of the canary: the
// verdict is UNKNOWN, and it is not authentic.
func ExampleVerify_noKeys() {
	_, data := exampleInputs()
	r := verify.Verify(data, verify.Options{At: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
	fmt.Println(r.Status, verify.Authentic(r))
	// Output:
	// UNKNOWN false
}
