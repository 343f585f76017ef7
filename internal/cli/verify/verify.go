package verify

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/source"
	"github.com/canarykit/canarykit/verify"
)

// Options are canary verify's command line: the reader's choices; each
// capability (keys, detached signatures, fetching, freshness) reads its
// own fields.
type Options struct {
	IO      *cmdutil.Factory
	Sources []string

	Keys       []string
	Sigs       []string
	Threshold  int
	At         string
	Previous   string
	WarnBefore string
	MaxAge     string
	Format     string
	Jobs       int
	Pin        bool   // pin the signers on first use (trust.CheckPin)
	VKS        string // key server for vks: keys and bare fingerprints
	Perfdata   bool   // Nagios-style performance data on the first line

	Web   cmdutil.WebFlags // a SOURCE that is a URL, and every other read
	Fresh freshnessFlags   // freshness.go: proofs of when it was signed
}

// NewCmd is canary verify; runF, when not nil, runs instead of the
// command, for tests of the flags.
func NewCmd(ios *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	f := &Options{IO: ios}
	cmd := &cobra.Command{
		Use:   "verify SOURCE... --key FILE",
		Short: "Check that a canary is authentic, fresh and unchanged",
		Long: `Check a canary (a file, - for standard input, or an http:// or https://
URL: a canary file or a web page showing it) and say plainly whether it
can be trusted: who signed it and when, until when it holds, and, given the
last canary you trusted (--previous), which statements were removed or
reworded since.

Each check is reported by name. The first line is the verdict. Exit codes:
  0 OK        authentic, fresh, unchanged
  1 WARNING   authentic, but expiring soon or something needs a look
  2 CRITICAL  invalid, expired, or tripped (a statement removed or reworded)
  3 UNKNOWN   could not check (unreadable input, missing key, bad arguments)
A line labelled INFO is a note (where the canary was fetched from, a proof
it does not carry): it never changes the verdict. What the canary states
is shown under the issuer's name only when its signatures show it is the
issuer's; otherwise as what "the file claims (NOT verified)". The status
words are in colour on a terminal (never with NO_COLOR set); --perfdata
appends Nagios-style performance data to the first line.

Only the signed text is ever shown or used; text around the signed block is
ignored and reported.

Several SOURCEs are judged one after the other with the same keys, which
are read once: each gets its own verdict (in text, after a line
"== SOURCE"; in JSON, one object per line), and the exit code is the
worst of them. --previous, --sig and --tsr belong to one canary, so they
take a single SOURCE.

--key takes a key file, wkd:user@domain (the domain's Web Key Directory),
vks:FINGERPRINT (a keys.openpgp.org-style key server, see --vks), or a bare
fingerprint that the other keys must match. With --pin the signers of
SOURCE are remembered the first time; from then on (with or without --pin)
a canary from SOURCE signed by another key is CRITICAL until you accept
the change with "canary trust SOURCE". See docs/KEYS.md.`,
		Example: `  canary verify canary.txt --key example.pub.asc
  canary verify canary.txt --key example.pub.asc --previous last-trusted.txt
  canary verify https://example.org/canary.txt --key example.pub.asc
  canary verify http://exampleorgxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/canary.txt --proxy socks5://127.0.0.1:9050 --key example.pub.asc
  curl -s https://example.org/canary.txt | canary verify - --key example.pub.asc --format json
  canary verify archive/*.txt --key example.pub.asc --format json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Sources = args
			if runF != nil {
				return runF(f)
			}
			return run(f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.Keys, "key", nil, KeyFlagHelp)
	fl.BoolVar(&f.Pin, "pin", false, "remember SOURCE's signers on first use; a later key change is CRITICAL (see canary trust)")
	fl.StringVar(&f.VKS, "vks", keys.DefaultVKS, "key server for vks: keys and bare fingerprints")
	fl.IntVar(&f.Threshold, "threshold", 1, "distinct keys that must have signed (the canary's own threshold applies if higher)")
	fl.StringVar(&f.At, "at", "", "judge the canary as of this RFC 3339 time (default now)")
	fl.StringVar(&f.Previous, "previous", "", "the last canary you trusted (a file, - or a URL), to compare statements and the chain;\nwithout it, the one SOURCE names is looked for in the site's archive/ (see docs/VERIFICATION.md)")
	fl.StringVar(&f.WarnBefore, "warn-before", "7d", "warn this long before the canary expires")
	fl.StringArrayVar(&f.Sigs, "sig", nil, "detached signature over SOURCE (armored or binary), a file or a URL; repeatable.\nWithout it, SOURCE.asc, SOURCE.sig, SOURCE.sig.* and SOURCE.asc.* are used when SOURCE is not clearsigned")
	cmdutil.AddWebFlags(fl, &f.Web)
	addFreshnessFlags(fl, &f.Fresh)
	fl.StringVar(&f.MaxAge, "max-age", "", "stale this long after issue, whatever expiry the canary claims (free-text canaries state none), e.g. 90d")
	fl.StringVarP(&f.Format, "format", "f", "text", "output format: text or json")
	fl.BoolVar(&f.Perfdata, "perfdata", false, "text output: append Nagios-style performance data to the verdict line (| days_left=N serial=N signers=N)")
	fl.IntVarP(&f.Jobs, "jobs", "j", 0, "with several SOURCEs: how many to check at once (default: one per CPU); verdicts are printed in order")
	return cmd
}

func run(f *Options) error {
	ios := f.IO
	if err := cmdutil.CheckFormat(f.Format); err != nil {
		return err
	}
	if len(f.Sources) > 1 {
		return verifyMany(ios, f.Sources, f)
	}
	r, keep := verifyChained(ios, f.Sources[0], f) // chain.go
	checkPin(ios, r, f.Sources[0], f)
	rememberTrusted(ios, r, f.Sources[0], keep, f)
	if err := writeResult(ios.Out, r, f.Format, textOptions(ios, ios.Out, f)); err != nil {
		return err
	}
	if r.Status != verify.OK {
		return cmdutil.ExitError{Code: int(r.Status)}
	}
	return nil
}

// Judge is the verdict on one SOURCE, without following the chain or
// pinning (canary trust judges with it). It turns every problem with the
// arguments into an UNKNOWN verdict, so that JSON readers always get one
// object with a status.
func Judge(ios *cmdutil.Factory, source string, f *Options) *verify.Result {
	base, bad := verifyBase(ios, f)
	if bad != nil {
		return bad
	}
	return verifyOne(ios, source, f, base)
}

// verifyBase reads what every SOURCE is judged with: the options, the
// keys (parsed once: parsing a key is as costly as checking a canary) and
// the previous canary. bad, when not nil, is the UNKNOWN verdict to give.
func verifyBase(ios *cmdutil.Factory, f *Options) (opts verify.Options, bad *verify.Result) {
	opts = verify.Options{Threshold: f.Threshold, At: ios.Now()}
	if f.Threshold < 1 {
		return opts, verify.Unchecked("arguments", fmt.Errorf("--threshold %d: must be 1 or more", f.Threshold))
	}
	if f.At != "" {
		t, err := cmdutil.ParseTime("at", f.At)
		if err != nil {
			return opts, verify.Unchecked("arguments", err)
		}
		opts.At = t
	}
	wb, err := duration.Parse(f.WarnBefore)
	if err != nil {
		return opts, verify.Unchecked("arguments", fmt.Errorf("--warn-before: %v", err))
	}
	opts.WarnBefore = wb
	if f.MaxAge != "" {
		if opts.MaxAge, err = duration.Parse(f.MaxAge); err != nil {
			return opts, verify.Unchecked("arguments", fmt.Errorf("--max-age: %v", err))
		}
	}
	if opts.Keys, err = resolveKeys(f); err != nil {
		return opts, verify.Unchecked("key", err)
	}
	if f.Previous != "" {
		if opts.Previous, err = readPreviousFlag(ios, f); err != nil { // chain.go: a file, - or a URL
			return opts, verify.Unchecked("previous", fmt.Errorf("cannot read --previous: %v", err))
		}
	}
	if opts.Freshness, err = freshnessOptions(f, nil); err != nil {
		return opts, verify.Unchecked("arguments", err)
	}
	return opts, nil
}

// verifyOne reads SOURCE and judges it with the options of verifyBase.
func verifyOne(ios *cmdutil.Factory, source string, f *Options, opts verify.Options) *verify.Result {
	in, err := readInput(ios, source, f)
	if err != nil {
		return verify.Unchecked("input", err)
	}
	opts.Signatures = in.Sigs
	if len(f.Fresh.tokens) == 0 {
		// The timestamp files found beside SOURCE, unless --tsr named others.
		opts.Freshness.Tokens = in.Tokens
	}
	r := verifyInput(in, opts) // fetch.go: a web page's blocks, the fetch's notes
	r.Source = in.Source
	return r
}

func writeResult(w io.Writer, r *verify.Result, format string, o verify.TextOptions) error {
	if format == "json" {
		return verify.WriteJSON(w, r)
	}
	return verify.WriteTextWith(w, r, o)
}

// textOptions are how a verdict is written as text to out: the status
// words in colour only when out is a terminal and NO_COLOR is not set
// (https://no-color.org); performance data with --perfdata, its days
// counted from the moment judged (--at, or now).
func textOptions(ios *cmdutil.Factory, out io.Writer, f *Options) verify.TextOptions {
	o := verify.TextOptions{Perfdata: f.Perfdata, At: ios.Now()}
	if f.At != "" {
		if t, err := cmdutil.ParseTime("at", f.At); err == nil {
			o.At = t
		}
	}
	o.Color = useColor(out, ios.Getenv)
	return o
}

// useColor says whether to colour what is written to out: never when out
// is not a terminal (a file, a pipe, a monitor reading the output), never
// when NO_COLOR is set to anything but the empty string, nor for TERM=dumb.
func useColor(out io.Writer, getenv func(string) string) bool {
	if getenv == nil || getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	file, ok := out.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// verifyMany judges each SOURCE in turn with keys read once, printing each
// verdict as soon as it is known, so that memory stays flat over an
// archive of thousands of canaries. The exit code is the worst verdict.
func verifyMany(ios *cmdutil.Factory, sources []string, f *Options) error {
	// What a verdict allocates is garbage as soon as it is printed, and
	// the live heap (the keys, one canary) stays small: letting the heap
	// grow to five times it before collecting cuts the collector's share
	// of a run over an archive for a few MiB of memory (1000 canaries:
	// about 33 MiB peak instead of 25; bench/RESULTS.md).
	if len(sources) > 8 {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	out := bufio.NewWriterSize(ios.Out, 64<<10)
	textOpts := textOptions(ios, ios.Out, f)
	worst := verify.OK
	emit := func(src string, r *verify.Result) error {
		worst = verify.Worse(worst, r.Status)
		if f.Format != "json" {
			fmt.Fprintf(out, "== %s\n", src)
		}
		if err := writeResult(out, r, f.Format, textOpts); err != nil {
			return err
		}
		if f.Format != "json" {
			out.WriteByte('\n')
		}
		return nil
	}
	// Problems with the arguments concern every SOURCE alike; each still
	// gets its verdict, so that a JSON reader gets one line per SOURCE.
	stdin := 0
	for _, src := range sources {
		if src == "-" {
			stdin++
		}
	}
	var base verify.Options
	var bad *verify.Result
	switch {
	case f.Previous != "" || len(f.Sigs) > 0 || len(f.Fresh.tokens) > 0:
		bad = verify.Unchecked("arguments", fmt.Errorf("--previous, --sig and --tsr belong to one canary: give a single SOURCE with them"))
	case stdin > 1:
		bad = verify.Unchecked("arguments", fmt.Errorf("standard input (-) can be read only once"))
	default:
		base, bad = verifyBase(ios, f)
	}
	if bad == nil {
		// A URL SOURCE shares one fetcher, made before the workers start.
		for _, src := range sources {
			if source.IsURL(src) {
				if _, err := f.Web.Get(); err != nil {
					bad = verify.Unchecked("arguments", err)
				}
				break
			}
		}
	}
	// The SOURCEs are judged on up to --jobs goroutines (verify.Many),
	// their verdicts taken in order.
	verdicts := verify.Many(len(sources), base, f.Jobs, func(i int, o verify.Options) *verify.Result {
		return verifyOne(ios, sources[i], f, o)
	})
	if bad != nil {
		verdicts = func(yield func(int, *verify.Result) bool) {
			for i := range sources {
				if c := *bad; !yield(i, &c) {
					return
				}
			}
		}
	}
	for i, r := range verdicts {
		src := sources[i]
		if bad == nil {
			// In SOURCE order, in this goroutine: the trust store is
			// read and written one canary at a time, as in a serial run.
			checkPin(ios, r, src, f)
		}
		if r.Source == nil {
			// Every verdict names its SOURCE, so that JSON lines can be
			// told apart even when the SOURCE could not be read.
			r.Source = &verify.Source{Location: src, FetchedAt: ios.Now().UTC().Truncate(time.Second)}
		}
		if werr := emit(src, r); werr != nil {
			return werr
		}
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if worst != verify.OK {
		return cmdutil.ExitError{Code: int(worst)}
	}
	return nil
}
