// Package mangen writes canary's manual pages, canary(1), canary-verify(1)
// and one for every other command, from the cobra command tree, with the
// EXIT STATUS section that monitoring users look for.
//
// It is imported only by a test of cmd/canary (which owns the command
// tree), so that the man page renderer stays out of the canary binary:
//
//	go test ./cmd/canary -run '^TestManPages$' -update-man
//
// regenerates docs/man/, and the same test without -update-man fails when
// a page is missing, stale or left over.
package mangen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Options are the page headers' fields.
type Options struct {
	// Date is printed in each page's header (as "Jan 2006"). A fixed date
	// keeps the pages reproducible.
	Date time.Time
	// Source names the software, in the header's footer: "canarykit".
	Source string
	// Manual names the manual: "canarykit manual".
	Manual string
}

// Page is one generated manual page.
type Page struct {
	Name    string // canary-verify.1
	Command string // canary verify
	Roff    []byte
}

// Pages renders a page for root and every available command below it
// (hidden, deprecated and help commands have none), in tree order.
func Pages(root *cobra.Command, opts Options) ([]Page, error) {
	var pages []Page
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		if c != root && (!c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand()) {
			return nil
		}
		date := opts.Date
		header := &doc.GenManHeader{Section: "1", Date: &date, Source: opts.Source, Manual: opts.Manual}
		c.DisableAutoGenTag = true
		c.Long = preformat(c.Long)
		var buf bytes.Buffer
		if err := doc.GenMan(c, header, &buf); err != nil {
			return fmt.Errorf("%s: %v", c.CommandPath(), err)
		}
		pages = append(pages, Page{
			Name:    strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1",
			Command: c.CommandPath(),
			Roff:    insertSection(buf.Bytes(), exitStatus(c)),
		})
		for _, sub := range c.Commands() {
			if err := walk(sub); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return nil, err
	}
	return pages, nil
}

// Write renders the pages into dir, which must exist, and returns them.
func Write(root *cobra.Command, dir string, opts Options) ([]Page, error) {
	pages, err := Pages(root, opts)
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		if err := os.WriteFile(filepath.Join(dir, p.Name), p.Roff, 0o644); err != nil {
			return nil, err
		}
	}
	return pages, nil
}

// preformat fences each paragraph of a help text that has indented lines
// (tables of exit codes, aligned lists, command lines), which the help shows
// as they are and Markdown would otherwise reflow. It changes the command's
// Long: Pages is meant for a tree built only to render it.
func preformat(long string) string {
	paras := strings.Split(long, "\n\n")
	for i, p := range paras {
		for _, line := range strings.Split(p, "\n") {
			if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
				paras[i] = "```\n" + strings.TrimRight(p, "\n") + "\n```"
				break
			}
		}
	}
	return strings.Join(paras, "\n\n")
}

// insertSection puts section before SEE ALSO (where man-pages(7) puts EXIT
// STATUS), or at the end of a page that has none.
func insertSection(page []byte, section string) []byte {
	if i := bytes.Index(page, []byte("\n.SH SEE ALSO\n")); i >= 0 {
		out := append([]byte{}, page[:i+1]...)
		out = append(out, section...)
		return append(out, page[i+1:]...)
	}
	if len(page) > 0 && page[len(page)-1] != '\n' {
		page = append(page, '\n')
	}
	return append(page, section...)
}

// status is one row of an EXIT STATUS section.
type status struct {
	code int
	text string
}

// convention is the monitoring-plugin convention every canary command
// follows (README, docs/VERIFICATION.md, docs/WATCH.md).
var convention = []status{
	{0, "OK."},
	{1, "WARNING: nothing is wrong yet, but something needs attention soon; the report says what."},
	{2, "CRITICAL: a canary is invalid, expired, withdrawn or tripped (a statement disappeared), or a signature is bad."},
	{3, "UNKNOWN: the check could not be made: a usage mistake, an unreadable file or key, a network failure. Never a verdict about a canary."},
}

// verdicts are the commands whose exit code is a verdict, with what their
// codes mean; every other command exits 0 when it did its work and 3
// (UNKNOWN) when it could not.
var verdicts = map[string][]status{
	"canary verify": {
		{0, "OK: every canary checked is valid, signed by a trusted key and current."},
		{1, "WARNING: valid, but something needs attention; the report says what."},
		{2, "CRITICAL: invalid, expired, withdrawn, tripped (a statement disappeared since the last canary seen) or badly signed."},
		{3, "UNKNOWN: could not check (no key given, unreadable input, network failure). With several canaries, the exit code is the worst status."},
	},
	"canary status": {
		{0, "OK: nothing to do yet."},
		{1, "WARNING: the next canary is due within --warn-before (default 14 days), or a key or time-stamp authority certificate expires before it is due: issue it now."},
		{2, "CRITICAL: the next canary is overdue, the current one has expired, or too few signers can still sign."},
		{3, "UNKNOWN: cannot tell: no canary issued yet, a bad definition, a key that cannot be read."},
	},
	"canary watch": {
		{0, "OK: every target is OK."},
		{1, "WARNING: the worst target is WARNING."},
		{2, "CRITICAL: at least one target is CRITICAL; CRITICAL outranks UNKNOWN."},
		{3, "UNKNOWN: a target could not be checked, or alerts could not all be delivered, or the metrics file could not be written (then at least 3, and standard error says why)."},
	},
}

func exitStatus(c *cobra.Command) string {
	var b strings.Builder
	b.WriteString(".SH EXIT STATUS\n")
	rows, ok := verdicts[c.CommandPath()]
	switch {
	case ok:
		b.WriteString(".PP\nThe exit code follows the monitoring-plugin convention (Nagios, Icinga, Sensu), so that cron and monitors can act on it:\n")
	case !c.HasParent():
		b.WriteString(".PP\nEvery canary command follows the monitoring-plugin convention (Nagios, Icinga, Sensu), so that cron and monitors can act on its exit code:\n")
		rows = convention
	default:
		b.WriteString(".PP\nThe monitoring-plugin convention, as for every canary command:\n")
		rows = []status{
			{0, "OK: the command did its work."},
			{3, "UNKNOWN: it could not (a usage mistake, an unreadable file or key, a network failure); standard error says why."},
		}
	}
	for _, r := range rows {
		fmt.Fprintf(&b, ".TP\n\\fB%d\\fP\n%s\n", r.code, roffEscape(r.text))
	}
	return b.String()
}

// roffEscape keeps text from being read as roff requests or escapes.
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
