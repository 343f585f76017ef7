package verify

// Conformance on real canaries: every canary and every signature in the
// shared corpus (../shared/corpus, described by its MANIFEST.md), judged
// with fixed dates, so that a change of verdict on real data fails the
// build. docs/VERIFICATION.md compares these verdicts with GnuPG's and
// Sequoia's and explains every difference.

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/keys"
)

// corpusToday is the day the corpus was collected: "today" in its manifest.
var corpusToday = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// corpusDir finds the corpus: $CANARY_CORPUS, else ../shared/corpus beside
// the repository. It is not part of the repository, so the test skips
// without it, except in CI, which must run it.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CANARY_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.md")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs ../shared/corpus (or $CANARY_CORPUS) for the corpus conformance test: %v", err)
		}
		t.Skipf("no corpus at %s (set CANARY_CORPUS to run the conformance test): %v", dir, err)
	}
	return dir
}

// Key files, relative to the corpus.
const (
	qMarmarek     = "qubes/keys/security-team/marmarek-qubes-secpack-signing-key.asc" // self-signature of 2021-11-29 only
	qMarmarek2015 = "qubes/history/62f112619118/keys/security-team/marmarek-qubes-secpack-signing-key.asc"
	qSimon        = "qubes/keys/security-team/simon-qubes-secpack-signing-key.asc"
	qJoanna       = "qubes/keys/security-team/retired/joanna-qubes-secpack-signing-key.asc" // SHA-1 self-signature only
	qMaster       = "qubes/keys/master-key/qubes-master-key.asc"
	qMaster2017   = "qubes/history/11ef85f19730/keys/master-key/qubes-master-key.asc"
	kCurrent      = "kicksecure/keys/derivative.asc"                           // self-signatures of 2026-01-28 only, no expiry
	k2021         = "kicksecure/keys/history/4afbd86c840c/derivative.asc"      // expired 2026-01-23
	pLegacy       = "parrot/keys/3B3EAB807D70721BA9C03E55C7B39D0362972489.asc" // no expiry
	p2019         = "parrot/keys/813EEFE80280C579E2A1F5E6B56FFA946EB1660A.asc" // expired 2021-02-10
	p2021         = "parrot/keys/8B4060CA69A97356B2DCF551823BF07CEB5C469B.asc" // expired 2025-01-10
	nDomob        = "namecoin/keys/DanielKraft.asc"
	nJeremy       = "namecoin/keys/JeremyRand.asc" // RSA; SHA-1 subkey bindings only
	nJeremyGit    = "namecoin/keys/JeremyRand-Git.asc"
	r1E02         = "reifr.net/keys/Signing_key_1E02.asc"
	r7BDC         = "reifr.net/keys/Signing_key_7BDC.asc"
	jKey          = "jobarasoined/jobarasoined_public.asc"
)

// Primary key fingerprints, and key IDs of signers whose signatures carry
// no fingerprint and whose keys are not available.
const (
	fpMarmarek  = "2D1771FE4D767EDC76B089FAD655A4F21830E06A"
	fpSimon     = "EA18E7F040C41DDAEFE9AA0F4AC18DE1112E1490"
	fpJoanna    = "BB67A93CA089499C47B69E3C4E6829BC92C7B3DC"
	fpQMSK      = "427F11FD0FAA4B080123F01CDDFA1A3E36879494"
	fpKick      = "916B8D99C38EAF5E8ADC7A2A8D66066A2EEACCDA"
	fpPLegacy   = "3B3EAB807D70721BA9C03E55C7B39D0362972489"
	fpP2019     = "813EEFE80280C579E2A1F5E6B56FFA946EB1660A"
	fpP2021     = "8B4060CA69A97356B2DCF551823BF07CEB5C469B"
	fpPalinuro0 = "3D0DD8890EDA331635856A345EB6FE2B97B901AC" // not available
	fpPalinuro1 = "B53426427E80D19138AC6B1EA8DDF45502798DE2" // not available
	fpPalinuro4 = "564FCCFA72044673CED85F8FCAD102F67C50A5B9" // not available
	fpDomob     = "1142850E6DFF65BA63D688A8B2492AC4A7330737"
	fpJeremy    = "51740B7C732D572A31404010660555E1F8F7BF85"
	fpJeremyGit = "072978097FC125E6685BCE40FD7550C2EB800711"
	fpHlandau   = "95A9908DDFA16830BE9FB9003D30A3A9FF1360DC" // not available
	idJonasbits = "24C3A702BB11676A"                         // not available, key ID only
	fpR1E02     = "9CAF225661DA2385BBA24CFD782FB8F339241E02"
	fpR7BDC     = "20BB6616A3282A9F8F159A534BB8D801C1417BDC"
	fpJob       = "3EFB455817B18058ED480AB048046E086C37F406"
	fpRiseup    = "4E0791268F7C67EABE88F1B03043E2B7139A768E" // not available
	idRiseup    = "3043E2B7139A768E"                         // the 2016 signature names only this
)

var (
	qubesKeys     = []string{qMarmarek, qSimon, qJoanna, qMaster}
	qubesBothKeys = []string{qMarmarek, qMarmarek2015, qSimon, qJoanna, qMaster}
	qubes2015Keys = []string{qMarmarek2015, qSimon, qJoanna, qMaster2017}
	parrotKeys    = []string{pLegacy, p2019, p2021}
	namecoinKeys  = []string{nDomob, nJeremy, nJeremyGit}
	reifrKeys     = []string{r1E02, r7BDC}
)

// corpusKeyFiles says which primary keys each key file holds.
var corpusKeyFiles = map[string][]string{
	qMarmarek: {fpMarmarek}, qMarmarek2015: {fpMarmarek}, qSimon: {fpSimon}, qJoanna: {fpJoanna},
	qMaster: {fpQMSK}, qMaster2017: {fpQMSK},
	kCurrent: {fpKick}, k2021: {fpKick},
	pLegacy: {fpPLegacy}, p2019: {fpP2019}, p2021: {fpP2021},
	nDomob: {fpDomob}, nJeremy: {fpJeremy}, nJeremyGit: {fpJeremyGit},
	r1E02: {fpR1E02}, r7BDC: {fpR7BDC},
	jKey: {fpJob},
}

