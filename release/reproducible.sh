#!/usr/bin/env bash
# release/reproducible.sh: build the release of $REF (default HEAD) twice,
# in two different temporary folders, with one key, and check that every
# file is byte for byte the same: binaries, .debs, completions, man pages,
# SBOMs, SHA256SUMS and the public key. The signature, SHA256SUMS.asc, is the
# one exception: its signed text must be SHA256SUMS exactly and both
# signatures must verify, but the signature packets differ, as the OpenPGP
# library salts every signature with a random notation
# (salt@notations.openpgpjs.org). Exits 1 and lists what differs otherwise.
#
# It runs release/build.sh twice: a few minutes with a cold build cache,
# much less with a warm one. Not part of .ci/run for that reason.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export GOTOOLCHAIN=local
start=$(date +%s)
# Both builds take the same commit, even if HEAD moves meanwhile.
REF=$(git -C "$repo" rev-parse --verify "${REF:-HEAD}^{commit}")
export REF

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ -z "${RELEASE_KEY:-}" ]]; then
	# One throwaway key for both builds, so that their signatures compare.
	(cd "$repo" && go build -o "$tmp/canary" ./cmd/canary)
	env -u CANARY_PASSPHRASE "$tmp/canary" key generate --no-passphrase \
		--uid "canarykit reproducibility test <release@invalid>" --out "$tmp/key" >/dev/null
	export RELEASE_KEY=$tmp/key.sec.asc
fi

"$repo/release/build.sh" "$tmp/a/out" 2>"$tmp/a.log" || { cat "$tmp/a.log" >&2; exit 1; }
"$repo/release/build.sh" "$tmp/elsewhere/b" 2>"$tmp/b.log" || { cat "$tmp/b.log" >&2; exit 1; }

if ! diff -r -x SHA256SUMS.asc "$tmp/a/out" "$tmp/elsewhere/b" >"$tmp/diff"; then
	echo "NOT reproducible:" >&2
	cat "$tmp/diff" >&2
	exit 1
fi
# Each signature covers exactly SHA256SUMS and verifies with the key.
(cd "$repo" && go build -o "$tmp/canary" ./cmd/canary)
for d in "$tmp/a/out" "$tmp/elsewhere/b"; do
	"$tmp/canary" verify "$d/SHA256SUMS.asc" --key "$d/release-key.asc" --max-age 3650d --format json >"$tmp/verdict.json" ||
		{ echo "NOT reproducible: $d/SHA256SUMS.asc does not verify" >&2; cat "$tmp/verdict.json" >&2; exit 1; }
	# The signed text is what the cleartext framework shows before the
	# signature; OpenPGP dash-escaping does not touch checksum lines.
	sed -n '/^-----BEGIN PGP SIGNED MESSAGE-----$/,/^-----BEGIN PGP SIGNATURE-----$/p' "$d/SHA256SUMS.asc" |
		sed '1,/^$/d;$d' >"$tmp/signed.txt"
	cmp -s "$tmp/signed.txt" "$d/SHA256SUMS" ||
		{ echo "NOT reproducible: $d/SHA256SUMS.asc does not sign SHA256SUMS" >&2; diff "$tmp/signed.txt" "$d/SHA256SUMS" >&2; exit 1; }
done
n=$(find "$tmp/a/out" -type f ! -name SHA256SUMS.asc | wc -l)
echo "reproducible: $n files identical in two builds of ${REF:0:12} in different folders; both signatures verify over the same SHA256SUMS ($(($(date +%s) - start)) s)"
(cd "$tmp/a/out" && sha256sum SHA256SUMS)
