#!/usr/bin/env bash
# bench/compare.sh: how fast and lean canary verify is beside the tools a
# reader would use instead (gpg --verify, gpgv, sqv), measured side by side
# on the same canaries, and the package benchmarks of verify, issue and
# watch. Its latest output is in bench/RESULTS.md; it takes about 3 minutes
# (the first run 30 s more, to make the RSA-4096 key and the canaries).
#
#   bench/compare.sh              # everything
#   ROUNDS=10 WATCH=0 bench/compare.sh
#
# Every comparison is interleaved (bench/run: each round runs every command
# once, in turn), so that the load of a shared machine falls on all of
# them alike; the figures are medians. Fixtures are kept in $BENCH_WORK
# (default $TMPDIR/canarykit-bench) between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

work="${BENCH_WORK:-${TMPDIR:-/tmp}/canarykit-bench}"
rounds="${ROUNDS:-30}"
mkdir -p "$work/bin" "$work/home"
start=$(date +%s)

echo "== machine"
echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "cpu:     $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start"
echo "go:      $(go version | cut -d' ' -f3-)"
echo "gpg:     $(gpg --version | head -1)"
echo "sqv:     $(sqv --version)"

# canary is built as a release is: static (CGO_ENABLED=0). canary-cgo is
# what a plain `go build` makes where a C compiler is installed: linked
# against libc for the net package, which costs ~1 ms of dynamic loading.
CGO_ENABLED=0 go build -trimpath -o "$work/bin/canary" ./cmd/canary
go build -trimpath -o "$work/bin/canary-cgo" ./cmd/canary
CGO_ENABLED=0 go build -trimpath -o "$work/bin/floor" ./bench/floor
CGO_ENABLED=0 go build -trimpath -o "$work/bin/depfloor" ./bench/depfloor
go build -o "$work/bin/run" ./bench/run
go run ./bench/gen -out "$work/fix" -n 1000
bin="$work/bin"
# A state directory of its own, so that no trust store of the user's is
# read or written (gpg gets --homedir below).
export XDG_STATE_HOME="$work/home/state" GNUPGHOME="$work/home/gnupg"
for alg in ed25519 rsa4096; do
	f="$work/fix/$alg"
	if [ ! -d "$f/gh" ]; then
		mkdir -m 700 "$f/gh"
		gpg --homedir "$f/gh" --batch --quiet --import "$f/pub.asc" 2>/dev/null
		gpg --homedir "$f/gh" --batch --quiet --verify "$f/c/0001.txt" 2>/dev/null # makes the trustdb
	fi
	ls "$f"/c/*.txt >"$f/list"
done

run() { # run SPEC-FILE ROUNDS RATIOS
	"$bin/run" -spec "$1" -rounds "$2" -warmup 2 -ratio "$3"
}

for alg in ed25519 rsa4096; do
	f="$work/fix/$alg"
	echo
	echo "== one canary ($alg, $(wc -c <"$f/c/0001.txt") bytes), one process per verification, $rounds rounds"
	cat >"$work/spec-one" <<-EOF
		canary verify      | $bin/canary verify $f/c/0001.txt --key $f/pub.asc
		canary verify json | $bin/canary verify $f/c/0001.txt --key $f/pub.asc --format json
		canary-cgo verify  | $bin/canary-cgo verify $f/c/0001.txt --key $f/pub.asc
		gpg --verify       | gpg --homedir $f/gh --verify $f/c/0001.txt
		gpgv               | gpgv --keyring $f/pub.gpg $f/c/0001.txt
		sqv                | sqv --keyring $f/pub.gpg $f/sqv/0001.sig $f/sqv/0001.body
		go-crypto start-up | $bin/floor
		modules start-up   | $bin/depfloor
	EOF
	run "$work/spec-one" "$rounds" "canary verify/gpg --verify,canary verify/gpgv,canary verify/sqv,canary-cgo verify/sqv,canary verify/go-crypto start-up,modules start-up/gpg --verify,modules start-up/sqv,canary verify/modules start-up"

	echo
	echo "== 1000 canaries ($alg) in one process: canary verify against the go-crypto floor (decode and verify only, keys parsed once)"
	cat >"$work/spec-many" <<-EOF
		canary verify x1000    | $bin/canary verify --key $f/pub.asc --format json @$f/list
		canary verify x1000 -j1 | $bin/canary verify --key $f/pub.asc --format json --jobs 1 @$f/list
		go-crypto x1000        | $bin/floor -key $f/pub.asc @$f/list
	EOF
	run "$work/spec-many" $(( rounds / 3 )) "canary verify x1000/go-crypto x1000,canary verify x1000 -j1/go-crypto x1000"

	echo
	echo "== 1000 canaries ($alg) in one process: gpg --multifile --verify against canary verify"
	cat >"$work/spec-gpg" <<-EOF
		canary verify x1000 | $bin/canary verify --key $f/pub.asc --format json @$f/list
		gpg --multifile     | gpg --homedir $f/gh --multifile --verify @$f/list
	EOF
	run "$work/spec-gpg" 3 "gpg --multifile/canary verify x1000"
done

echo
echo "== start-up: package init of canary verify (GODEBUG=inittrace=1), median of 15 runs, ms"
f="$work/fix/ed25519"
for i in $(seq 15); do
	GODEBUG=inittrace=1 "$bin/canary" verify "$f/c/0001.txt" --key "$f/pub.asc" 2>&1 >/dev/null |
		awk '$1 == "init" { p = $2; n = split(p, e, "/")
			if (e[1] !~ /\./) g = "std"
			else if (p ~ /^github\.com\/canarykit\/canarykit\//) g = e[1] "/" e[2] "/" e[3] "/" e[4]
			else if (e[1] == "github.com" || e[1] == "golang.org") g = e[1] "/" e[2] "/" e[3]
			else g = e[1] "/" e[2]
			t[g] += $5; total += $5 }
			END { for (g in t) print g, t[g]; print "TOTAL", total }'
done | sort -k1,1 -k2,2g | awk '
	$1 != g { if (n) print m[int((n + 1) / 2)], g; g = $1; n = 0 }
	{ m[++n] = $2 }
	END { print m[int((n + 1) / 2)], g }' |
	sort -rg | awk '$1 >= 0.05 || $2 == "TOTAL" { printf "%8.3f  %s\n", $1, $2 }'

echo
echo "== package benchmarks (go test -bench)"
go test -run '^$' -bench 'BenchmarkVerifyVsFloor|BenchmarkVerify$|BenchmarkFloor' -benchtime 2s ./verify | grep -E '^Benchmark'
go test -run '^$' -bench 'BenchmarkIssue' -benchtime 20x ./internal/issue | grep -E '^Benchmark'
if [ "${WATCH:-1}" = 1 ]; then
	go test -run '^$' -bench 'BenchmarkWatch10k' -benchtime 1x ./internal/watch | grep -E '^Benchmark'
fi

echo
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg); took $(( $(date +%s) - start )) s"
