package freshness

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/canarykit/canarykit/internal/corpustest"
	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"
)

// The block and drand APIs are untrusted servers: these targets feed their
// answers to the code that reads them, through an in-memory transport, so
// that exactly what fetchDrand, fetchBitcoin and CheckMainChain do with a
// body is fuzzed, the size limits of get included.

const fuzzAPI = "https://api.example"

// fuzzServer answers every request in memory: f gives the status and body
// for a path.
type fuzzServer func(path string) (int, []byte)

func (s fuzzServer) RoundTrip(r *http.Request) (*http.Response, error) {
	status, body := s(r.URL.Path)
	return &http.Response{
		StatusCode:    status,
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}, nil
}

func (s fuzzServer) client() *http.Client { return &http.Client{Transport: s} }

// checkAnswerErr holds an error caused by a server's answer to what the
// user is shown: one line of printable text, of bounded length, however
// hostile the answer.
func checkAnswerErr(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	switch {
	case msg == "":
		t.Fatalf("empty error message")
	case len(msg) > 512:
		t.Fatalf("error message of %d bytes: %.200q...", len(msg), msg)
	case !utf8.ValidString(msg):
		t.Fatalf("error message is not UTF-8: %q", msg)
	case strings.ContainsFunc(msg, func(r rune) bool { return !unicode.IsPrint(r) }):
		t.Fatalf("error message has unprintable characters (line breaks, controls): %q", msg)
	}
}

// checkProof holds an accepted proof to the format: valid, genuine, and
// written as a line that reads back as itself.
func checkProof(t *testing.T, p *Proof) {
	t.Helper()
	if err := p.Validate(); err != nil {
		t.Fatalf("accepted an invalid proof: %v", err)
	}
	if err := p.Check(); err != nil {
		t.Fatalf("accepted a proof that does not check: %v", err)
	}
	q, err := ParseLine(p.Line())
	if err != nil {
		t.Fatalf("accepted a proof whose line does not parse: %v\n%s", err, p.Line())
	}
	if q.Line() != p.Line() {
		t.Fatalf("line does not round-trip:\n%s\n%s", p.Line(), q.Line())
	}
}

func beaconJSON(b ft.Beacon, randomness bool) string {
	sig, _ := hex.DecodeString(b.Signature)
	sum := sha256.Sum256(sig)
	s := `{"round":` + strconv.FormatUint(b.Round, 10)
	if randomness {
		s += `,"randomness":"` + hex.EncodeToString(sum[:]) + `"`
	}
	return s + `,"signature":"` + b.Signature + `"}`
}

