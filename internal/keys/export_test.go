package keys

import (
	"testing"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// substitute_test.go is an external test: it checks what package verify
// makes of the keys found, and verify imports keys. These give it the
// key server double of keys_test.go.

type KeyServer = keyServer

func NewKeyServer(t *testing.T, hosts ...string) *KeyServer { return newKeyServer(t, hosts...) }
func (ks *keyServer) Handle(key, body string)               { ks.handle(key, body) }
func (ks *keyServer) Opts() Options                         { return ks.opts() }
func Fingerprints(el openpgp.EntityList) []string           { return fingerprints(el) }
func Zbase32(b []byte) string                               { return zbase32(b) }
