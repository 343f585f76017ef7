#!/usr/bin/env bash
# release/build.sh OUTDIR: build a canarykit release from a commit.
#
# Builds the committed tree of $REF (default HEAD), never the working tree:
# it is exported with git archive into a temporary folder first, so that
# uncommitted edits cannot slip into a release, and the output depends only
# on the commit and the Go toolchain. Writes to OUTDIR (which must not exist
# or be empty):
#
#   canary-{linux,darwin,windows}-{amd64,arm64}[.exe]
#   canary-kms-{linux,darwin,windows}-{amd64,arm64}[.exe]
#                          static binaries (CGO_ENABLED=0, -trimpath, no VCS
#                          stamp; version and commit set with -ldflags);
#                          canary-kms signs kms:// keys for canary and holds
#                          sigstore and the cloud SDKs (docs/SIGNING.md)
#   canarykit_VERSION_{amd64,arm64}.deb
#                          both binaries, man pages, completions, systemd
#                          units, docs
#   completions/           bash, zsh, fish and PowerShell completion scripts
#   man/                   the manual pages (docs/man/ of the commit)
#   sbom/*.txt             go version -m of each binary: module versions and
#                          their go.sum hashes, build settings
#   SHA256SUMS             sha256sum of all the above
#   SHA256SUMS.asc         SHA256SUMS clearsigned by canarykit itself
#                          (release/sign, package canary's signer)
#   release-key.asc        the public key that signed it
#
# The signing key is the armored OpenPGP secret key in $RELEASE_KEY (the key
# itself, or the name of a file holding it; its passphrase, if any, in
# CANARY_PASSPHRASE). Without RELEASE_KEY a throwaway key is made with
# canary key generate, and the script says so: such a release proves
# nothing about who built it.
#
# The same commit gives the same bytes, whatever folder it is built in
# (release/reproducible.sh checks it), for every file but SHA256SUMS.asc:
# the OpenPGP library salts each signature with a random notation, so two
# signatures of the same SHA256SUMS by the same key differ (both verify).
# The signature is dated at the commit time (SOURCE_DATE_EPOCH), or at the
# key's creation if that is later.
#
# No .rpm: no rpmbuild here, and nfpm would bring a packager's dependency
# tree into canarykit's go.mod for one file; the .deb is built with
# dpkg-deb from a staged tree instead.
set -euo pipefail

usage() { echo "usage: [RELEASE_KEY=...] [REF=HEAD] release/build.sh OUTDIR" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
start=$(date +%s)

repo=$(cd "$(dirname "$0")/.." && pwd)
out=$1
mkdir -p "$out"
if [[ -n "$(ls -A "$out")" ]]; then
	echo "build.sh: $out is not empty; give a new or empty folder" >&2
	exit 2
fi
out=$(cd "$out" && pwd)

export GOTOOLCHAIN=local CGO_ENABLED=0 LC_ALL=C TZ=UTC
export GOFLAGS=-mod=readonly
unset GOOS GOARCH GOARM GOAMD64 GOEXPERIMENT

ref=${REF:-HEAD}
commit=$(git -C "$repo" rev-parse --verify "$ref^{commit}")
short=${commit:0:12}
export SOURCE_DATE_EPOCH=$(git -C "$repo" log -1 --format=%ct "$commit")
# The version of the newest v* tag, e.g. v0.3.0 or v0.3.0-2-g0123456789ab;
# with no tag, a Go pseudo-version of the commit.
if ! version=$(git -C "$repo" describe --tags --match 'v[0-9]*' --abbrev=12 "$commit" 2>/dev/null); then
	version=v0.0.0-$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M%S)-$short