// corpusSignatures lists every OpenPGP signature in the corpus, by the
// file it signs (the clearsigned file itself, or the file a detached
// signature covers) and the key ID that made it, with its hash and date,
// as GnuPG reports them (MANIFEST.md).
var corpusSignatures = map[string]string{
	"qubes/canaries/canary-001-2015.txt 4E6829BC92C7B3DC":                                   "SHA1 2015-01-05T20:21:40Z",
	"qubes/canaries/canary-001-2015.txt D655A4F21830E06A":                                   "SHA1 2015-01-05T20:13:37Z",
	"qubes/canaries/canary-018-2019.txt 4E6829BC92C7B3DC":                                   "SHA256 2019-01-08T11:09:41Z",
	"qubes/canaries/canary-018-2019.txt D655A4F21830E06A":                                   "SHA256 2019-01-08T16:51:40Z",
	"qubes/canaries/canary-018-2019.txt 4AC18DE1112E1490":                                   "SHA512 2019-01-08T12:16:55Z",
	"qubes/canaries/canary-026-2021.txt 4E6829BC92C7B3DC":                                   "SHA256 2021-03-07T19:15:36Z",
	"qubes/canaries/canary-026-2021.txt D655A4F21830E06A":                                   "SHA256 2021-06-12T00:22:58Z",
	"qubes/canaries/canary-026-2021.txt 4AC18DE1112E1490":                                   "SHA512 2021-06-13T01:04:42Z",
	"qubes/canaries/canary-028-2021.txt 4E6829BC92C7B3DC":                                   "SHA256 2021-08-31T08:29:06Z",
	"qubes/canaries/canary-028-2021.txt D655A4F21830E06A":                                   "SHA256 2021-08-31T10:06:56Z",
	"qubes/canaries/canary-028-2021.txt 4AC18DE1112E1490":                                   "SHA512 2021-08-31T10:13:40Z",
	"qubes/canaries/canary-047-2026.txt D655A4F21830E06A":                                   "SHA256 2026-06-03T12:04:58Z",
	"qubes/canaries/canary-047-2026.txt 4AC18DE1112E1490":                                   "SHA512 2026-06-03T17:13:47Z",
	"qubes/history/b2da20d46ae1/canaries/canary-026-2021.txt 4E6829BC92C7B3DC":              "SHA256 2021-03-07T19:15:36Z",
	"qubes/history/b2da20d46ae1/canaries/canary-026-2021.txt D655A4F21830E06A":              "SHA256 2021-03-10T05:16:55Z",
	"qubes/history/b2da20d46ae1/canaries/canary-026-2021.txt 4AC18DE1112E1490":              "SHA512 2021-03-10T19:50:58Z",
	"kicksecure/canaries/2019-03-12_128094555f69/canary.txt CB8D50BB77BB3C48":               "SHA512 2019-03-12T11:44:36Z",
	"kicksecure/canaries/2023-06-02_a1194508996d/canary.txt CB8D50BB77BB3C48":               "SHA512 2023-06-02T13:56:14Z",
	"kicksecure/canaries/2023-06-02_a1194508996d/canary.txt.clearsign.asc CB8D50BB77BB3C48": "SHA512 2023-06-02T13:56:14Z",
	"kicksecure/canaries/2026-01-22_fd2d65cef904/canary.txt CB8D50BB77BB3C48":               "SHA512 2026-01-22T11:32:48Z",
	"kicksecure/canaries/2026-01-22_fd2d65cef904/canary.txt.clearsign.asc CB8D50BB77BB3C48": "SHA512 2026-01-22T11:32:48Z",
	"kicksecure/canaries/2026-07-17_3a332e5806b6/canary.txt CB8D50BB77BB3C48":               "SHA512 2026-07-17T08:31:35Z",
	"kicksecure/canaries/2026-07-17_3a332e5806b6/canary.txt.clearsign.asc CB8D50BB77BB3C48": "SHA512 2026-07-17T08:31:36Z",
	"parrot/canaries/warrant-canary-n0-2019-07-10.asc 5EB6FE2B97B901AC":                     "SHA512 2019-07-10T01:15:37Z",
	"parrot/canaries/warrant-canary-n0-2019-07-10.asc B56FFA946EB1660A":                     "SHA512 2019-07-10T01:15:37Z",
	"parrot/canaries/warrant-canary-n0-2019-07-10.asc C7B39D0362972489":                     "SHA512 2019-07-10T01:15:37Z",
	"parrot/canaries/warrant-canary-n1-2020-04-05-first-publish.asc A8DDF45502798DE2":       "SHA512 2020-04-05T13:54:18Z",
	"parrot/canaries/warrant-canary-n1-2020-04-05-first-publish.asc B56FFA946EB1660A":       "SHA512 2020-04-05T13:54:24Z",
	"parrot/canaries/warrant-canary-n1-2020-04-05-fixed.asc A8DDF45502798DE2":               "SHA512 2020-04-05T14:48:12Z",
	"parrot/canaries/warrant-canary-n1-2020-04-05-fixed.asc B56FFA946EB1660A":               "SHA512 2020-04-05T14:48:19Z",
	"parrot/canaries/warrant-canary-n4-2021-11-11.dedented.asc 823BF07CEB5C469B":            "SHA512 2021-11-11T01:14:53Z",
	"parrot/canaries/warrant-canary-n4-2021-11-11.dedented.asc CAD102F67C50A5B9":            "SHA512 2021-11-11T01:14:53Z",
	"namecoin/canaries/canary-001-2017.md 86086EB948246260":                                 "SHA512 2017-12-03T15:17:04Z",
	"namecoin/canaries/canary-001-2017.md 3D30A3A9FF1360DC":                                 "SHA256 2017-12-03T13:24:09Z",
	"namecoin/canaries/canary-001-2017.md B3F2D165786D6570":                                 "SHA256 2017-12-03T12:30:11Z",
	"namecoin/canaries/canary-002-2018.md 86086EB948246260":                                 "SHA512 2018-03-06T16:27:52Z",
	"namecoin/canaries/canary-002-2018.md 3D30A3A9FF1360DC":                                 "SHA256 2018-03-18T17:46:14Z",
	"namecoin/canaries/canary-002-2018.md B3F2D165786D6570":                                 "SHA256 2018-03-06T15:08:52Z",
	"namecoin/canaries/canary-002-2018.md 24C3A702BB11676A":                                 "SHA512 2018-03-08T00:06:02Z",
	"namecoin/canaries/canary-005-2019.md 86086EB948246260":                                 "SHA512 2019-04-30T08:44:45Z",
	"namecoin/canaries/canary-005-2019.md B3F2D165786D6570":                                 "SHA256 2019-04-30T01:47:37Z",
	"namecoin/canaries/canary-006-2020.md FD7550C2EB800711":                                 "SHA256 2020-10-02T18:07:11Z",
	"reifr.net/canaries/2018/canary1.txt 93D6BEBF655AD8DC":                                  "SHA512 2018-10-31T13:33:12Z",
	"reifr.net/canaries/2022/canary#14-Aug-10.txt 73011925C2E399DD":                         "SHA512 2022-08-10T19:30:12Z",
	"reifr.net/canaries/2022/canary#14-Aug-10.txt 93D6BEBF655AD8DC":                         "SHA512 2022-08-10T19:24:19Z",
	"reifr.net/canaries/2026/canary#31-Feb-09.txt 73011925C2E399DD":                         "SHA512 2026-02-09T22:14:06Z",
	"reifr.net/canaries/2026/canary#33-Aug-06.txt 73011925C2E399DD":                         "SHA512 2026-08-06T20:10:37Z",
	"reifr.net/canaries/2026/canary#33-Aug-06.txt 93D6BEBF655AD8DC":                         "SHA512 2026-08-06T20:10:40Z",
	"reifr.net/keys/Signing_key_1E02.asc 93D6BEBF655AD8DC":                                  "SHA512 2022-08-09T04:16:57Z",
	"reifr.net/keys/Master_Key_Transition/Deprecation_of_7BDC.md 93D6BEBF655AD8DC":          "SHA512 2022-08-10T16:40:23Z",
	"jobarasoined/canary.txt 48046E086C37F406":                                              "SHA512 2025-07-12T22:59:16Z",
	"riseup/canary-statement-signed.2016-08-15_88324edb7f3b.txt 3043E2B7139A768E":           "SHA512 2016-08-16T05:01:19Z",
	"riseup/canary-statement-signed.2017-02-16_10314a56249d.txt 3043E2B7139A768E":           "SHA512 2017-02-16T22:41:25Z",
	"riseup/canary-statement-signed.2024-07-31_5181b95beb99.txt 3043E2B7139A768E":           "SHA512 2024-07-31T22:18:32Z",
}

