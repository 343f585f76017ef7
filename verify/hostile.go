package verify

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// This file holds what keeps hostile input from misleading the reader or
// from costing unbounded time: characters that make a text read
// differently than it is signed, names that imitate others, and limits on
// keys and signatures (docs/SECURITY.md lists every case and its verdict).

// Limits on what one verdict judges. Real canaries and keys are far below
// them; beyond them the input is refused rather than judged slowly.
const (
	// MaxSignatures is the most signature packets judged in one canary:
	// canarykit allows 20 signers, and real canaries carry at most 4.
	MaxSignatures = 100
	// MaxKeyUserIDs and MaxKeySubkeys bound one key: every self-signature
	// is checked once, and a key with tens of thousands of user IDs would
	// take seconds per key.
	MaxKeyUserIDs = 1000
	MaxKeySubkeys = 1000
	// MaxKeySelfSignatures bounds the self-signatures and revocations of
	// one key, across its user IDs and subkeys.
	MaxKeySelfSignatures = 5000
)

// CheckKeys refuses keys beyond the limits above, naming the key.
func CheckKeys(keys openpgp.EntityList) error {
	for _, e := range keys {
		if e == nil || e.PrimaryKey == nil {
			return fmt.Errorf("a key without a primary key was given")
		}
		fp := fmt.Sprintf("%X", e.PrimaryKey.Fingerprint)
		if n := len(e.Identities); n > MaxKeyUserIDs {
			return fmt.Errorf("key %s has %d user IDs, more than the %d canarykit reads; it is not a publisher's key as published", fp, n, MaxKeyUserIDs)
		}
		if n := len(e.Subkeys); n > MaxKeySubkeys {
			return fmt.Errorf("key %s has %d subkeys, more than the %d canarykit reads", fp, n, MaxKeySubkeys)
		}
		sigs := len(e.DirectSignatures) + len(e.Revocations)
		for _, id := range e.Identities {
			sigs += len(id.SelfCertifications) + len(id.Revocations)
		}
		for _, s := range e.Subkeys {
			sigs += len(s.Bindings) + len(s.Revocations)
		}
		if sigs > MaxKeySelfSignatures {
			return fmt.Errorf("key %s carries %d self-signatures, more than the %d canarykit checks", fp, sigs, MaxKeySelfSignatures)
		}
	}
	return nil
}

// invisible reports whether r is a character that changes how the text
// around it is displayed without being seen itself: bidirectional
// controls, which reorder what follows them, and zero-width characters,
// which make two texts that look the same differ.
func invisible(r rune) (name string, ok bool) {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return "a bidirectional control", true
	case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF, r == 0x00AD, r == 0x180E, r == 0x034F,
		r >= 0x2061 && r <= 0x2064, r >= 0xE0000 && r <= 0xE007F, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0:
		return "an invisible character", true
	}
	return "", false
}

// hiddenCharacters describes the invisible characters of s, or "".
func hiddenCharacters(s string) string {
	if isASCII(s) {
		return "" // every invisible character is outside ASCII
	}
	var found []string
	n := 0
	for i, r := range s {
		n++
		if name, ok := invisible(r); ok {
			if len(found) == 3 {
				found = append(found, "…")
				break
			}
			found = append(found, fmt.Sprintf("%s %U at character %d", name, r, utf8.RuneCountInString(s[:i])+1))
		}
	}
	return strings.Join(found, ", ")
}

// checkText warns about characters that can make the signed text read
// differently than it is signed: the reader sees them escaped (WriteText),
// and is told why.
func (r *Result) checkText() {
	var where []string
	add := func(what, id, s string) {
		if h := hiddenCharacters(s); h != "" {
			if id != "" {
				what = fmt.Sprintf("%s %q", what, id)
			}
			where = append(where, what+" ("+h+")")
		}
	}
	switch {
	case r.Canary != nil:
		add("the issuer name", "", r.Canary.Issuer.Name)
		add("the issuer URL", "", r.Canary.Issuer.URL)
		for _, s := range r.Canary.Statements {
			add("statement", s.ID, s.Text)
		}
		for _, p := range r.Canary.Freshness {
			add("a news headline", "", p.Title)
		}
	case r.FreeText != nil:
		add("the text", "", r.FreeText.Text)
	default:
		return
	}
	if len(where) > 0 {
		if len(where) > 5 {
			where = append(where[:5], fmt.Sprintf("and %d more", len(where)-5))
		}
		r.add("text", Warning, "%s contain(s) invisible or direction-changing characters: they can make a statement read differently than it is signed, so they are shown escaped (\\u202E); read the escaped text", strings.Join(where, "; "))
	}
}