// FuzzDrandResponse feeds fetchDrand the body of GET .../public/latest.
func FuzzDrandResponse(f *testing.F) {
	for _, b := range []ft.Beacon{ft.Round1000, ft.Round1001, ft.Round1002, ft.Round12040883} {
		f.Add([]byte(beaconJSON(b, true)))
		f.Add([]byte(beaconJSON(b, false)))
	}
	sum := sha256.Sum256([]byte("x"))
	for _, s := range []string{
		// What api.drand.sh answers, whitespace and upper case included.
		"{\n  \"round\": 1000,\n  \"randomness\": \"FE290BECA10872EF2FB164D2AA4442DE4566183EC51C56FF3CD603D930E54FDD\",\n  \"signature\": \"" + strings.ToUpper(ft.Round1000.Signature) + "\"\n}\n",
		`{"round":1000,"randomness":"` + hex.EncodeToString(sum[:]) + `","signature":"` + ft.Round1000.Signature + `"}`,
		`{"round":1001,"signature":"` + ft.Round1000.Signature + `"}`,
		`{"round":1000,"signature":"c0` + strings.Repeat("00", 47) + `"}`,
		`{"round":0,"signature":"00"}`,
		`{"round":20000000001,"signature":"00"}`,
		`{"round":18446744073709551616,"signature":"00"}`,
		`{"round":-1}`,
		// encoding/json quotes a number that does not fit whole.
		`{"round":` + strings.Repeat("9", 1000) + `}`,
		`{"round":"1000","signature":"` + ft.Round1000.Signature + `"}`,
		`{"round":5,"signature":"zz"}`,
		`{"round":1000,"signature":"` + ft.Round1000.Signature + `","round":1001}`,
		`{"ROUND":1000,"Signature":"` + ft.Round1000.Signature + `"}`,
		`[]`, `null`, `{}`, `not json`, "", "\xff",
	} {
		f.Add([]byte(s))
	}
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		srv := fuzzServer(func(path string) (int, []byte) {
			if path != "/"+quicknet.hash+"/public/latest" {
				return http.StatusNotFound, nil
			}
			return http.StatusOK, body
		})
		p, err := fetchDrand(context.Background(), srv.client(), fuzzAPI)
		if err != nil {
			checkAnswerErr(t, err)
			return
		}
		if len(body) > 64<<10 {
			t.Fatalf("accepted a %d-byte answer", len(body))
		}
		checkProof(t, p)
		// The proof is the beacon the server sent, nothing else.
		var b drandBeacon
		if err := json.Unmarshal(body, &b); err != nil {
			t.Fatalf("accepted an answer that is not a beacon: %v", err)
		}
		if p.Kind != Drand || p.Chain != quicknet.name || p.Round != b.Round || p.Signature.String() != strings.ToLower(b.Signature) {
			t.Fatalf("proof %+v is not the beacon %+v", p, b)
		}
		if !p.Time.Equal(quicknet.RoundTime(b.Round)) {
			t.Fatalf("round %d dated %v", p.Round, p.Time)
		}
		if b.Randomness != "" {
			sum := sha256.Sum256(p.Signature)
			if !strings.EqualFold(b.Randomness, hex.EncodeToString(sum[:])) {
				t.Fatalf("accepted randomness %q that is not SHA-256 of the signature", b.Randomness)
			}
		}
	})
}

// serializeHeader writes a parsed header back as its 80 wire bytes.
func serializeHeader(h *Header) []byte {
	b := make([]byte, 0, HeaderLen)
	b = binary.LittleEndian.AppendUint32(b, uint32(h.Version))
	b = append(b, h.Prev[:]...)
	b = append(b, h.Merkle[:]...)
	b = binary.LittleEndian.AppendUint32(b, uint32(h.Time.Unix()))
	b = binary.LittleEndian.AppendUint32(b, h.Bits)
	b = binary.LittleEndian.AppendUint32(b, h.Nonce)
	return b
}

func headerSeeds(f *testing.F) {
	for _, b := range []ft.Block{ft.Genesis, ft.Block794143, ft.Block881423} {
		raw, _ := hex.DecodeString(b.Header)
		f.Add(raw)
		f.Add(raw[:HeaderLen-1])
		f.Add(append(raw, 0))
	}
	f.Add(make([]byte, HeaderLen))
	f.Add(bytes.Repeat([]byte{0xff}, HeaderLen))
	f.Add([]byte{})
}

// FuzzParseHeader reads 80-byte block headers, as a block API serves them.
func FuzzParseHeader(f *testing.F) {
	headerSeeds(f)
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, err := ParseHeader(raw)
		if err != nil {
			checkAnswerErr(t, err)
			if len(raw) == HeaderLen {
				t.Fatalf("refused an 80-byte header: %v", err)
			}
			return
		}
		if len(raw) != HeaderLen {
			t.Fatalf("accepted a %d-byte header", len(raw))
		}
		// The parsed fields are the header: they write back the same bytes,
		// and the hash is that of those bytes.
		if got := serializeHeader(h); !bytes.Equal(got, raw) {
			t.Fatalf("header does not re-serialise:\n%x\n%x", got, raw)
		}
		first := sha256.Sum256(raw)
		second := sha256.Sum256(first[:])
		if want := hex.EncodeToString(reversed(second[:])); h.Hash() != want {
			t.Fatalf("Hash() = %s, want %s", h.Hash(), want)
		}
		if h.Time.Location().String() != "UTC" || h.Time.Unix() < 0 || h.Time.Unix() > math.MaxUint32 {
			t.Fatalf("header time %v", h.Time)
		}
		d := h.Difficulty()
		if math.IsNaN(d) || math.IsInf(d, 0) || d < 0 {
			t.Fatalf("difficulty %v", d)
		}
		if err := h.CheckWork(); err != nil {
			checkAnswerErr(t, err)
		} else {
			// The hash, read as a little-endian number, is at most the target.
			target := compactToTarget(h.Bits)
			if target == nil || target.Sign() <= 0 || new(big.Int).SetBytes(reversed(second[:])).Cmp(target) > 0 {
				t.Fatalf("CheckWork passed a header %s above its target %08x", h.Hash(), h.Bits)
			}
			if d < MinDifficulty {
				t.Fatalf("CheckWork passed difficulty %g, below %g", d, float64(MinDifficulty))
			}
		}
		// Any header makes a well-formed proof line that reads back.
		p := &Proof{Kind: Bitcoin, Height: 1, Time: h.Time, Header: raw}
		if err := p.Validate(); err != nil {
			t.Fatalf("a parsed header makes an invalid proof: %v", err)
		}
		q, err := ParseLine(p.Line())
		if err != nil || !bytes.Equal(q.Header, raw) || !q.Time.Equal(h.Time) {
			t.Fatalf("proof line does not read back: %v\n%s", err, p.Line())
		}
	})
}

