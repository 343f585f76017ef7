package main

// The providers built in: each registers its reference prefix with
// sigstore when imported. Each is its own Go module, at v1.10.11 like the
// sigstore core module (v1.10.10 of these four needs Go 1.27; v1.10.11
// needs Go 1.25), and brings its cloud's SDK, which only canary-kms links.
// docs/SIGNING.md, "Providers", says which were tried and how they build.
import (
	_ "github.com/sigstore/sigstore/pkg/signature/kms/aws"        // awskms://
	_ "github.com/sigstore/sigstore/pkg/signature/kms/azure"      // azurekms://
	_ "github.com/sigstore/sigstore/pkg/signature/kms/gcp"        // gcpkms://
	_ "github.com/sigstore/sigstore/pkg/signature/kms/hashivault" // hashivault://, openbao://
)

// builtInProviders are the reference prefixes the imports above register.
var builtInProviders = []string{"awskms://", "azurekms://", "gcpkms://", "hashivault://", "openbao://"}