// corpusIgnored are the files of the corpus that hold no OpenPGP-signed
// canary: keys, notes, and signify signatures (checked apart: they must
// not be taken for OpenPGP ones).
func corpusIgnored(path string) bool {
	switch {
	case path == "MANIFEST.md", path == "reifr.net/canaries/Readme.md":
		return true
	case strings.Contains(path, "/keys/") && !strings.Contains(path, "Master_Key_Transition"):
		return true
	case path == jKey:
		return true
	case strings.HasPrefix(path, "kicksecure/") && (strings.HasSuffix(path, "canary.txt.sig") || strings.HasSuffix(path, ".embed.sig")):
		return true
	}
	return false
}

// A corpusCase is one judgement: a canary, the keys the reader gives, the
// moment it is judged at, and what canarykit must say.
type corpusCase struct {
	name      string
	file      string   // the canary (clearsigned, or the signed file)
	sigs      []string // its detached signature files; none when clearsigned
	keys      []string // key files given
	at        string   // RFC 3339 time or date; "" is corpusToday
	maxAge    time.Duration
	threshold int

	status Status
	// signatures maps the primary key fingerprint (or, for an unknown
	// signer named only by key ID, the key ID) to the signature's status.
	signatures map[string]string
	checks     []corpusCheck
	summary    string // in the verdict's first line, if set
	// sameAs names the corpus file whose signatures these are (a web page
	// holding a canary of the corpus), when not file itself.
	sameAs string
}

// corpusIssued is how each canary is dated when a signature counts (see
// corpusDates for the others): from the date its text states, or, when it
// states none, from the earliest good signature. Riseup's are never dated,
// as no signature of theirs can count.
var corpusIssued = map[string]struct{ from, textDate, issued string }{
	"qubes/canaries/canary-018-2019.txt":                                   {"text", "January 8, 2019", "2019-01-08"}, // "January  8, 2019"
	"qubes/canaries/canary-026-2021.txt":                                   {"text", "March 7, 2021", "2021-03-07"},   // re-signed in June
	"qubes/history/b2da20d46ae1/canaries/canary-026-2021.txt":              {"text", "March 7, 2021", "2021-03-07"},
	"qubes/canaries/canary-028-2021.txt":                                   {"text", "August 31, 2021", "2021-08-31"},
	"qubes/canaries/canary-047-2026.txt":                                   {"text", "June 03, 2026", "2026-06-03"},
	"kicksecure/canaries/2019-03-12_128094555f69/canary.txt":               {"signature", "", "2019-03-12T11:44:36Z"},
	"kicksecure/canaries/2023-06-02_a1194508996d/canary.txt":               {"signature", "", "2023-06-02T13:56:14Z"},
	"kicksecure/canaries/2023-06-02_a1194508996d/canary.txt.clearsign.asc": {"signature", "", "2023-06-02T13:56:14Z"},
	"kicksecure/canaries/2026-01-22_fd2d65cef904/canary.txt":               {"signature", "", "2026-01-22T11:32:48Z"},
	"kicksecure/canaries/2026-01-22_fd2d65cef904/canary.txt.clearsign.asc": {"signature", "", "2026-01-22T11:32:48Z"},
	"kicksecure/canaries/2026-07-17_3a332e5806b6/canary.txt":               {"signature", "", "2026-07-17T08:31:35Z"},
	"kicksecure/canaries/2026-07-17_3a332e5806b6/canary.txt.clearsign.asc": {"signature", "", "2026-07-17T08:31:36Z"},
	"parrot/canaries/warrant-canary-n0-2019-07-10.asc":                     {"text", "July 10 2019", "2019-07-10"}, // title
	"parrot/canaries/warrant-canary-n1-2020-04-05-fixed.asc":               {"text", "April 5 2020", "2020-04-05"},
	"parrot/canaries/warrant-canary-n4-2021-11-11.dedented.asc":            {"text", "November 11 2021", "2021-11-11"},
	"parrot/source/e04296883fc3/docs/legal/warrant-canary.md":              {"text", "July 10 2019", "2019-07-10"},
	"parrot/source/88fdcdd50a69/docs/legal/warrant-canary.md":              {"text", "April 5 2020", "2020-04-05"},
	"parrot/source/0a28e82af72b/src/en/warrant-canary.md":                  {"text", "November 11 2021", "2021-11-11"},
	"namecoin/canaries/canary-001-2017.md":                                 {"text", "December 3, 2017", "2017-12-03"},
	"namecoin/canaries/canary-002-2018.md":                                 {"text", "March 6, 2018", "2018-03-06"},
	"namecoin/canaries/canary-005-2019.md":                                 {"text", "April 30, 2019", "2019-04-30"},
	"namecoin/canaries/canary-006-2020.md":                                 {"text", "October 2, 2020", "2020-10-02"},
	"reifr.net/canaries/2018/canary1.txt":                                  {"text", "10/31/2018", "2018-10-31"}, // US order
	"reifr.net/canaries/2022/canary#14-Aug-10.txt":                         {"text", "08/10/2022", "2022-08-10"},
	"reifr.net/canaries/2026/canary#31-Feb-09.txt":                         {"text", "02/09/2026", "2026-02-09"},
	"reifr.net/canaries/2026/canary#33-Aug-06.txt":                         {"text", "08/06/2026", "2026-08-06"}, // not June 8
	"reifr.net/keys/Signing_key_1E02.asc":                                  {"signature", "", "2022-08-09T04:16:57Z"},
	"reifr.net/keys/Master_Key_Transition/Deprecation_of_7BDC.md":          {"signature", "", "2022-08-10T16:40:23Z"},
	// "Today is July 13th, 2025": the signer's local date, a day after
	// the UTC signature date 2025-07-12 22:59.
	"jobarasoined/canary.txt": {"text", "July 13th, 2025", "2025-07-13"},
}

// A corpusCheck is a check that must be in the verdict.
type corpusCheck struct {
	name     string
	status   Status
	fragment string
}

const corpusDay = 24 * time.Hour

// corpusTime reads a time of the tables: RFC 3339, a date (midnight UTC),
// or "" for corpusToday.
func corpusTime(s string) time.Time {
	if s == "" {
		return corpusToday
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if v, err := time.Parse(layout, s); err == nil {
			return v
		}
	}
	panic("bad time " + s + " in the corpus tables")
}

func qubesCase(name, canary string, keys []string, at string, threshold int, status Status, sigs map[string]string, checks ...corpusCheck) corpusCase {
	f := "qubes/canaries/canary-" + canary + ".txt"
	signers := []string{"joanna", "marmarek", "simon"}
	if canary == "001-2015" {
		signers = signers[:2]
	} else if canary == "047-2026" {
		signers = signers[1:]
	}
	var files []string
	for _, s := range signers {
		files = append(files, f+".sig."+s)
	}
	return corpusCase{name: name, file: f, sigs: files, keys: keys, at: at, maxAge: 120 * corpusDay, threshold: threshold,
		status: status, signatures: sigs, checks: checks}
}