// FuzzBitcoinResponse feeds fetchBitcoin a hostile answer to one of its
// three requests (the first byte picks which), the others being real
// mainnet answers for block 881423, three below the tip.
func FuzzBitcoinResponse(f *testing.F) {
	header := []byte(ft.Block881423.Header)
	for _, s := range [][]byte{
		append([]byte{0}, "881426"...), append([]byte{0}, "881426\n"...), append([]byte{0}, "881427"...),
		append([]byte{0}, "2"...), append([]byte{0}, "0881426"...), append([]byte{0}, "18446744073709551615"...),
		append([]byte{1}, ft.Block881423.Hash...), append([]byte{1}, (ft.Block881423.Hash + "\n")...),
		append([]byte{1}, strings.ToUpper(ft.Block881423.Hash)...), append([]byte{1}, ft.Block794143.Hash...),
		append([]byte{2}, header...), append([]byte{2}, append(header, '\n')...),
		append([]byte{2}, bytes.ToUpper(header)...), append([]byte{2}, ft.Block794143.Header...),
		append([]byte{2}, ft.Genesis.Header...), {2}, {0}, {1},
	} {
		f.Add(s)
	}
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		which, answer := data[0]%3, data[1:]
		served := uint64(881426)
		srv := fuzzServer(func(path string) (int, []byte) {
			switch {
			case path == "/blocks/tip/height":
				if which == 0 {
					served = 0
					if n, err := strconv.ParseUint(strings.TrimSpace(string(answer)), 10, 64); err == nil {
						served = n
					}
					return http.StatusOK, answer
				}
				return http.StatusOK, []byte("881426")
			case strings.HasPrefix(path, "/block-height/"):
				if which == 1 {
					return http.StatusOK, answer
				}
				return http.StatusOK, []byte(ft.Block881423.Hash)
			case strings.HasPrefix(path, "/block/") && strings.HasSuffix(path, "/header"):
				if which == 2 {
					return http.StatusOK, answer
				}
				return http.StatusOK, header
			}
			return http.StatusNotFound, nil
		})
		p, err := fetchBitcoin(context.Background(), srv.client(), fuzzAPI, 3)
		if err != nil {
			checkAnswerErr(t, err)
			return
		}
		checkProof(t, p)
		// Only the one header that hashes to 881423's hash can pass.
		if p.Kind != Bitcoin || p.Header.String() != ft.Block881423.Header {
			t.Fatalf("accepted header %s", p.Header)
		}
		if p.Height != served-3 {
			t.Fatalf("height %d, but the tip was %d and the depth 3", p.Height, served)
		}
		h, _ := ParseHeader(p.Header)
		if !p.Time.Equal(h.Time) {
			t.Fatalf("proof time %v, header time %v", p.Time, h.Time)
		}
	})
}

