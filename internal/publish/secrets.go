package publish

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A Private path must never be in the folder a publisher uploads: the
// definition, a signer's secret key file, or a folder holding them.
type Private struct {
	Path string // a file or folder
	What string // what it is, for the message: "the secret key of signer 1"
}

// Bounds of the search of a site for secret keys. A site with more files
// than this is refused rather than half checked: never a false all-clear.
var maxCheckFiles = 250000 // a variable for the tests

const maxCheckBytes = 1 << 20 // read of each file; armored keys start early

// armorSecret are the armor headers of OpenPGP secret keys.
var armorSecret = [][]byte{
	[]byte("-----BEGIN PGP PRIVATE KEY BLOCK-----"),
	[]byte("-----BEGIN PGP SECRET KEY BLOCK-----"),
}

// CheckSite refuses a site folder that a web server would hand secrets
// from: one that holds, under any name, a private path, or any file that
// is or looks like an OpenPGP secret key (armored, or binary secret-key
// packets), through symbolic links too. It reads, never writes.
func CheckSite(site string, private []Private) error {
	if site == "" {
		site = "."
	}
	refuse := func(what, path string) error {
		return fmt.Errorf("refusing to publish into %s: %s, %s, is in it, and the web server would hand it to anyone; publish into a folder of its own (--out public) or with --site DIR; nothing was written", site, path, what)
	}
	siteAbs, siteReal, err := resolve(site)
	if err != nil {
		return fmt.Errorf("cannot check %s for secret keys: %v; nothing was written", site, err)
	}
	type priv struct {
		Private
		abs, real string
	}
	var privs []priv
	for _, p := range private {
		if p.Path == "" {
			continue
		}
		abs, real, err := resolve(p.Path)
		if err != nil {
			return fmt.Errorf("cannot check where %s (%s) is: %v; nothing was written", p.What, p.Path, err)
		}
		if within(siteAbs, abs) || within(siteReal, real) {
			return refuse(p.What, p.Path)
		}
		privs = append(privs, priv{p, abs, real})
	}
	// The tree, as a web server that follows links would serve it.
	s := &scan{visited: map[string]bool{}}
	s.walk(siteReal, site)
	if s.err != nil {
		return fmt.Errorf("cannot check %s for secret keys: %v; nothing was written", site, s.err)
	}
	for _, d := range s.dirs {
		for _, p := range privs {
			if within(d.real, p.real) {
				return refuse(p.What, p.Path)
			}
		}
	}
	for _, f := range s.files {
		for _, p := range privs {
			if f.real == p.real {
				return refuse(p.What, f.shown)
			}
		}
		if f.secret {
			return refuse("an OpenPGP secret key", f.shown)
		}
	}
	return nil
}

// resolve returns path made absolute, and with every symbolic link of it
// resolved; of a path that does not exist yet, the part that does.
func resolve(path string) (abs, real string, err error) {
	if abs, err = filepath.Abs(path); err != nil {
		return "", "", err
	}
	rest := ""
	for p := abs; ; {
		r, err := filepath.EvalSymlinks(p)
		if err == nil {
			return abs, filepath.Join(r, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return abs, abs, nil
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// within says whether path is dir or inside it; both absolute and clean.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

type scanned struct {
	real, shown string
	secret      bool
}

type scan struct {
	visited map[string]bool
	dirs    []scanned // every folder served, the site's first
	files   []scanned
	n       int
	err     error
}

// walk scans the folder real (shown as shown), following links to files
// and folders, each folder once.
func (s *scan) walk(real, shown string) {
	if s.err != nil || s.visited[real] {
		return
	}
	s.visited[real] = true
	des, err := os.ReadDir(real)
	if errors.Is(err, fs.ErrNotExist) {
		return // a site not made yet
	}
	if err != nil {
		s.err = err
		return
	}
	s.dirs = append(s.dirs, scanned{real: real, shown: shown})
	for _, de := range des {
		if s.err != nil {
			return
		}
		if s.n++; s.n > maxCheckFiles {
			s.err = fmt.Errorf("it holds more than %d files, too many to check", maxCheckFiles)
			return
		}
		p, name := filepath.Join(real, de.Name()), filepath.Join(shown, de.Name())
		if de.Type()&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue // a dangling link serves nothing
			}
			if err != nil {
				s.err = err
				return
			}
			p = target
		}
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			s.err = err
			return
		}
		switch {
		case fi.IsDir():
			s.walk(p, name)
		case fi.Mode().IsRegular():
			secret, err := fileLooksSecret(p)
			if err != nil {
				s.err = err
				return
			}
			s.files = append(s.files, scanned{real: p, shown: name, secret: secret})
		}
	}
}

func fileLooksSecret(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCheckBytes))
	if err != nil {
		return false, fmt.Errorf("%s: %v", path, err)
	}
	return LooksSecret(b), nil
}

// LooksSecret says whether data is, or holds, an OpenPGP secret key:
// an armored one anywhere in it, or binary data that starts with a
// secret-key or secret-subkey packet (RFC 9580 section 4.2).
func LooksSecret(data []byte) bool {
	for _, h := range armorSecret {
		if bytes.Contains(data, h) {
			return true
		}
	}
	if len(data) < 3 || data[0]&0x80 == 0 {
		return false
	}
	var tag byte
	body := 0 // offset of the packet body
	if data[0]&0x40 != 0 {
		tag = data[0] & 0x3f
		switch l := data[1]; {
		case l < 192:
			body = 2
		case l < 224:
			body = 3
		case l == 255:
			body = 6
		default: // partial lengths are not allowed for keys
			return false
		}
	} else {
		tag = data[0] >> 2 & 0x0f
		body = [4]int{2, 3, 5, 1}[data[0]&3]
	}
	if tag != 5 && tag != 7 || body >= len(data) {
		return false
	}
	v := data[body]
	return v >= 2 && v <= 6
}
