package fetch

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize reads a size limit such as --max-bytes or a watch list's
// max_bytes: 65536, 512KiB, 1MiB, or "1000 bytes" as messages write it (KB
// and MB are taken as KiB and MiB: nobody means 1000 here).
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"k", 1 << 10}, {"m", 1 << 20}, {"bytes", 1}, {"b", 1}} {
		if strings.HasSuffix(strings.ToLower(t), u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q is not a size like 1MiB, 512KiB or 65536", s)
	}
	return n * mult, nil
}
