package signer

import (
	"bytes"
	"errors"
	"slices"
	"time"

	"github.com/canarykit/canarykit/canary"
)

// Sign clearsigns text with every signer, all signatures in one block, each
// dated t. text must end with a line break and have no blanks at line ends
// (OpenPGP would strip them, and the canary would no longer hash the same).
func Sign(text []byte, signers []*Signer, t time.Time) ([]byte, error) {
	s := &canary.Signed{Text: text}
	for _, line := range bytes.Split(text, []byte("\n")) {
		if len(bytes.TrimRight(line, " \t\r")) != len(line) {
			return nil, errors.New("text has blanks at the end of a line; OpenPGP would not sign them")
		}
	}
	if len(signers) == 0 {
		return nil, errors.New("no signer configured")
	}
	if err := AddSignatures(s, signers, t); err != nil {
		return nil, err
	}
	return s.Encode()
}

// AddSignatures signs s's text with each signer and appends the signatures
// after the ones it already has; the text and earlier signatures stay as
// they are.
func AddSignatures(s *canary.Signed, signers []*Signer, t time.Time) error {
	canonical := s.Canonical()
	for _, sg := range signers {
		pkt, sig, err := sg.sign(canonical, t) // backend.go
		if err != nil {
			return err
		}
		s.Signatures = append(s.Signatures, pkt...)
		if name := canary.HashName(sig.Hash); name != "" && !slices.Contains(s.HashHeader, name) {
			s.HashHeader = append(s.HashHeader, name)
		}
	}
	return nil
}
