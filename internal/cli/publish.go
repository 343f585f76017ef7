package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/issue"
	"github.com/canarykit/canarykit/internal/publish"
	"github.com/canarykit/canarykit/internal/signer"
	"github.com/canarykit/canarykit/internal/verdict"
)

func newPublishCmd(io *streams) *cobra.Command {
	var config, out, site, baseURL, at, format string
	cmd := &cobra.Command{
		Use:   "publish --config canary.yaml --out DIR",
		Short: "Make the canary's web page, JSON and Atom feed",
		Long: `Make a static web site of the canary issued in DIR (the directory
"canary issue --out DIR" writes): index.html (the current canary, its
statements, dates, signers' fingerprints, how to check it, and the archive),
canary.json (the parsed canary), feed.atom (one entry per canary),
archive/index.html, and keys/FINGERPRINT.asc (the signers' public keys, never
their secret part), beside canary.txt, its timestamps and archive/.

The site is written into DIR itself, ready to copy to any web server; with
--site SITE it goes to a separate directory, with copies of the signed files
and nothing else (no draft). It needs no JavaScript and nothing from other
sites, and every link is relative, so it works from an onion service and
from disk. Every file is written atomically, index.html last.

The current canary must verify with the definition's signer keys, or nothing
is written. An expired canary is published with a notice that it expired.
"canary issue --publish" runs this after issuing.`,
		Example: `  canary publish --config canary.yaml --out public
  canary publish --config canary.yaml --out public --site site --base-url https://example.org/canary/
  rsync -a public/ www@example.org:/var/www/canary/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			now, err := clock(io, at)
			if err != nil {
				return err
			}
			def, err := issue.LoadDefinition(config)
			if err != nil {
				return err
			}
			res, err := buildSiteOf(def, config, out, site, baseURL, now)
			if err != nil {
				return err
			}
			return reportSite(io, res, format)
		},
	}
	cmd.Flags().StringVar(&config, "config", "canary.yaml", "the canary definition")
	cmd.Flags().StringVar(&out, "out", "public", "the publication directory canary issue writes")
	cmd.Flags().StringVar(&site, "site", "", "write the site to this directory instead of into --out")
	cmd.Flags().StringVar(&baseURL, "base-url", "", "the site's public address, e.g. https://example.org/canary/ (for the feed and the page's instructions)")
	cmd.Flags().StringVar(&at, "at", "", "publish as of this RFC 3339 time instead of now")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// buildSite publishes dir's current canary with the definition's keys.
func buildSite(def *issue.Definition, dir, site, baseURL string, now time.Time) (*publish.Result, error) {
	return buildSiteOf(def, "", dir, site, baseURL, now)
}

// buildSiteOf is buildSite of the definition read from config, when known.
func buildSiteOf(def *issue.Definition, config, dir, site, baseURL string, now time.Time) (*publish.Result, error) {
	var keys openpgp.EntityList
	for _, ref := range def.Signers {
		el, err := def.SignerKeys(ref)
		if err != nil {
			return nil, err
		}
		keys = append(keys, el...)
	}
	return publish.Build(publish.Options{Dir: dir, Site: site, Keys: keys, Threshold: def.Threshold, BaseURL: baseURL, Now: now, Private: privatePaths(def, config)})
}

// checkSiteFolder refuses to publish into a folder (site, or dir when
// site is empty) that holds the definition, a signer's secret key or any
// OpenPGP secret key: the publisher is told to copy all of it to the web
// server. config may be empty when unknown.
func checkSiteFolder(def *issue.Definition, config, dir, site string) error {
	if site == "" {
		site = dir
	}
	return publish.CheckSite(site, privatePaths(def, config))
}

// privatePaths are what must never reach the web server:
// the signers' key files, the definition and its folder.
func privatePaths(def *issue.Definition, config string) []publish.Private {
	var out []publish.Private
	for i, ref := range def.Signers {
		if strings.HasPrefix(ref.Key, signer.GPGPrefix) || strings.HasPrefix(ref.Key, signer.KMSPrefix) || ref.Key == "" {
			continue
		}
		out = append(out, publish.Private{Path: def.KeyPath(ref), What: fmt.Sprintf("the secret key of signer %d of the definition", i+1)})
	}
	if config != "" {
		out = append(out, publish.Private{Path: config, What: "the canary definition"})
	}
	dir := def.Dir
	if dir == "" {
		dir = "."
	}
	return append(out, publish.Private{Path: dir, What: "the folder of the canary definition"})
}

func reportSite(io *streams, res *publish.Result, format string) error {
	// The notes quote verify's warnings (a signer's user ID) and the
	// report names the issuer and the site's folder: all through the one
	// escaping rule.
	for _, n := range res.Notes {
		verdict.Fprintf(io.Err, "note: %s\n", n)
	}
	if format == "json" {
		return json.NewEncoder(verdict.JSONWriter(io.Out)).Encode(map[string]any{
			"site": res.Site, "files": res.Files, "serial": res.Canary.Serial, "expired": res.Expired,
		})
	}
	verdict.Fprintf(io.Out, "Site of canary %d of %s in %s/: %s\nCopy the directory to your web server as it is.\n",
		res.Canary.Serial, res.Canary.Issuer.Name, strings.TrimSuffix(res.Site, "/"), strings.Join(res.Files, ", "))
	return nil
}

// clock is now, or the time --at gives.
func clock(io *streams, at string) (time.Time, error) {
	if at == "" {
		return io.Now(), nil
	}
	return parseTime("at", at)
}

// passphraseFrom returns the passphrase function of issue and cosign: the
// first line of --passphrase-file when given, else CANARY_PASSPHRASE or a
// prompt. A file others can read is refused, as ssh refuses such a key.
func passphraseFrom(io *streams, file string) (signer.PassphraseFunc, error) {
	if file == "" {
		return passphrase(io), nil
	}
	fi, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("--passphrase-file: %v", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("--passphrase-file %s can be read by others (mode %04o); chmod 600 %s", file, fi.Mode().Perm(), file)
	}
	b, err := canary.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--passphrase-file: %v", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return nil, fmt.Errorf("--passphrase-file %s is empty; its first line is the passphrase", file)
	}
	return func(string, string) ([]byte, error) { return []byte(line), nil }, nil
}
