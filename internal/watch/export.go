package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/atomicfile"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// ExportEntry describes one exported canary in DIR/TARGET/index.json.
type ExportEntry struct {
	File       string   `json:"file"`
	Signatures []string `json:"signatures,omitempty"`
	Timestamps []string `json:"timestamps,omitempty"`
	*store.Canary
}

// Export writes every stored canary (of one target when targetID is set)
// under dir, as it was published, so that it can be checked with gpg
// without canarykit: DIR/NAME-ID8/NNNNNN.txt, with its detached
// signatures as .sig, .sig.2, ... and timestamp tokens as .tsr, .2.tsr.
// An index.json per target lists when each was seen and how it was
// judged. Files already there with the same content are kept; a file with
// other content is an error, never overwritten. It returns the number of
// canaries exported.
func Export(ctx context.Context, db *store.DB, dir, targetID string) (int, error) {
	indexes := map[string][]ExportEntry{}
	var order []string
	n := 0
	err := db.EachCanary(ctx, targetID, func(t *store.Target, c *store.Canary) error {
		sub := filepath.Join(dir, safeName(t.Name)+"-"+t.ID[:8])
		if _, ok := indexes[sub]; !ok {
			order = append(order, sub)
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return err
			}
		}
		name := fmt.Sprintf("%06d.txt", len(indexes[sub])+1)
		e := ExportEntry{File: name, Canary: c}
		if err := put(filepath.Join(sub, name), c.Body); err != nil {
			return err
		}
		sigs, tsrs := 0, 0
		for _, f := range c.Files {
			var fn string
			if f.Kind == "sig" {
				fn = name + ".sig"
				if sigs > 0 {
					fn = fmt.Sprintf("%s.sig.%d", name, sigs+1)
				}
				sigs++
				e.Signatures = append(e.Signatures, fn)
			} else {
				fn = canary.TokenName(name, tsrs)
				tsrs++
				e.Timestamps = append(e.Timestamps, fn)
			}
			if err := put(filepath.Join(sub, fn), f.Data); err != nil {
				return err
			}
		}
		indexes[sub] = append(indexes[sub], e)
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("cannot export the archive: %v", err)
	}
	for _, sub := range order {
		data, _ := json.MarshalIndent(indexes[sub], "", "  ")
		if err := atomicfile.Write(filepath.Join(sub, "index.json"), append(data, '\n'), 0o644); err != nil {
			return n, fmt.Errorf("cannot export the archive: %v", err)
		}
	}
	return n, nil
}

// put writes a file once: the same content again is fine, other content
// is an error, since an archive must never change under its reader.
func put(path string, data []byte) error {
	old, err := os.ReadFile(path)
	switch {
	case err == nil && bytes.Equal(old, data):
		return nil
	case err == nil:
		return fmt.Errorf("%s already exists with other content; export into an empty directory", path)
	case !os.IsNotExist(err):
		return err
	}
	return atomicfile.Write(path, data, 0o644)
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, s)
}