fi
# Debian versions start with a digit and sort a "-" as a revision.
debversion=${version#v}
debversion=${debversion//-/+}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src
mkdir -p "$src"
git -C "$repo" archive --format=tar "$commit" | tar -x -C "$src"
cd "$src"

echo "canarykit $version (commit $short), $(go version | cut -d' ' -f3)" >&2

ldflags="-s -w -buildid= -X main.version=$version -X main.commit=$short"
build() { # GOOS GOARCH OUTPUT PACKAGE
	GOOS=$1 GOARCH=$2 go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$3" "$4"
}

mkdir -p "$out/sbom"
for os in linux darwin windows; do
	for arch in amd64 arm64; do
		exe=canary-$os-$arch
		[[ $os == windows ]] && exe=$exe.exe
		echo "  building $exe" >&2
		build "$os" "$arch" "$out/$exe" ./cmd/canary
		(cd "$out" && go version -m "$exe") >"$out/sbom/canary-$os-$arch.txt"
		kms=canary-kms-$os-$arch
		[[ $os == windows ]] && kms=$kms.exe
		echo "  building $kms" >&2
		build "$os" "$arch" "$out/$kms" ./cmd/canary-kms
		(cd "$out" && go version -m "$kms") >"$out/sbom/canary-kms-$os-$arch.txt"
	done
done

# Tools that run here: canary itself and the signer, for this machine.
hostos=$(go env GOHOSTOS) hostarch=$(go env GOHOSTARCH)
build "$hostos" "$hostarch" "$tmp/canary" ./cmd/canary
build "$hostos" "$hostarch" "$tmp/sign" ./release/sign
canary=$tmp/canary

mkdir -p "$out/completions" "$out/man"
"$canary" completion bash >"$out/completions/canary.bash"
"$canary" completion zsh >"$out/completions/_canary"
"$canary" completion fish >"$out/completions/canary.fish"
"$canary" completion powershell >"$out/completions/canary.ps1"
cp docs/man/*.1 "$out/man/"

# .deb: a staged tree, file times at the commit, owned by root.
for arch in amd64 arm64; do
	pkg=$tmp/deb-$arch
	install -D -m 0755 "$out/canary-linux-$arch" "$pkg/usr/bin/canary"
	install -D -m 0755 "$out/canary-kms-linux-$arch" "$pkg/usr/bin/canary-kms"
	mkdir -p "$pkg/usr/share/man/man1"
	for m in docs/man/*.1; do
		gzip -9 -n -c "$m" >"$pkg/usr/share/man/man1/$(basename "$m").gz"
	done
	install -D -m 0644 "$out/completions/canary.bash" "$pkg/usr/share/bash-completion/completions/canary"
	install -D -m 0644 "$out/completions/_canary" "$pkg/usr/share/zsh/vendor-completions/_canary"
	install -D -m 0644 "$out/completions/canary.fish" "$pkg/usr/share/fish/vendor_completions.d/canary.fish"
	# The example units, installed but not enabled, running /usr/bin/canary.
	for u in docs/examples/*.service docs/examples/*.timer; do
		mkdir -p "$pkg/usr/lib/systemd/system"
		sed 's|/usr/local/bin/canary|/usr/bin/canary|g' "$u" >"$pkg/usr/lib/systemd/system/$(basename "$u")"
	done
	doc=$pkg/usr/share/doc/canarykit
	mkdir -p "$doc/examples"
	cp README.md docs/*.md "$doc/"
	cp docs/examples/* "$doc/examples/"
	mkdir -p "$pkg/DEBIAN"
	cat >"$pkg/DEBIAN/control" <<EOF
Package: canarykit
Version: $debversion
Architecture: $arch
Maintainer: canarykit <canarykit@users.noreply.github.com>
Installed-Size: $(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
Section: utils
Priority: optional
Homepage: https://github.com/canarykit/canarykit
Description: issue, sign and verify warrant canaries
 canary issues, signs and verifies warrant canaries: dated, signed
 statements that an organisation renews on a schedule, so that readers
 notice when one lapses or a statement disappears. Exit codes follow the
 monitoring-plugin convention (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
EOF
	find "$pkg" -type d -exec chmod 0755 {} +
	find "$pkg" -type f ! -path '*/usr/bin/*' -exec chmod 0644 {} +
	find "$pkg" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	dpkg-deb --root-owner-group -Zxz --build "$pkg" "$out/canarykit_${debversion}_$arch.deb" >/dev/null
done

(cd "$out" && find . -type f ! -name 'SHA256SUMS*' ! -name release-key.asc | sed 's|^\./||' | sort | xargs sha256sum) >"$out/SHA256SUMS"

# The signing key.
key=$tmp/release.sec.asc
if [[ -n "${RELEASE_KEY:-}" ]]; then
	if [[ $RELEASE_KEY == *"-----BEGIN PGP PRIVATE KEY BLOCK-----"* ]]; then
		(umask 077 && printf '%s\n' "$RELEASE_KEY" >"$key")
	elif [[ -f $RELEASE_KEY ]]; then
		key=$RELEASE_KEY
	else
		echo "build.sh: RELEASE_KEY is neither an armored secret key nor a file" >&2
		exit 2
	fi
else
	cat >&2 <<'EOF'

  *** RELEASE_KEY is not set: signing with a THROWAWAY key made just now.
  *** This release proves nothing about who built it. Set RELEASE_KEY to
  *** the armored release secret key to sign a real release.

EOF
	env -u CANARY_PASSPHRASE "$canary" key generate --no-passphrase \
		--uid "canarykit throwaway release key <release@invalid>" --out "$tmp/release" >/dev/null
fi
"$tmp/sign" -key "$key" -public "$out/release-key.asc" "$out/SHA256SUMS" "$out/SHA256SUMS.asc"

# Check the signature the way users will.
if command -v gpg >/dev/null; then
	export GNUPGHOME=$tmp/gnupg
	mkdir -m 0700 "$GNUPGHOME"
	gpg --batch --quiet --import "$out/release-key.asc" 2>/dev/null
	gpg --batch --status-fd 1 --verify "$out/SHA256SUMS.asc" 2>/dev/null | grep -q '^\[GNUPG:\] GOODSIG ' ||
		{ echo "build.sh: gpg does not accept SHA256SUMS.asc" >&2; exit 1; }
	echo "gpg --verify SHA256SUMS.asc: good signature" >&2
fi
set +e
verdict=$("$canary" verify "$out/SHA256SUMS.asc" --key "$out/release-key.asc" 2>&1)
code=$?
set -e
echo "canary verify SHA256SUMS.asc: exit $code: ${verdict%%$'\n'*}" >&2
if ((code == 2 || code == 3)); then
	echo "build.sh: canary verify does not accept SHA256SUMS.asc" >&2
	exit 1
fi
(cd "$out" && sha256sum --quiet -c SHA256SUMS)

echo "release $version in $out, $(($(date +%s) - start)) s" >&2
