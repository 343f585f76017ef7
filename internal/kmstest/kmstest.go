// Package kmstest registers a stand-in KMS with sigstore, so that tests
// sign through the same kms.SignerVerifier interfaces a cloud KMS is used
// through, with keys held in the process (sigstore's fake provider). canary
// reaches it as it reaches a cloud KMS, through a canary-kms program: a
// test binary that calls ServeIfAsked in its TestMain and Use in a test is
// one, and cmd/canary-kms under this folder is one built on its own.
//
// The keys are fixed, so that a key exported in one process (canary key
// export-kms) signs in the next (canary issue):
//
//	testkms://ecdsa-p256   an ECDSA P-256 key
//	testkms://rsa-2048     an RSA-2048 key
//	testkms://other-p256   another ECDSA P-256 key
//	testkms://ed25519      an Ed25519 key, which OpenPGP-from-KMS refuses
package kmstest

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/kms"
	"github.com/sigstore/sigstore/pkg/signature/kms/fake"
)

// Scheme is the reference prefix of the stand-in KMS.
const Scheme = "testkms://"

var keys = map[string]string{
	"ecdsa-p256": `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgCSA7dv7lx6HghoHT
9hGWNTil/hQ1l+VD19/ka2IxKYOhRANCAAQZrlKiSYNd8gGYQKLK4i/hcc4xNojm
+W+acVXspK+gLsACAgb2lH2OD9m26cJMsMP/+/4ufUBmw7bKY0qheVya
-----END PRIVATE KEY-----
`,
	"rsa-2048": `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC++u7T/PIrhmRP
EIeAAwmEp7GOM7hxcWOdFtiofwtrXAMu6hReBxnyO6aVPUIBKkjvVbau+u82CZpu
zYWxUF603wy06h1DSKofFYoUejCskRiCcwCT37WARGJnoahsgS7qMQ2sp0FWg8gN
29mgp+XLdWEw0BRl7+uQnQw8Z/h+kVLMEOtdkIuekdPMB/G2umTiaV7lT1DDSj3l
HkROInj49WRyrumtBACgsg9OoYCOHIqbH80VDYft8QWjv8r//ofx9eOVw3npdDmE
MwXG5Arp1LcXjFOlo+zrCBqj3XVZow/BRJiZFj9czi1upt6h7cWTGinkHlJfcjxv
iwQicknXAgMBAAECggEARfrwMbixynYj4n7lj+hNABFss/VKxDLu8/yPpmprNktQ
lUvL68qBXOwzteLtAT1L3XtUhhjIN85cCvb/YsJW+cLzxoU09Nc3E03Su38sv8cp
Kn/WedkTCm3Ee0HW0++gT8tqvdXJ0NhYIY/qVn6/awbXdsoAd3vrHyIU/juA6GtX
gvUUqirZwcaMxOs16rjsvYblJpQ/8nXm2sLq/pTBQIy1NDw2UGaVrpLThvrGIL2X
gGQlv38u4k65f0rQzR1DwmG0E9H5fa41TZEb8063Vu7DfRDuiv+YeDItqbnJKNEI
aHRnoIA7i59RU1p8v/Bd8FLq1a4WQI65z7qK7Mh05QKBgQD7Q5UrVFJf/V9DR5p3
kyUkhrMmCenxkytrW7JpMbo+iunyraSNdKNj8LlSssU6JB4dESCnynj4PVCCKkdS
+ZPn8ZBB4KsG6jdqMueLbTY/tEPhLtutmyERSeEeB4njRhI1n34JrPR/aQHFcQQV
VXHD/QpO62IzCsaq5Kiqaum+JQKBgQDClHbqF+fkh6sYCScrWZhArbbSj8+KxSLP
sbFXhAxslT4nA/VAoV78SV9IHwwclqcMe7MgSOmoZoQVt3TaogXrUIJNgz9rb/DO
1F+4tUviJKQ87795zqRQvVjV4hDyBy01Y5Ez9wtIa7eAh141PriGjfIZ2ZTIE0O9
RBM/TYCxSwKBgBCrfy4MvhpYOQXBrmHYhVJTDXesmLTKSssonkGUZwLXPIY5Nv2b
i2uKAQGXkrY0xzqudDgtmrD9gGXiYDEFFecBg8ybFz2yNFL7ZZk+eaboUsiRz0lJ
TXxUJndTkLZfY73jAv2pV99MHC35PYgczxttok1yGGXChUO5P+duiGtxAoGBAJ+X
FVE6+j895t5342Byw6WI1QIuYZL3zW172HBnJamJXsixPl4b/MP/id6lWFG6Xpim
fGxmYP511q/ZIEaRzTkLd1QL6eA8l82L8laUnACG/Q3dtbY5/hsasdn66NsZd8Lq
PxXX8bEcaA1K+cHCB6aUlZUOGDFhW5XIV+D7uCmxAoGAdkuTgke9HP8cCtkwSvxP
/X1Mb2t8IvwpRNvjEKq2vglNvVjY0tJB1LFzmpnVI7TgIwPjsdhfj+w7axq+OZAE
a4a4L/x1tVctFKecGKd2jKbV4dki6ro0iUeOqGCuYmPUS2lpzgf18a7HoZeaauwV
Iyy3FuadknKz3EqBqcA9fW8=
-----END PRIVATE KEY-----
`,
	"other-p256": `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnNK2GQp4NAjn/ZA9
CW9yHIK7xesbSifIgjluOWbpwW6hRANCAAQWm7GyBlpwjoN2u7QphyICy7pbh2wu
42SzyV3LIQZE7JJJgVedAVLxqD4lzrbD+GFt5+loPSi9ihcaLkuRXkip
-----END PRIVATE KEY-----
`,
}

var once sync.Once

// Register adds the stand-in provider to sigstore's registry; calling it
// again does nothing.
func Register() {
	once.Do(func() {
		kms.AddProvider(Scheme, func(ctx context.Context, ref string, hf crypto.Hash, _ ...signature.RPCOption) (kms.SignerVerifier, error) {
			return open(ctx, ref, hf)
		})
	})
}

// open is the stand-in signer of ref, SCHEME://KEY, or KEY (sigstore
// hands a plugin the reference without its scheme).
func open(ctx context.Context, ref string, hf crypto.Hash) (*fake.SignerVerifier, error) {
	name := ref
	if _, after, ok := strings.Cut(ref, "://"); ok {
		name = after
	}
	k, err := key(name)
	if err != nil {
		return nil, err
	}
	return fake.LoadSignerVerifier(context.WithValue(ctx, fake.KmsCtxKey{}, k), hf)
}

func key(name string) (crypto.PrivateKey, error) {
	if name == "ed25519" {
		return ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)), nil
	}
	p, ok := keys[name]
	if !ok {
		return nil, fmt.Errorf("testkms: no key %q", name)
	}
	b, _ := pem.Decode([]byte(p))
	return x509.ParsePKCS8PrivateKey(b.Bytes)
}
