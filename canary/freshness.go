package canary

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/canarykit/canarykit/internal/freshness"
)

// The optional Freshness section follows the statements: a header line,
// then one proof per line (see docs/FRESHNESS.md), then an empty line.
const freshnessHeader = "Freshness:"

func renderFreshness(b *bytes.Buffer, ps []freshness.Proof) {
	if len(ps) == 0 {
		return
	}
	b.WriteString("\n" + freshnessHeader + "\n")
	for i := range ps {
		b.WriteString(ps[i].Line() + "\n")
	}
}

// freshness reads the Freshness section if the text has one.
func (p *parser) freshness() []freshness.Proof {
	if p.err != nil || p.i >= len(p.lines) || p.lines[p.i] != freshnessHeader {
		return nil
	}
	p.mark("freshness")
	p.i++
	var ps []freshness.Proof
	for p.err == nil && p.i < len(p.lines) && p.lines[p.i] != "" && len(ps) <= freshness.MaxProofs {
		p.mark(fmt.Sprint("freshness ", len(ps)))
		proof, err := freshness.ParseLine(p.lines[p.i])
		if err != nil {
			p.fail("freshness proof: %v", err)
			return nil
		}
		ps = append(ps, *proof)
		p.i++
	}
	if len(ps) == 0 {
		p.fail("the Freshness section has no proof; a canary without proofs has no Freshness line")
	}
	p.literal("")
	return ps
}

func checkFreshness(ps []freshness.Proof) error {
	if err := freshness.CheckLimits(ps); err != nil {
		return inField("freshness", err)
	}
	for i := range ps {
		if err := ps[i].Validate(); err != nil {
			return fieldErr(fmt.Sprint("freshness ", i), "freshness proof %d: %v", i+1, err)
		}
	}
	return nil
}

// TokenName is the name of the i-th (from 0) timestamp file beside a
// canary file, where the publisher writes it and a reader looks for it
// (so it lives here, not with issuing): canary.txt.tsr, canary.txt.2.tsr, canary.txt.3.tsr, ...
func TokenName(file string, i int) string {
	if i == 0 {
		return file + ".tsr"
	}
	return file + "." + strconv.Itoa(i+1) + ".tsr"
}