// lookalikeScripts are the scripts whose letters imitate Latin ones.
var lookalikeScripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Latin", unicode.Latin}, {"Greek", unicode.Greek}, {"Cyrillic", unicode.Cyrillic},
	{"Armenian", unicode.Armenian}, {"Cherokee", unicode.Cherokee}, {"Coptic", unicode.Coptic},
}

// latinLookalikes are Greek and Cyrillic letters that look like Latin ones.
const latinLookalikes = "АВЕЅІЈКМНОРСТХУаеіјорсухѕԁһԛԝҮүӀӏΑΒΕΖΗΙΚΜΝΟΡΤΥΧανορτυχϲϳ"

func scriptOf(r rune) string {
	for _, s := range lookalikeScripts {
		if unicode.Is(s.table, r) {
			return s.name
		}
	}
	if unicode.IsLetter(r) {
		return "other"
	}
	return ""
}

// imitation says why name may imitate another name, or "": a word that
// mixes Latin with Greek, Cyrillic or other lookalike letters ("Εxample",
// with a Greek Epsilon), or a word written wholly in lookalikes beside
// Latin words ("Ехаmple Org" written all in Cyrillic but for its "m").
func imitation(name string) string {
	hasLatin := false
	var suspect string
	for _, word := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsDigit(r) }) {
		scripts := map[string]bool{}
		allLookalike := true
		for _, r := range word {
			s := scriptOf(r)
			if s == "" {
				continue
			}
			scripts[s] = true
			if s == "Latin" || !strings.ContainsRune(latinLookalikes, r) {
				allLookalike = false
			}
		}
		if scripts["Latin"] {
			hasLatin = true
		}
		if len(scripts) > 1 && scripts["Latin"] {
			var names []string
			for _, s := range lookalikeScripts {
				if scripts[s.name] {
					names = append(names, s.name)
				}
			}
			return fmt.Sprintf("the word %s mixes %s letters", strconv.QuoteToASCII(word), strings.Join(names, " and "))
		}
		if allLookalike && !scripts["Latin"] && len(scripts) > 0 && suspect == "" {
			suspect = word
		}
	}
	if hasLatin && suspect != "" {
		return fmt.Sprintf("the word %s is written in letters that look like Latin ones but are not", strconv.QuoteToASCII(suspect))
	}
	return ""
}

// checkIssuer warns when the issuer's name may imitate another's.
func (r *Result) checkIssuer() {
	if r.Canary == nil {
		return
	}
	if why := imitation(r.Canary.Issuer.Name); why != "" {
		r.add("issuer", Warning, "the issuer name %s may imitate another name: %s. Check that the key that signed it is the publisher's", strconv.QuoteToASCII(r.Canary.Issuer.Name), why)
	}
}

// display makes s safe to print to a terminal, visibly: control
// characters, invisible and direction-changing characters, and bytes that
// are not UTF-8 are written as escapes (\x00, \u202E, \xff); everything
// else is written as it is. Tabs are kept.
func display(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			clean = false
			break
		}
	}
	if clean && !isASCII(s) {
		for _, r := range s {
			if needsEscape(r) {
				clean = false
				break
			}
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case needsEscape(r) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case needsEscape(r) && r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\U%08X`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(r rune) bool {
	if r == '\t' {
		return false
	}
	if r == utf8.RuneError || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 {
		return true
	}
	if _, ok := invisible(r); ok {
		return true
	}
	return unicode.Is(unicode.Cf, r) // other format characters
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
