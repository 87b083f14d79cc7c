package rhload

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
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
	c := newClient(newHTTPClient(32), t.URL)
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
	fmt.Fprintf(out, "rss: %d runners registered in %s, polling like act_runner (fetch_timeout %s, fetch_interval %s) for %s, %s; memory of the %s\n",
		len(runners), time.Since(start).Round(time.Millisecond), cfg.FetchTimeout, cfg.FetchInterval, cfg.Duration, connections(cfg), t.Where)
	fmt.Fprintf(out, "before polling: VmRSS=%d MB\n", before.rss>>10)

	serverCPU, err := readCPU(t.PID)
	if err != nil {
		return err
	}
	selfCPU, err := readCPU(os.Getpid())
	if err != nil {
		return err
	}
	pctx, stop := context.WithTimeout(ctx, cfg.Duration)
	defer stop()
	clients := runnerClients(t.URL, len(runners), cfg.OwnConnections)
	recs := make([]*Recorder, len(runners))
	var wg sync.WaitGroup
	for i, r := range runners {
		recs[i] = NewRecorder()
		wg.Go(func() {
			_ = pollLikeActRunner(pctx, clients[i], r, cfg, recs[i], func(task *runnerv1.Task) error {
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
		if m.rss > peak && cfg.HeapProfile != "" {
			if err := writeHeapProfile(cfg.HeapProfile); err != nil {
				return err
			}
		}
		peak = max(peak, m.rss)
	}
	wg.Wait()
	end, err := readMemory(t.PID)
	if err != nil {
		return err
	}
	serverCPUEnd, err := readCPU(t.PID)
	if err != nil {
		return err
	}
	selfCPUEnd, err := readCPU(os.Getpid())
	if err != nil {
		return err
	}
	all := NewRecorder()
	for _, r := range recs {
		all.Merge(r)
	}
	all.Print(out, "runnerhub", cfg.Duration)
	if t.PID != os.Getpid() {
		fmt.Fprintf(out, "cpu while polling: server %.0f%% of a core, load generator %.0f%%\n",
			100*(serverCPUEnd-serverCPU).Seconds()/cfg.Duration.Seconds(), 100*(selfCPUEnd-selfCPU).Seconds()/cfg.Duration.Seconds())
	}
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

// writeHeapProfile writes this process's live heap, which holds the server's
// when it runs in-process.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	return pprof.WriteHeapProfile(f)
}

// readCPU reads the user and system time a process has used, from /proc.
func readCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it do not.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad cpu times", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// clockTicks is the unit of /proc's cpu times (USER_HZ), 100 on Linux.
const clockTicks = 100

func connections(cfg *Config) string {
	if cfg.OwnConnections {
		return "each runner on its own connection"
	}
	return "runners sharing a pool of connections (as behind a proxy)"
}