// statusField finds the one value of an object's key that encoding/json
// would decode into a field with that name: keys match case-insensitively.
// ok is false when several spellings make the answer ambiguous to predict.
func statusField(m map[string]any, name string) (v any, present, ok bool) {
	var keys []string
	for k := range m {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	switch len(keys) {
	case 0:
		return nil, false, true
	case 1:
		return m[keys[0]], true, true
	}
	return nil, true, false
}

// FuzzBlockStatus feeds CheckMainChain the body of GET /block/HASH/status.
// Its contract: ErrNotInMainChain means the API answered that the block
// is not in its best chain, or is at another height; any answer that does
// not say so, damaged or not a block status at all, is a could-not-check
// error.
func FuzzBlockStatus(f *testing.F) {
	const height = 881423
	for _, s := range []string{
		`{"in_best_chain":true,"height":881423,"block_hash":"` + ft.Block881423.Hash + `","block_time":1738195305}`,
		`{"in_best_chain":true}`,
		`{"in_best_chain":true,"height":null}`,
		`{"in_best_chain":false}`,
		`{"in_best_chain":false,"next_best":null}`,
		`{"in_best_chain":true,"height":881424}`,
		`{"in_best_chain":true,"height":-1}`,
		`{"in_best_chain":true,"height":881423.0}`,
		`{"in_best_chain":true,"height":18446744073709551616}`,
		`{"in_best_chain":true,"height":` + strings.Repeat("9", 1000) + `}`,
		`{"in_best_chain":"true"}`,
		`{"IN_BEST_CHAIN":true,"Height":881423}`,
		`{"in_best_chain":false,"in_best_chain":true}`,
		`{"in_best_chain":null}`,
		`{}`, `null`, `[]`, `true`, `{"error":"block not found"}`, `not json`, "",
		"{\"in_best_chain\":true}\n",
		"{\"in_best_chain\":true}" + strings.Repeat(" ", 4096),
	} {
		f.Add([]byte(s))
	}
	corpustest.Seeds(f)
	raw, _ := hex.DecodeString(ft.Block881423.Header)
	f.Fuzz(func(t *testing.T, body []byte) {
		p := &Proof{Kind: Bitcoin, Height: height, Header: raw}
		srv := fuzzServer(func(path string) (int, []byte) {
			if path != "/block/"+ft.Block881423.Hash+"/status" {
				return http.StatusNotFound, nil
			}
			return http.StatusOK, body
		})
		err := CheckMainChain(context.Background(), srv.client(), fuzzAPI, p)
		if err != nil {
			checkAnswerErr(t, err)
		}
		notIn := errors.Is(err, ErrNotInMainChain)
		if (err == nil || notIn) && (len(body) > 4096 || !json.Valid(body)) {
			t.Fatalf("an answer that is not JSON of at most 4096 bytes was taken for a block status: %v", err)
		}
		// What the answer says, decoded on its own.
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if len(body) > 4096 || !json.Valid(body) || dec.Decode(&m) != nil || m == nil {
			if err == nil || notIn {
				t.Fatalf("an answer that is not a JSON object was taken for a block status: %v", err)
			}
			return
		}
		inBest, _, ok1 := statusField(m, "in_best_chain")
		h, hasHeight, ok2 := statusField(m, "height")
		if !ok1 || !ok2 {
			return
		}
		var says string // what the answer says: "in", "not in", or "" (nothing)
		switch v := inBest.(type) {
		case bool:
			says = "not in"
			if v {
				says = "in"
			}
		default:
			// Absent or null says nothing; another type is not a block
			// status.
		}
		heightOK := true // the answer's height agrees, or is absent
		switch v := h.(type) {
		case nil:
		case json.Number:
			n, perr := strconv.ParseUint(v.String(), 10, 64)
			if perr != nil {
				says = "" // not a block status
			} else {
				heightOK = n == height
			}
		default:
			if hasHeight {
				says = ""
			}
		}
		switch {
		case says == "in" && heightOK:
			if err != nil {
				t.Fatalf("the API says the block is in its best chain at height %d, but: %v", height, err)
			}
		case says == "in" || says == "not in":
			if !notIn {
				t.Fatalf("the API says the block is not in its best chain (or at another height), but got %v", err)
			}
		default:
			if err == nil || notIn {
				t.Fatalf("an answer that says nothing about the block's chain (%s) gave %v", body, err)
			}
		}
	})
}
