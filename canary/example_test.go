package canary_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/canarykit/canarykit/canary"
)

func ExampleParse() {
	// The signed text of a canary, as `gpg --decrypt` prints it.
	text, err := os.ReadFile("testdata/example-canary.txt")
	if err != nil {
		log.Fatal(err)
	}
	c, err := canary.Parse(text)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Issuer.Name, "serial", c.Serial, "expires", c.Expires.Format(time.DateOnly))
	for _, s := range c.Statements {
		fmt.Printf("[%s] %s\n", s.ID, s.Text)
	}
	// Output:
	// Example Org serial 1 expires 2026-04-01
	// [no-warrants] Example Org has not received any warrant for user data.
	// [no-gag-orders] Example Org is under no gag order.
}

func ExampleParse_error() {
	_, err := canary.Parse([]byte("Format: canarykit/1\nIssuer: Example Org\n"))
	var pe *canary.ParseError
	fmt.Println(errors.As(err, &pe))
	// Output:
	// true
}

func ExampleCanary_Render() {
	c := &canary.Canary{
		Format:    canary.FormatV1,
		Issuer:    canary.Issuer{Name: "Example Org", URL: "https://example.org/canary.txt"},
		Serial:    2,
		Issued:    time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC),
		Expires:   time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC),
		Threshold: 1,
		Statements: []canary.Statement{
			{ID: "no-warrants", Text: "Example Org has not received any warrant for user data."},
		},
	}
	if err := c.Validate(); err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(c.Render())
	// Output:
	// Format: canarykit/1
	// Issuer: Example Org
	// Issuer-URL: https://example.org/canary.txt
	// Serial: 2
	// Issued: 2026-04-01T12:00:00Z
	// Expires: 2026-07-01T12:00:00Z
	// Threshold: 1
	//
	// Statements:
	// [no-warrants] Example Org has not received any warrant for user data.
	//
	// If no newer canary has replaced this one by 2026-07-01T12:00:00Z, do not rely on the statements above: assume that they may no longer be true.
}

func ExampleDigest() {
	// The next canary names this one by the digest of its signed text, in
	// its Previous field; `sha256sum` of the same bytes agrees.
	text, err := os.ReadFile("testdata/example-canary.txt")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(canary.Digest(text))
	// Output:
	// sha256:a00b15bd15b5230d1de9d444fdc3679ee4209b3e59d10825f50fa464b2b2a8f1
}

func ExampleOpen() {
	data, err := os.ReadFile("testdata/example-canary.txt.asc")
	if err != nil {
		log.Fatal(err)
	}
	// Open takes the clearsigned block apart; it checks no signature
	// (package verify does).
	s, err := canary.Open(data)
	if err != nil {
		log.Fatal(err)
	}
	c, err := canary.Parse(s.Text)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Issuer.Name, "serial", c.Serial, "hash", s.HashHeader)
	// Output:
	// Example Org serial 1 hash [SHA512]
}
