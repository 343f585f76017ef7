// Command run times commands side by side for bench/compare.sh: every
// round runs each command once, in turn, so that a change in the machine's
// load (the machine is shared) falls on all of them alike; it prints the
// median wall time, CPU time and peak memory of each, and the ratios asked
// for.
//
//	run -rounds 30 -warmup 3 -spec FILE -ratio 'a/b,a/c'
//
// Each line of the spec file is "NAME | ARG0 ARG1 ...", split at blanks;
// an argument @LIST stands for the lines of the file LIST (1000 canary
// file names, say). Commands run without a shell, their output discarded;
// a command that exits non-zero is reported and fails the run.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

type command struct {
	name string
	args []string
	wall []time.Duration
	cpu  []time.Duration
	rss  []int64 // KiB
}

func main() {
	rounds := flag.Int("rounds", 20, "rounds of measured runs")
	warmup := flag.Int("warmup", 2, "rounds run first and not measured")
	spec := flag.String("spec", "", "file of NAME | COMMAND lines")
	ratios := flag.String("ratio", "", "comma-separated NAME/NAME pairs to print the ratio of medians of")
	flag.Parse()
	cmds, err := readSpec(*spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(2)
	}
	for r := 0; r < *warmup+*rounds; r++ {
		for _, c := range cmds {
			wall, cpu, rss, err := once(c.args)
			if err != nil {
				fmt.Fprintf(os.Stderr, "run: %s: %v\n", c.name, err)
				os.Exit(1)
			}
			if r >= *warmup {
				c.wall, c.cpu, c.rss = append(c.wall, wall), append(c.cpu, cpu), append(c.rss, rss)
			}
		}
	}
	fmt.Printf("%-28s %10s %10s %10s %10s %9s\n", "command", "median", "p25", "p75", "cpu", "peak RSS")
	byName := map[string]*command{}
	for _, c := range cmds {
		byName[c.name] = c
		fmt.Printf("%-28s %10s %10s %10s %10s %6.1f MiB\n", c.name, ms(median(c.wall)), ms(pct(c.wall, 25)), ms(pct(c.wall, 75)), ms(median(c.cpu)), float64(medianInt(c.rss))/1024)
	}
	for _, pair := range strings.Split(*ratios, ",") {
		if pair == "" {
			continue
		}
		a, b, ok := strings.Cut(pair, "/")
		ca, cb := byName[a], byName[b]
		if !ok || ca == nil || cb == nil {
			fmt.Fprintf(os.Stderr, "run: unknown ratio %q\n", pair)
			os.Exit(2)
		}
		fmt.Printf("ratio %s / %s = %.2f (wall, medians)\n", a, b, float64(median(ca.wall))/float64(median(cb.wall)))
	}
}

func readSpec(path string) ([]*command, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cmds []*command
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, ok := strings.Cut(line, "|")
		if !ok {
			return nil, fmt.Errorf("%q: want NAME | COMMAND", line)
		}
		c := &command{name: strings.TrimSpace(name)}
		for _, a := range strings.Fields(rest) {
			if list, ok := strings.CutPrefix(a, "@"); ok {
				b, err := os.ReadFile(list)
				if err != nil {
					return nil, err
				}
				c.args = append(c.args, strings.Fields(string(b))...)
				continue
			}
			c.args = append(c.args, a)
		}
		if len(c.args) == 0 {
			return nil, fmt.Errorf("%q: no command", line)
		}
		cmds = append(cmds, c)
	}
	if len(cmds) == 0 {
		return nil, errors.New("no commands")
	}
	return cmds, sc.Err()
}

// once runs args and returns its wall time, CPU time (user and system)
// and peak resident memory.
func once(args []string) (time.Duration, time.Duration, int64, error) {
	cmd := exec.Command(args[0], args[1:]...)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%s: %v", strings.Join(args[:min(len(args), 4)], " "), err)
	}
	st := cmd.ProcessState
	ru, _ := st.SysUsage().(*syscall.Rusage)
	var rss int64
	if ru != nil {
		rss = ru.Maxrss
	}
	return wall, st.UserTime() + st.SystemTime(), rss, nil
}

func median(d []time.Duration) time.Duration { return pct(d, 50) }

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

func medianInt(v []int64) int64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }
