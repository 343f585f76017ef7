package verify

import (
	"context"
	"slices"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/trust"
	"github.com/canarykit/canarykit/verify"
)

// KeyFlagHelp is the help of --key, for every command that reads keys.
const KeyFlagHelp = "publisher's key: a key FILE (armored or binary; a keyring works), wkd:user@domain,\nvks:FINGERPRINT, or a FINGERPRINT the other keys must match; repeatable"

// resolveKeys turns the --key specs into keys. Its errors become an UNKNOWN
// verdict: a key that could not be found says nothing about the canary.
//
// wkd: and vks: keys are fetched with the client of the run's Fetcher, so
// through --proxy like the canary: a reader using Tor must not tell their
// network whose canary they check by asking the key server directly.
func resolveKeys(f *Options) (openpgp.EntityList, error) {
	fetcher, err := f.Web.Get()
	if err != nil {
		return nil, err
	}
	return keys.Resolve(context.Background(), f.Keys, keys.Options{HTTPClient: fetcher.Client(), VKS: f.VKS})
}

// GoodSigners are the distinct signers of the good signatures, in order.
func GoodSigners(r *verify.Result) []trust.Signer {
	var out []trust.Signer
	for _, s := range r.Signatures {
		if s.Status == verify.SigGood && s.Fingerprint != "" && !slices.ContainsFunc(out, func(o trust.Signer) bool { return o.Fingerprint == s.Fingerprint }) {
			out = append(out, trust.Signer{Fingerprint: s.Fingerprint, Name: s.Signer})
		}
	}
	return out
}

// checkPin adds the trust store's "pin" row for r (trust.CheckPin).
func checkPin(ios *cmdutil.Factory, r *verify.Result, source string, f *Options) {
	row := trust.CheckPin(trust.PinCheck{
		Source:   source,
		Signers:  GoodSigners(r),
		Verified: r.Status == verify.OK || r.Status == verify.Warning,
		Pin:      f.Pin,
		Path:     ios.TrustStorePath,
		Now:      ios.Now(),
	})
	if !row.Skip {
		r.Add("pin", row.Status, row.Message)
	}
}
