package verify

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/internal/verdict"
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

// invisible, hiddenCharacters, display and needsEscape are the rule of
// package verdict, the one every text output of canarykit goes through
// (docs/SECURITY.md, "What reaches the terminal").
func invisible(r rune) (name string, ok bool) { return verdict.Invisible(r) }

func hiddenCharacters(s string) string { return verdict.HiddenCharacters(s) }

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

func display(s string) string { return verdict.Display(s) }

func needsEscape(r rune) bool { return verdict.NeedsEscape(r) }