func corpusCases() []corpusCase {
	const (
		good    = SigGood
		bad     = SigBad
		unknown = SigUnknownKey
		expired = SigExpiredKey
		weak    = SigWeakHash
		notYet  = SigNotYetValid
	)
	stale := corpusCheck{"expiry", Critical, "more than the --max-age"}
	noExpiry := corpusCheck{"expiry", Warning, "states no expiry"}
	differs := corpusCheck{"signature", Warning, "differs from what that signer signed"}
	// window is the publication window a Qubes-style canary states
	// ("in the first two weeks of April 2019"): it binds with or without
	// --max-age, and today every one of them has long passed.
	window := func(s Status, w string) corpusCheck {
		return corpusCheck{"expiry", s, "the text says the next canary comes in the first " + w}
	}
	// noAge judges without --max-age: the signatures and the dates the
	// text states make the verdict.
	noAge := func(c corpusCase, summary ...string) corpusCase {
		c.maxAge = 0
		c.summary = strings.Join(summary, "")
		return c
	}
	q018 := map[string]string{fpJoanna: weak, fpMarmarek: notYet, fpSimon: good}
	q018both := map[string]string{fpJoanna: weak, fpMarmarek: good, fpSimon: good}
	cases := []corpusCase{
		// Qubes. SHA-1 data signatures never count, whatever the keys or
		// the date.
		qubesCase("qubes-001 SHA-1 data signatures", "001-2015", qubesKeys, "", 1, Critical,
			map[string]string{fpJoanna: weak, fpMarmarek: weak},
			corpusCheck{"hash", Critical, "uses SHA1, which can be forged"},
			corpusCheck{"signer", Critical, "no valid signature by any key you gave"}),
		qubesCase("qubes-001 SHA-1 at its time, every key version", "001-2015", qubesBothKeys, "2015-01-10", 1, Critical,
			map[string]string{fpJoanna: weak, fpMarmarek: weak},
			corpusCheck{"threshold", Critical, "only 0 of the 1"}),
		// Joanna's key has only a SHA-1 self-signature; marmarek's current
		// key only one of 2021-11-29, after this canary.
		qubesCase("qubes-018 today", "018-2019", qubesKeys, "", 1, Critical, q018, window(Critical, "two weeks of April 2019"),
			corpusCheck{"key", Warning, "carries no self-signature as old as this signature"},
			corpusCheck{"hash", Warning, "only by a SHA1 self-signature"}),
		qubesCase("qubes-018 at its time, current keys", "018-2019", qubesKeys, "2019-01-10", 1, Warning, q018,
			window(OK, "two weeks of April 2019")),
		// With both versions of marmarek's key, his 2015 SHA-1
		// self-signature is vouched for by the strong one of 2021-11-29,
		// once that exists: judged today (without --max-age, so that
		// only the signatures and the missing expiry are judged), it
		// counts...
		noAge(qubesCase("qubes-018 today, both marmarek versions, 2 of 3", "018-2019", qubesBothKeys, "", 2, Critical, q018both,
			corpusCheck{"threshold", OK, "2 signer(s) signed, 2 required"},
			corpusCheck{"hash", Warning, "Joanna Rutkowska"}, window(Critical, "two weeks of April 2019"))),
		// ...but judged in 2019, nothing vouches for the SHA-1 one yet.
		qubesCase("qubes-018 at its time, both marmarek versions, 2 of 3", "018-2019", qubesBothKeys, "2019-01-10", 2, Critical,
			map[string]string{fpJoanna: weak, fpMarmarek: weak, fpSimon: good},
			corpusCheck{"threshold", Critical, "only 1 of the 2"}),
		qubesCase("qubes-018 at its time, 2015 marmarek only, 2 of 3", "018-2019", qubes2015Keys, "2019-01-10", 2, Critical,
			map[string]string{fpJoanna: weak, fpMarmarek: weak, fpSimon: good},
			corpusCheck{"threshold", Critical, "only 1 of the 2"}),
		// The real BADSIG: the text was changed after Joanna signed it.
		qubesCase("qubes-026 BADSIG today", "026-2021", qubesKeys, "", 1, Critical,
			map[string]string{fpJoanna: bad, fpMarmarek: notYet, fpSimon: good}, differs, window(Critical, "two weeks of June 2021"),
			corpusCheck{"issued", Warning, "says it was issued on March 7, 2021, but it was signed on 2021-06-13"}),
		// Never hidden, even when enough others signed: a warning (the
		// verdict is the lapsed window of June 2021).
		noAge(qubesCase("qubes-026 BADSIG beside 2 good of 2 required", "026-2021", qubesBothKeys, "", 2, Critical,
			map[string]string{fpJoanna: bad, fpMarmarek: good, fpSimon: good},
			corpusCheck{"signature", Warning, "Joanna Rutkowska (Qubes Security Pack Signing Key) <joanna@invisiblethingslab.com> (BB67A93CA089499C47B69E3C4E6829BC92C7B3DC) does not match the text: this file differs from what that signer signed"},
			corpusCheck{"threshold", OK, "2 signer(s) signed, 2 required"},
			corpusCheck{"issued", Warning, "signed on 2021-06-12"}, window(Critical, "two weeks of June 2021"))),
		qubesCase("qubes-026 BADSIG, 3 required", "026-2021", qubesBothKeys, "", 3, Critical,
			map[string]string{fpJoanna: bad, fpMarmarek: good, fpSimon: good},
			corpusCheck{"signature", Critical, "differs from what that signer signed"},
			corpusCheck{"threshold", Critical, "only 2 of the 3"}),
		qubesCase("qubes-028 at its time", "028-2021", qubesBothKeys, "2021-09-01", 1, Warning,
			map[string]string{fpJoanna: weak, fpMarmarek: weak, fpSimon: good},
			corpusCheck{"issued", OK, "issued August 31, 2021 (the issue date the text states)"}),
		noAge(qubesCase("qubes-028 today, both marmarek versions, 2 of 3", "028-2021", qubesBothKeys, "", 2, Critical, q018both, window(Critical, "fourteen days of December 2021"))),
		qubesCase("qubes-028 today", "028-2021", qubesKeys, "", 1, Critical, q018, window(Critical, "fourteen days of December 2021")),
		qubesCase("qubes-047 today, 2 of 2", "047-2026", qubesKeys, "", 2, Critical,
			map[string]string{fpMarmarek: good, fpSimon: good}, window(Critical, "fourteen days of September 2026"),
			corpusCheck{"key", OK, "not expired and not revoked when they signed"}),
		qubesCase("qubes-047 at its time, 2 of 2", "047-2026", qubesKeys, "2026-06-10", 2, OK,
			map[string]string{fpMarmarek: good, fpSimon: good}),
		qubesCase("qubes-047 at its time, 2015 marmarek only", "047-2026", qubes2015Keys, "2026-06-10", 1, Warning,
			map[string]string{fpMarmarek: weak, fpSimon: good},
			corpusCheck{"hash", Warning, "Marczykowski"}),
	}
	// The original text of canary 026, on which Joanna's signature is good.
	orig := "qubes/history/b2da20d46ae1/canaries/canary-026-2021.txt"
	origSigs := []string{orig + ".sig.joanna", orig + ".sig.marmarek", orig + ".sig.simon"}
	cases = append(cases,
		corpusCase{name: "qubes-026 original text at its time", file: orig, sigs: origSigs, keys: qubesBothKeys, at: "2021-03-15", maxAge: 120 * corpusDay,
			status:     Warning,
			signatures: map[string]string{fpJoanna: weak, fpMarmarek: weak, fpSimon: good},
			checks: []corpusCheck{{"signature", OK, "every signature by a key you gave matches the text"},
				{"issued", Warning, "says it was issued on March 7, 2021, but it was signed on 2021-03-10 19:50"}}},
		corpusCase{name: "qubes-026 original text today, both marmarek versions", file: orig, sigs: origSigs, keys: qubesBothKeys,
			status:     Critical,
			signatures: map[string]string{fpJoanna: weak, fpMarmarek: good, fpSimon: good},
			checks:     []corpusCheck{{"issued", Warning, "signed on 2021-03-10 05:16"}, window(Critical, "two weeks of June 2021")}},
		corpusCase{name: "qubes-026 original text today", file: orig, sigs: origSigs, keys: qubesKeys, maxAge: 120 * corpusDay,
			status: Critical, signatures: map[string]string{fpJoanna: weak, fpMarmarek: notYet, fpSimon: good}},
	)

	// Kicksecure: one key in two published versions. The current one has
	// only self-signatures of 2026-01-28; the 2021 one expired on
	// 2026-01-23. Each validates only some canaries; together, all.
	kickExpiry := time.Date(2026, 1, 23, 12, 41, 27, 0, time.UTC) // of the 2021 key version
	for _, k := range []struct {
		form, file string
		sigs       []string
		signed     string
	}{
		{"detached", "2019-03-12_128094555f69/canary.txt", []string{"2019-03-12_128094555f69/canary.txt.asc"}, "2019-03-12T11:44:36Z"},
		{"detached", "2023-06-02_a1194508996d/canary.txt", []string{"2023-06-02_a1194508996d/canary.txt.asc"}, "2023-06-02T13:56:14Z"},
		{"clearsigned", "2023-06-02_a1194508996d/canary.txt.clearsign.asc", nil, "2023-06-02T13:56:14Z"},
		{"detached", "2026-01-22_fd2d65cef904/canary.txt", []string{"2026-01-22_fd2d65cef904/canary.txt.asc"}, "2026-01-22T11:32:48Z"},
		{"clearsigned", "2026-01-22_fd2d65cef904/canary.txt.clearsign.asc", nil, "2026-01-22T11:32:48Z"},
		{"detached", "2026-07-17_3a332e5806b6/canary.txt", []string{"2026-07-17_3a332e5806b6/canary.txt.asc"}, "2026-07-17T08:31:35Z"},
		{"clearsigned", "2026-07-17_3a332e5806b6/canary.txt.clearsign.asc", nil, "2026-07-17T08:31:36Z"},
	} {
		const kd = "kicksecure/canaries/"
		var sigs []string
		for _, s := range k.sigs {
			sigs = append(sigs, kd+s)
		}
		signed := corpusTime(k.signed)
		current, v2021 := notYet, good
		if signed.After(kickExpiry) {
			current, v2021 = good, expired
		}
		name := "kicksecure " + k.file[:10] + " " + k.form
		add := func(suffix string, keys []string, at string, status Status, sig string, checks ...corpusCheck) {
			cases = append(cases, corpusCase{name: name + suffix, file: kd + k.file, sigs: sigs, keys: keys, at: at, maxAge: 28 * corpusDay,
				status: status, signatures: map[string]string{fpKick: sig}, checks: checks})
		}
		add(", current key, today", []string{kCurrent}, "", Critical, current)
		add(", 2021 key, today", []string{k2021}, "", Critical, v2021)
		add(", both keys, today", []string{kCurrent, k2021}, "", Critical, good, stale)
		add(", both keys, at its time", []string{kCurrent, k2021}, signed.Add(corpusDay).Format(time.RFC3339), OK, good,
			corpusCheck{"issued", OK, "no issue date in the text; dated by its signature"})
	}
	cases = append(cases,
		corpusCase{name: "kicksecure 2026-07-17 signed after the 2021 key expired", file: "kicksecure/canaries/2026-07-17_3a332e5806b6/canary.txt",
			sigs: []string{"kicksecure/canaries/2026-07-17_3a332e5806b6/canary.txt.asc"}, keys: []string{k2021}, at: "2026-07-18", maxAge: 28 * corpusDay,
			status: Critical, signatures: map[string]string{fpKick: expired},
			checks: []corpusCheck{{"key", Critical, "had expired when it signed on 2026-07-17"}}},
		corpusCase{name: "kicksecure 2019-03-12 before any self-signature of the current key", file: "kicksecure/canaries/2019-03-12_128094555f69/canary.txt",
			sigs: []string{"kicksecure/canaries/2019-03-12_128094555f69/canary.txt.asc"}, keys: []string{kCurrent}, at: "2019-03-13", maxAge: 28 * corpusDay,
			status: Critical, signatures: map[string]string{fpKick: notYet},
			checks: []corpusCheck{{"key", Critical, "carries no self-signature as old as this signature (2019-03-12 11:44 UTC)"}}},
	)

	// Parrot: several signatures in one clearsigned block; Palinuro's keys
	// are not available; every archive key but the legacy one is expired
	// now, all signed while valid.
	pn := func(n string) string { return "parrot/canaries/warrant-canary-" + n + ".asc" }
	cases = append(cases,
		corpusCase{name: "parrot n0 today", file: pn("n0-2019-07-10"), keys: parrotKeys, threshold: 2, status: Warning,
			signatures: map[string]string{fpPalinuro0: unknown, fpP2019: good, fpPLegacy: good},
			checks:     []corpusCheck{noExpiry, {"signer", OK, "also signed by keys you did not give: " + fpPalinuro0}}},
		corpusCase{name: "parrot n0 at its time", file: pn("n0-2019-07-10"), keys: parrotKeys, at: "2019-07-11", maxAge: 120 * corpusDay, threshold: 2, status: OK,
			signatures: map[string]string{fpPalinuro0: unknown, fpP2019: good, fpPLegacy: good}},
		// The real BADSIG of the first publication.
		corpusCase{name: "parrot n1 first publication BADSIG", file: pn("n1-2020-04-05-first-publish"), keys: parrotKeys, at: "2020-04-05T15:00:00Z", maxAge: 120 * corpusDay,
			status:     Critical,
			signatures: map[string]string{fpPalinuro1: unknown, fpP2019: bad},
			checks: []corpusCheck{
				{"signature", Critical, "Parrot project <team@parrotsec.org> (813EEFE80280C579E2A1F5E6B56FFA946EB1660A) does not match the text: this file differs from what that signer signed"},
				{"signer", Critical, "no valid signature by any key you gave"},
			}},
		corpusCase{name: "parrot n1 first publication today", file: pn("n1-2020-04-05-first-publish"), keys: parrotKeys, status: Critical,
			signatures: map[string]string{fpPalinuro1: unknown, fpP2019: bad}},
		corpusCase{name: "parrot n1 fixed at its time", file: pn("n1-2020-04-05-fixed"), keys: parrotKeys, at: "2020-04-06", maxAge: 120 * corpusDay, status: OK,
			signatures: map[string]string{fpPalinuro1: unknown, fpP2019: good}},
		corpusCase{name: "parrot n1 fixed today (key expired since)", file: pn("n1-2020-04-05-fixed"), keys: parrotKeys, status: Warning,
			signatures: map[string]string{fpPalinuro1: unknown, fpP2019: good}, checks: []corpusCheck{noExpiry}},
		corpusCase{name: "parrot n4 at its time", file: pn("n4-2021-11-11.dedented"), keys: parrotKeys, at: "2021-11-12", maxAge: 120 * corpusDay, status: OK,
			signatures: map[string]string{fpP2021: good, fpPalinuro4: unknown}},
		corpusCase{name: "parrot n4 at its time, 2 required", file: pn("n4-2021-11-11.dedented"), keys: parrotKeys, at: "2021-11-12", maxAge: 120 * corpusDay, threshold: 2,
			status: Unknown, signatures: map[string]string{fpP2021: good, fpPalinuro4: unknown},
			checks: []corpusCheck{{"threshold", Unknown, "also signed with key(s) you did not give: " + fpPalinuro4}}},
		corpusCase{name: "parrot n4 today", file: pn("n4-2021-11-11.dedented"), keys: parrotKeys, maxAge: 120 * corpusDay, status: Critical,
			signatures: map[string]string{fpP2021: good, fpPalinuro4: unknown}, checks: []corpusCheck{stale}},
	)
	// The markdown pages the Parrot canaries were published in: the block
	// is found inside a ```text fence and the page around it ignored...
	page := func(commit string) string { return "parrot/source/" + commit + "/docs/legal/warrant-canary.md" }
	aroundPage := corpusCheck{"signed-block", Warning, "characters of text around the signed block are not signed and were ignored"}
	cases = append(cases,
		corpusCase{name: "parrot n0 web page", file: page("e04296883fc3"), sameAs: pn("n0-2019-07-10"), keys: parrotKeys, at: "2019-07-11", maxAge: 120 * corpusDay, threshold: 2,
			status: Warning, signatures: map[string]string{fpPalinuro0: unknown, fpP2019: good, fpPLegacy: good}, checks: []corpusCheck{aroundPage}},
		corpusCase{name: "parrot n1 first publication web page", file: page("e6f9eec021b3"), sameAs: pn("n1-2020-04-05-first-publish"), keys: parrotKeys, at: "2020-04-05T15:00:00Z", maxAge: 120 * corpusDay,
			status: Critical, signatures: map[string]string{fpPalinuro1: unknown, fpP2019: bad},
			checks: []corpusCheck{aroundPage, {"signature", Critical, "differs from what that signer signed"}}},
		corpusCase{name: "parrot n1 fixed web page", file: page("88fdcdd50a69"), sameAs: pn("n1-2020-04-05-fixed"), keys: parrotKeys, at: "2020-04-06", maxAge: 120 * corpusDay,
			status: Warning, signatures: map[string]string{fpPalinuro1: unknown, fpP2019: good}, checks: []corpusCheck{aroundPage}},
		// ...and in n4's 4-space-indented code block, which is dedented
		// to the same block as the dedented copy above.
		corpusCase{name: "parrot n4 web page (indented code block)", file: "parrot/source/0a28e82af72b/src/en/warrant-canary.md", sameAs: pn("n4-2021-11-11.dedented"), keys: parrotKeys, at: "2021-11-12", maxAge: 120 * corpusDay,
			status: Warning, signatures: map[string]string{fpP2021: good, fpPalinuro4: unknown}, checks: []corpusCheck{aroundPage}},
	)

	// Namecoin: detached signatures by signing subkeys that expired long
	// ago (signed while valid); Jeremy's RSA subkey is bound only by SHA-1
	// signatures; hlandau's and jonasbits' keys are not available.
	nc := func(n string, signers ...string) (string, []string) {
		f := "namecoin/canaries/canary-" + n + ".md"
		var s []string
		for _, x := range signers {
			s = append(s, f+".asc."+x)
		}
		return f, s
	}
	n1, n1s := nc("001-2017", "domob", "hlandau", "jeremy")
	n2, n2s := nc("002-2018", "domob", "hlandau", "jeremy", "jonasbits")
	n5, n5s := nc("005-2019", "domob", "jeremy")
	n6, n6s := nc("006-2020", "jeremy")
	jeremyWeak := corpusCheck{"hash", Warning, "Jeremy Rand (Master Key) <jeremy@veclabs.net> (51740B7C732D572A31404010660555E1F8F7BF85) is bound to its user ID only by a SHA1 self-signature"}
	cases = append(cases,
		corpusCase{name: "namecoin 001 at its time", file: n1, sigs: n1s, keys: namecoinKeys, at: "2017-12-05", maxAge: 120 * corpusDay, status: Warning,
			signatures: map[string]string{fpDomob: good, fpHlandau: unknown, fpJeremy: weak},
			checks:     []corpusCheck{jeremyWeak, {"signer", OK, "also signed by keys you did not give: " + fpHlandau}}},
		corpusCase{name: "namecoin 001 at its time, 2 required", file: n1, sigs: n1s, keys: namecoinKeys, at: "2017-12-05", maxAge: 120 * corpusDay, threshold: 2,
			status: Critical, signatures: map[string]string{fpDomob: good, fpHlandau: unknown, fpJeremy: weak},
			checks: []corpusCheck{{"hash", Critical, "SHA1"}, {"threshold", Unknown, "also signed with key(s) you did not give: " + fpHlandau}}},
		corpusCase{name: "namecoin 001 today", file: n1, sigs: n1s, keys: namecoinKeys, maxAge: 120 * corpusDay, status: Critical,
			signatures: map[string]string{fpDomob: good, fpHlandau: unknown, fpJeremy: weak}, checks: []corpusCheck{window(Critical, "two weeks of March 2018")}},
		corpusCase{name: "namecoin 002 at its time", file: n2, sigs: n2s, keys: namecoinKeys, at: "2018-03-20", maxAge: 120 * corpusDay, status: Warning,
			signatures: map[string]string{fpDomob: good, fpHlandau: unknown, fpJeremy: weak, idJonasbits: unknown},
			checks:     []corpusCheck{{"signer", OK, idJonasbits}}},
		corpusCase{name: "namecoin 005 at its time", file: n5, sigs: n5s, keys: namecoinKeys, at: "2019-05-01", maxAge: 120 * corpusDay, status: Warning,
			signatures: map[string]string{fpDomob: good, fpJeremy: weak}},
		corpusCase{name: "namecoin 006 at its time", file: n6, sigs: n6s, keys: namecoinKeys, at: "2020-10-03", maxAge: 120 * corpusDay, status: OK,
			signatures: map[string]string{fpJeremyGit: good}},
		corpusCase{name: "namecoin 006 today (the series lapsed)", file: n6, sigs: n6s, keys: namecoinKeys, maxAge: 120 * corpusDay, status: Critical,
			signatures: map[string]string{fpJeremyGit: good}, checks: []corpusCheck{window(Critical, "two weeks of January 2021")}},
	)

	// reifr.net: binary and armored detached signatures by signing
	// subkeys; US dates; a key transition.
	rf := func(p string) string { return "reifr.net/canaries/" + p }
	c14, c31, c33 := rf("2022/canary#14-Aug-10.txt"), rf("2026/canary#31-Feb-09.txt"), rf("2026/canary#33-Aug-06.txt")
	cases = append(cases,
		corpusCase{name: "reifr 2018 #1 at its time", file: rf("2018/canary1.txt"), sigs: []string{rf("2018/canary1.txt.sig")}, keys: reifrKeys,
			at: "2018-11-01", maxAge: 100 * corpusDay, status: OK, signatures: map[string]string{fpR7BDC: good}},
		corpusCase{name: "reifr 2022 #14 at its time, 2 of 2", file: c14, sigs: []string{c14 + "-1E02.sig", c14 + "-7BDC.sig"}, keys: reifrKeys,
			at: "2022-08-11", maxAge: 100 * corpusDay, threshold: 2, status: OK, signatures: map[string]string{fpR1E02: good, fpR7BDC: good}},
		corpusCase{name: "reifr 2026 #31 at its time", file: c31, sigs: []string{c31 + "-1E02.sig"}, keys: reifrKeys,
			at: "2026-02-10", maxAge: 100 * corpusDay, status: OK, signatures: map[string]string{fpR1E02: good}},
		corpusCase{name: "reifr 2026 #31 at its time, 2 required (legacy signature missing)", file: c31, sigs: []string{c31 + "-1E02.sig"}, keys: reifrKeys,
			at: "2026-02-10", maxAge: 100 * corpusDay, threshold: 2, status: Critical, signatures: map[string]string{fpR1E02: good},
			checks: []corpusCheck{{"threshold", Critical, "only 1 of the 2"}}},
		corpusCase{name: "reifr 2026 #33 at its time, 2 of 2", file: c33, sigs: []string{c33 + "-1E02.sig", c33 + "-7BDC.sig"}, keys: reifrKeys,
			at: "2026-08-07", maxAge: 100 * corpusDay, threshold: 2, status: OK, signatures: map[string]string{fpR1E02: good, fpR7BDC: good},
			checks: []corpusCheck{{"issued", OK, "issued 08/06/2026 (the issue date the text states)"}}},
		// The next was promised for November 1-14, 2026.
		corpusCase{name: "reifr 2026 #33 today (overdue)", file: c33, sigs: []string{c33 + "-1E02.sig", c33 + "-7BDC.sig"}, keys: reifrKeys,
			maxAge: 100 * corpusDay, status: Critical, signatures: map[string]string{fpR1E02: good, fpR7BDC: good}, checks: []corpusCheck{stale}},
		// The key-transition proof: the old key's subkey signed the new key file.
		corpusCase{name: "reifr key transition proof over the new key", file: r1E02, sigs: []string{"reifr.net/keys/Master_Key_Transition/1E03_Proof_of_Ownership.sig"},
			keys: reifrKeys, at: "2022-08-10", status: Warning, signatures: map[string]string{fpR7BDC: good}, checks: []corpusCheck{noExpiry}},
		corpusCase{name: "reifr deprecation notice, clearsigned inside markdown", file: "reifr.net/keys/Master_Key_Transition/Deprecation_of_7BDC.md",
			keys: reifrKeys, at: "2022-08-11", status: Warning, signatures: map[string]string{fpR7BDC: good},
			checks: []corpusCheck{{"signed-block", Warning, "are not signed and were ignored"}}},
	)

	// jobarasoined: the date written is the signer's local one, a day
	// after the UTC signature date.
	cases = append(cases,
		corpusCase{name: "jobarasoined at its time", file: "jobarasoined/canary.txt", keys: []string{jKey}, at: "2025-07-14", maxAge: 123 * corpusDay,
			status: OK, signatures: map[string]string{fpJob: good},
			checks: []corpusCheck{{"issued", OK, "issued July 13th, 2025 (the issue date the text states), consistent with the signature date 2025-07-12 22:59 UTC"}}},
		corpusCase{name: "jobarasoined today (stale: every 4 months)", file: "jobarasoined/canary.txt", keys: []string{jKey}, maxAge: 123 * corpusDay,
			status: Critical, signatures: map[string]string{fpJob: good}, checks: []corpusCheck{stale}},
	)

	// Riseup: its key is not available. Given other keys, the verdict is
	// CRITICAL (it may not come from the publisher); given none, UNKNOWN
	// (nothing could be checked).
	for _, f := range []struct{ file, signer string }{
		{"riseup/canary-statement-signed.2016-08-15_88324edb7f3b.txt", idRiseup},
		{"riseup/canary-statement-signed.2017-02-16_10314a56249d.txt", fpRiseup},
		{"riseup/canary-statement-signed.2024-07-31_5181b95beb99.txt", fpRiseup},
	} {
		name := "riseup " + f.file[31:41]
		cases = append(cases,
			corpusCase{name: name + ", other keys", file: f.file, keys: []string{jKey}, maxAge: 120 * corpusDay, status: Critical,
				signatures: map[string]string{f.signer: unknown},
				checks:     []corpusCheck{{"signer", Critical, "no signature is by a key you gave: it was signed only by " + f.signer}}},
			corpusCase{name: name + ", no key", file: f.file, status: Unknown,
				signatures: map[string]string{f.signer: unknown},
				checks:     []corpusCheck{{"signer", Unknown, "no public key given"}}},
		)
	}
	return cases
}

