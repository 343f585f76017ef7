// Package canary is the warrant canary document model: the canarykit/1
// text format (Parse, Canary.Render, Canary.Validate), the digest that
// chains one canary to the next (Digest), the clearsigned block a canary
// is published in (Open), the size limits that protect a reader, and the
// typed errors (ParseError, FieldError) that say which line or field is
// wrong. docs/FORMAT.md specifies the format itself.
//
// It holds nothing a reader does not need: making signatures lives in
// package signer and the publisher's workflow (definitions, issuing,
// cosigning, the publication folder) in package issue, so that a
// verifier links neither.
//
// # Stability
//
// canarykit is before 1.0, and no Go API is promised yet: a minor release
// may rename or move anything in this package, and its release notes will
// say so. What is meant to stay is small: Parse, Render, Validate,
// Digest and Open, the Canary, Statement and Issuer types, and the
// canarykit/1 text itself. The text format is the stable contract: a
// canary that parses today will parse, and render to the same bytes, in
// every later canarykit/1 reader, whatever happens to the Go names.
//
// Not promised at all: the exact wording of error messages (classify
// errors with errors.As on ParseError and FieldError, not by their text),
// and the limits' values, which may tighten.
package canary
