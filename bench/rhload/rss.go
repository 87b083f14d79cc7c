package rhload

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
)

// runRSS registers Runners runners, has them all poll as act_runner does
// for Duration and samples the server's resident memory every second.
func runRSS(ctx context.Context, cfg *Config, t *Target, out io.Writer) error {
	if t.PID == 0 {
		return fmt.Errorf("rss needs the server's process: run with -server-bin, in-process, or -url with -pid")
	}
	c := newClient(newHTTPClient(0), t.URL)
	start := time.Now()
	runners, err := register(ctx, c, t.RegToken, cfg.Runners, cfg.LabelSets, 32)
	if err != nil {
		return err
	}
	q, err := newQueue(t)
	if err != nil {
		return err
	}
	if err := q.Add(ctx, 10, unmatched); err != nil {
		return err
	}
	before, err := readMemory(t.PID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "rss: %d runners registered in %s, polling like act_runner (fetch_timeout %s, fetch_interval %s) for %s; memory of the %s\n",
		len(runners), time.Since(start).Round(time.Millisecond), cfg.FetchTimeout, cfg.FetchInterval, cfg.Duration, t.Where)
	fmt.Fprintf(out, "before polling: VmRSS=%d MB\n", before.rss>>10)

	pctx, stop := context.WithTimeout(ctx, cfg.Duration)
	defer stop()
	recs := make([]*Recorder, len(runners))
	var wg sync.WaitGroup
	for i, r := range runners {
		recs[i] = NewRecorder()
		wg.Go(func() {
			_ = pollLikeActRunner(pctx, c, r, cfg, recs[i], func(task *runnerv1.Task) error {
				return fmt.Errorf("runner was given task %d it cannot run", task.Id)
			})
		})
	}
	var peak int64
	for pctx.Err() == nil {
		sleep(pctx, time.Second)
		m, err := readMemory(t.PID)
		if err != nil {
			return err
		}
		peak = max(peak, m.rss)
	}
	wg.Wait()
	end, err := readMemory(t.PID)
	if err != nil {
		return err
	}
	all := NewRecorder()
	for _, r := range recs {
		all.Merge(r)
	}
	all.Print(out, "runnerhub", cfg.Duration)
	fmt.Fprintf(out, "while polling: peak VmRSS=%d MB (sampled each second), VmHWM=%d MB\n", peak>>10, end.hwm>>10)
	return nil
}

type memory struct{ rss, hwm int64 } // kB

// readMemory reads a process's resident and peak resident memory from /proc.
func readMemory(pid int) (memory, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		switch name {
		case "VmRSS":
			m.rss = kb
		case "VmHWM":
			m.hwm = kb
		}
	}
	return m, sc.Err()
}
