package freshness

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HeaderLen is the size of a serialized Bitcoin block header.
const HeaderLen = 80

// maxHeight bounds the claimed height: a block every 10 minutes for a few
// thousand years.
const maxHeight = 1_000_000_000

// MinDifficulty is the least difficulty a header must carry to count. A
// header proves its own work only against its own nBits, which anyone can
// set low: without a floor, a header made on a laptop or taken from
// another SHA-256d chain would pass. Mainnet was above 5e13 from mid-2023
// (block 794143: about 5.1e13; 881423 in January 2025: about 1.08e14), so
// meeting this floor costs about half a block reward in electricity at
// today's difficulty. Raise it in later releases as difficulty grows;
// lowering it would let cheaper forgeries through.
const MinDifficulty = 5e13

// BitcoinLeeway is how far ahead of the real time a miner may date a
// block (Bitcoin Core's MAX_FUTURE_BLOCK_TIME): the block can have been
// made up to this long before the time in its header.
const BitcoinLeeway = 2 * time.Hour

var (
	// powLimit is mainnet's easiest target, difficulty 1 (nBits 1d00ffff
	// expands to this with the low bytes zero; Core's limit is all ones).
	powLimit, _ = new(big.Int).SetString("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 16)
	diff1       = compactToTarget(0x1d00ffff)
	// maxTarget is the easiest target MinDifficulty allows.
	maxTarget = new(big.Int).Div(diff1, big.NewInt(int64(MinDifficulty)))
)

// A Header is a parsed Bitcoin block header.
type Header struct {
	Version int32
	Prev    [32]byte // internal byte order
	Merkle  [32]byte
	Time    time.Time
	Bits    uint32
	Nonce   uint32
	hash    [32]byte // double SHA-256 of the 80 bytes, internal order
}

// ParseHeader reads an 80-byte header as serialized on the wire.
func ParseHeader(b []byte) (*Header, error) {
	if len(b) != HeaderLen {
		return nil, fmt.Errorf("a bitcoin block header is %d bytes, not %d", HeaderLen, len(b))
	}
	h := &Header{
		Version: int32(binary.LittleEndian.Uint32(b[0:4])),
		Time:    time.Unix(int64(binary.LittleEndian.Uint32(b[68:72])), 0).UTC(),
		Bits:    binary.LittleEndian.Uint32(b[72:76]),
		Nonce:   binary.LittleEndian.Uint32(b[76:80]),
	}
	copy(h.Prev[:], b[4:36])
	copy(h.Merkle[:], b[36:68])
	first := sha256.Sum256(b)
	h.hash = sha256.Sum256(first[:])
	return h, nil
}

// Hash is the block hash as block explorers show it: byte-reversed hex.
func (h *Header) Hash() string { return reversedHex(h.hash[:]) }

// reversedHex writes a hash the way Bitcoin shows it: as a little-endian
// number, most significant byte first.
func reversedHex(b []byte) string { return hex.EncodeToString(reversed(b)) }

// Difficulty is the header's difficulty as Bitcoin reports it: the
// difficulty-1 target over the header's target.
func (h *Header) Difficulty() float64 {
	t := compactToTarget(h.Bits)
	if t == nil || t.Sign() <= 0 {
		return 0
	}
	d, _ := new(big.Float).Quo(new(big.Float).SetInt(diff1), new(big.Float).SetInt(t)).Float64()
	return d
}

// CheckWork checks the header's proof of work as Bitcoin Core's
// CheckProofOfWork does, and against MinDifficulty.
func (h *Header) CheckWork() error {
	target, neg, overflow := compact(h.Bits)
	switch {
	case neg || overflow || target.Sign() == 0 || target.Cmp(powLimit) > 0:
		return fmt.Errorf("bitcoin header nBits %08x is not a valid target", h.Bits)
	case target.Cmp(maxTarget) > 0:
		return fmt.Errorf("bitcoin header %s has difficulty %.3g, below the %.3g canarykit requires: it is not a recent mainnet block (another chain's, or made cheaply)",
			h.Hash(), h.Difficulty(), float64(MinDifficulty))
	}
	hash := new(big.Int).SetBytes(reversed(h.hash[:]))
	if hash.Cmp(target) > 0 {
		return fmt.Errorf("bitcoin header %s does not meet its own target %08x: the header is damaged or forged", h.Hash(), h.Bits)
	}
	return nil
}

func reversed(b []byte) []byte {
	r := bytes.Clone(b)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return r
}

// compact expands nBits as Bitcoin Core's arith_uint256::SetCompact does.
func compact(bits uint32) (target *big.Int, negative, overflow bool) {
	size := bits >> 24
	word := bits & 0x007fffff
	target = new(big.Int)
	if size <= 3 {
		// Core shifts the word before judging its sign and overflow.
		word >>= 8 * (3 - size)
		target.SetUint64(uint64(word))
	} else {
		target.SetUint64(uint64(word))
		target.Lsh(target, uint(8*(size-3)))
	}
	negative = word != 0 && bits&0x00800000 != 0
	overflow = word != 0 && (size > 34 || word > 0xff && size > 33 || word > 0xffff && size > 32)
	return target, negative, overflow
}

func compactToTarget(bits uint32) *big.Int {
	t, neg, over := compact(bits)
	if neg || over {
		return nil
	}
	return t
}

// fetchBitcoin gets the header of the block depth blocks below the tip
// from an Esplora-style block API (GET /blocks/tip/height,
// /block-height/H, /block/HASH/header) and checks it offline.
func fetchBitcoin(ctx context.Context, client *http.Client, base string, depth int) (*Proof, error) {
	base = strings.TrimRight(base, "/")
	body, err := get(ctx, client, base+"/blocks/tip/height", 64)
	if err != nil {
		return nil, err
	}
	tip, err := strconv.ParseUint(strings.TrimSpace(string(body)), 10, 64)
	if err != nil || tip > maxHeight {
		return nil, fmt.Errorf("%s/blocks/tip/height: %q is not a block height; is this an Esplora-style block API?", base, clip(string(body)))
	}
	if tip < uint64(depth) {
		return nil, fmt.Errorf("%s: the chain tip %d is lower than the depth %d", base, tip, depth)
	}
	height := tip - uint64(depth)
	body, err = get(ctx, client, fmt.Sprintf("%s/block-height/%d", base, height), 128)
	if err != nil {
		return nil, err
	}
	hash := strings.TrimSpace(string(body))
	if _, err := parseHex(hash, 32); err != nil {
		return nil, fmt.Errorf("%s/block-height/%d: not a block hash: %v", base, height, err)
	}
	body, err = get(ctx, client, base+"/block/"+hash+"/header", 1024)
	if err != nil {
		return nil, err
	}
	raw, err := parseHex(strings.ToLower(strings.TrimSpace(string(body))), HeaderLen)
	if err != nil {
		return nil, fmt.Errorf("%s/block/%s/header: not a block header: %v", base, hash, err)
	}
	h, _ := ParseHeader(raw)
	if h.Hash() != hash {
		return nil, fmt.Errorf("%s: the header served for block %s hashes to %s", base, hash, h.Hash())
	}
	if err := h.CheckWork(); err != nil {
		return nil, fmt.Errorf("%s: %v; is this a Bitcoin mainnet API?", base, err)
	}
	return &Proof{Kind: Bitcoin, Height: height, Time: h.Time, Header: raw}, nil
}

// ErrNotInMainChain says the block API knows the block but not as part of
// its best chain.
var ErrNotInMainChain = errors.New("the block is not in the Bitcoin main chain")

// CheckMainChain asks the Esplora-style block API at base whether the
// proof's block is in its best chain at the claimed height
// (GET /block/HASH/status). Errors other than ErrNotInMainChain mean the
// question could not be answered. client is required: give the client of
// the Fetcher the canary came through (fetch.Fetcher.Client).
func CheckMainChain(ctx context.Context, client *http.Client, base string, p *Proof) error {
	h, err := ParseHeader(p.Header)
	if err != nil {
		return err
	}
	url := strings.TrimRight(base, "/") + "/block/" + h.Hash() + "/status"
	body, err := get(ctx, client, url, 4096)
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusNotFound {
		return fmt.Errorf("%w: %s does not know block %s", ErrNotInMainChain, base, h.Hash())
	}
	if err != nil {
		return err
	}
	// An answer without in_best_chain (null, {}, an error object) says
	// nothing about the block: it must not count as "not in the chain".
	var st struct {
		InBestChain *bool   `json:"in_best_chain"`
		Height      *uint64 `json:"height"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return fmt.Errorf("%s: not a block status: %s", url, clipErr(err))
	}
	switch {
	case st.InBestChain == nil:
		return fmt.Errorf("%s: not a block status: it has no in_best_chain", url)
	case !*st.InBestChain:
		return fmt.Errorf("%w: %s says block %s is not in its best chain", ErrNotInMainChain, base, h.Hash())
	case st.Height != nil && *st.Height != p.Height:
		return fmt.Errorf("%w: block %s is at height %d, not %d as the canary says", ErrNotInMainChain, h.Hash(), *st.Height, p.Height)
	}
	return nil
}