// corpusDates are issue dates read from texts whose signatures do not
// count (so Verify never dates them), at their signature times.
var corpusDates = []struct {
	file, signed, want string
}{
	{"qubes/canaries/canary-001-2015.txt", "2015-01-05T20:13:37Z", "January 5th, 2015"},
	{"parrot/canaries/warrant-canary-n1-2020-04-05-first-publish.asc", "2020-04-05T13:54:24Z", "April 5 2020"},
	{"riseup/canary-statement-signed.2016-08-15_88324edb7f3b.txt", "2016-08-16T05:01:19Z", "August 16, 2016"},
	// "re-signed on the following dates: * February 1 * May 1 ...": no year.
	{"riseup/canary-statement-signed.2017-02-16_10314a56249d.txt", "2017-02-16T22:41:25Z", ""},
	{"riseup/canary-statement-signed.2024-07-31_5181b95beb99.txt", "2024-07-31T22:18:32Z", ""},
	// "Canary issue date: see the gpg signature time.", and a `date -R`
	// line in its proof of freshness, which is not read as the issue date.
	{"kicksecure/canaries/2026-07-17_3a332e5806b6/canary.txt", "2026-07-17T08:31:35Z", ""},
}

func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	read := func(t *testing.T, p string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// Each key file is parsed once.
	keyFiles := map[string]openpgp.EntityList{}
	t.Run("keys", func(t *testing.T) {
		for p, want := range corpusKeyFiles {
			el, err := keys.ReadKeyFile(filepath.Join(dir, filepath.FromSlash(p)))
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			var got []string
			for _, e := range el {
				got = append(got, keys.Fingerprint(e.PrimaryKey.Fingerprint))
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s holds %v, want %v", p, got, want)
			}
			keyFiles[p] = el
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	seenFiles := map[string]bool{}
	seenSigs := map[string]bool{}
	cases, ran := corpusCases(), 0
	for _, tc := range cases {
		t.Run("verdict/"+tc.name, func(t *testing.T) {
			ran++
			var keys openpgp.EntityList
			for _, k := range tc.keys {
				if keyFiles[k] == nil {
					t.Fatalf("key file %s is not in corpusKeyFiles", k)
				}
				keys = append(keys, keyFiles[k]...)
			}
			opts := Options{Keys: keys, At: corpusTime(tc.at), MaxAge: tc.maxAge, Threshold: tc.threshold}
			for _, s := range tc.sigs {
				opts.Signatures = append(opts.Signatures, read(t, s))
				seenFiles[s] = true
			}
			seenFiles[tc.file] = true
			r := Verify(read(t, tc.file), opts)

			if r.Status != tc.status {
				t.Errorf("verdict %s, want %s", r.Status, tc.status)
			}
			if len(r.Signatures) != len(tc.signatures) {
				t.Errorf("%d signatures, want %d", len(r.Signatures), len(tc.signatures))
			}
			for _, s := range r.Signatures {
				id := s.Fingerprint
				if id == "" {
					id = s.KeyID
				}
				if want, ok := tc.signatures[id]; !ok {
					t.Errorf("signature by unexpected key %s (key ID %s): %s", id, s.KeyID, s.Status)
				} else if s.Status != want {
					t.Errorf("signature by %s: %s, want %s", id, s.Status, want)
				}
				key := tc.file + " " + s.KeyID
				if tc.sameAs != "" {
					key = tc.sameAs + " " + s.KeyID
				}
				if facts, ok := corpusSignatures[key]; !ok {
					t.Errorf("signature %s is not in corpusSignatures", key)
				} else if got := s.Hash + " " + s.Created.Format(time.RFC3339); got != facts {
					t.Errorf("signature %s: %s, want %s", key, got, facts)
				}
				seenSigs[key] = true
			}
			for _, want := range tc.checks {
				found := false
				for _, c := range r.Checks {
					if c.Name == want.name && c.Status == want.status && strings.Contains(c.Message, want.fragment) {
						found = true
					}
				}
				if !found {
					t.Errorf("no %s check %s containing %q", want.status, want.name, want.fragment)
				}
			}
			if r.Status != OK && !strings.Contains(r.Summary, firstCheck(r, r.Status).Message) {
				t.Errorf("summary %q does not give the first %s check", r.Summary, r.Status)
			}
			if !strings.Contains(r.Summary, tc.summary) {
				t.Errorf("summary %q does not say %q", r.Summary, tc.summary)
			}

			if tc.status == Unknown && len(tc.signatures) == 0 {
				if r.FreeText != nil || r.Canary != nil {
					t.Errorf("a text was read from an input with no signed block")
				}
				return
			}
			// None is in the canarykit format: all go the free-text way.
			if r.Canary != nil || r.FreeText == nil {
				t.Fatalf("not judged as free text (canary %v)", r.Canary != nil)
			}
			f, anyGood := r.FreeText, false
			for _, s := range tc.signatures {
				anyGood = anyGood || s == SigGood
			}
			if want, ok := corpusIssued[tc.file]; !anyGood {
				if f.IssuedFrom != "" || !f.Issued.IsZero() {
					t.Errorf("dated %s from %q, with no good signature", f.Issued, f.IssuedFrom)
				}
			} else if !ok {
				t.Errorf("%s is not in corpusIssued", tc.file)
			} else if f.IssuedFrom != want.from || f.TextDate != want.textDate || !f.Issued.Equal(corpusTime(want.issued)) {
				t.Errorf("dated %s from %q (%q), want %s from %q (%q)",
					f.Issued.Format(time.RFC3339), f.IssuedFrom, f.TextDate, want.issued, want.from, want.textDate)
			}
			if t.Failed() {
				logResult(t, r)
			}
		})
	}

	t.Run("dates", func(t *testing.T) {
		for _, d := range corpusDates {
			text := read(t, d.file)
			if s, err := canary.Open(text); err == nil {
				text = s.Text
			}
			got := ""
			if f, _ := issueDate(string(text), corpusTime(d.signed)); f != nil {
				got = f.text
			}
			if got != d.want {
				t.Errorf("%s: issue date %q, want %q", d.file, got, d.want)
			}
		}
	})

	// Kicksecure's signify signatures sit where OpenPGP ones are looked
	// for (FILE.sig); they must be told apart, not misread.
	t.Run("signify", func(t *testing.T) {
		for _, dir := range []string{"2023-06-02_a1194508996d", "2026-01-22_fd2d65cef904", "2026-07-17_3a332e5806b6"} {
			for _, name := range []string{"canary.txt.sig", "canary.txt.embed.sig"} {
				p := "kicksecure/canaries/" + dir + "/" + name
				if _, err := canary.ReadSignatures(read(t, p)); err == nil {
					t.Errorf("%s: a signify signature read as OpenPGP", p)
				}
				seenFiles[p] = true
			}
		}
	})

	// Every canary and every signature of the corpus has a row.
	t.Run("coverage", func(t *testing.T) {
		if ran != len(cases) {
			t.Skipf("only %d of the %d verdicts ran", ran, len(cases))
		}
		var missing []string
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			rel = filepath.ToSlash(rel)
			if !seenFiles[rel] && !corpusIgnored(rel) {
				missing = append(missing, rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for k := range corpusSignatures {
			if !seenSigs[k] {
				missing = append(missing, "signature "+k)
			}
		}
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("no conformance row covers %s", m)
		}
	})
}

func firstCheck(r *Result, s Status) Check {
	for _, c := range r.Checks {
		if c.Status == s {
			return c
		}
	}
	return Check{}
}

func logResult(t *testing.T, r *Result) {
	t.Helper()
	var b strings.Builder
	b.WriteString(r.Status.String() + ": " + r.Summary + "\n")
	for _, c := range r.Checks {
		b.WriteString("  " + c.Status.String() + " " + c.Name + ": " + c.Message + "\n")
	}
	for _, s := range r.Signatures {
		b.WriteString("  signature " + s.Fingerprint + " " + s.KeyID + " " + s.Status + " " + s.Hash + " " + s.Created.Format(time.RFC3339) + "\n")
	}
	if f := r.FreeText; f != nil {
		b.WriteString("  free text: issued " + f.Issued.Format(time.RFC3339) + " from " + f.IssuedFrom + " (" + f.TextDate + ")\n")
	}
	t.Log(b.String())
}

// TestPrimaryUIDIsStable: the Kicksecure key has two user IDs certified in
// the same second, neither marked primary. go-crypto breaks that tie by
// map order, so the signer's name changed from run to run; ours must not.
func TestPrimaryUIDIsStable(t *testing.T) {
	dir := corpusDir(t)
	data, err := os.ReadFile(filepath.Join(dir, "kicksecure", "keys", "derivative.asc"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 40 {
		el, err := keys.ReadKeys(data)
		if err != nil {
			t.Fatal(err)
		}
		seen[primaryUID(el[0])] = true
	}
	if len(seen) != 1 {
		t.Fatalf("the key was named %d ways: %v", len(seen), seen)
	}
	if !seen["Patrick Schleizer <adrelanos@riseup.net>"] {
		t.Errorf("named %v, want the first of the tied user IDs in byte order", seen)
	}
}
