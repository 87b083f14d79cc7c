// Command rhload puts a Runnerhub server under a runner fleet's load and
// prints throughput and latency per RPC. See the README's Performance section.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"

	"code.runnerhub.dev/runnerhub/bench/rhload"
)

func main() {
	cfg := &rhload.Config{}
	fl := flag.CommandLine
	fl.StringVar(&cfg.Scenario, "scenario", "idle", "idle, assign, e2e, logs, pickup or rss")
	fl.StringVar(&cfg.DB, "db", "sqlite", "fresh database for the run: sqlite, postgres or mysql")
	fl.StringVar(&cfg.AdminDSN, "dsn", os.Getenv("TEST_PGSQL_DSN"), "DSN of the PostgreSQL/MySQL server the fresh database is created on")
	fl.StringVar(&cfg.ServerBin, "server-bin", "", "run this runnerhub binary as a separate server process (default: a server in this process)")
	fl.StringVar(&cfg.ServerLog, "server-log", "", "with -server-bin: write the server's log to this file")
	fl.StringVar(&cfg.URL, "url", "", "load an already running server at this root URL instead")
	fl.StringVar(&cfg.ServerConfig, "config", "", "with -url: the server's app.ini, whose database jobs are queued in")
	fl.StringVar(&cfg.RegToken, "token", "", "with -url: a registration token")
	fl.IntVar(&cfg.PID, "pid", 0, "with -url: the server's process id, for rss")
	fl.BoolVar(&cfg.Floor, "floor", false, "idle: first measure a do-nothing FetchTask server in this process, and print the ratio")
	fl.IntVar(&cfg.Runners, "runners", 1000, "runners to register")
	fl.IntVar(&cfg.Concurrency, "c", 64, "concurrent connections (idle, logs)")
	fl.IntVar(&cfg.Rate, "rate", 0, "idle: calls per second in all, to read latency below saturation (0: as fast as answered)")
	fl.DurationVar(&cfg.Duration, "d", 10*time.Second, "how long to load (idle, logs, rss)")
	fl.IntVar(&cfg.Jobs, "jobs", 10000, "jobs to run (e2e, pickup) or assignments to time per queue length (assign)")
	fl.IntVar(&cfg.LabelSets, "labelsets", 50, "label sets jobs and runners are spread over")
	fl.IntVar(&cfg.Small, "small", 10, "assign: waiting jobs in the small queue")
	fl.IntVar(&cfg.Large, "large", 100000, "assign: waiting jobs in the large queue")
	fl.StringVar(&cfg.Scope, "scope", "instance", "assign: the runners serve the instance, one owner or one repository (owner, repo); the long queue's other jobs are another owner's; group: the runners are in one of -groups selected runner groups of an organization, the long queue spread over all")
	fl.IntVar(&cfg.Groups, "groups", 100, "assign -scope group: selected runner groups (2 repositories each) the jobs are spread over")
	fl.IntVar(&cfg.LogCalls, "log-calls", 10, "e2e: UpdateLog calls per task")
	fl.IntVar(&cfg.LogRows, "log-rows", 100, "rows per UpdateLog call")
	fl.DurationVar(&cfg.FetchTimeout, "fetch-timeout", 5*time.Second, "act_runner's fetch_timeout (pickup, rss)")
	fl.DurationVar(&cfg.FetchInterval, "fetch-interval", 2*time.Second, "act_runner's fetch_interval (pickup, rss)")
	fl.BoolVar(&cfg.OwnConnections, "own-conns", true, "pickup, rss: each runner on its own connection, as act_runners reaching the server directly (false: sharing a pool, as behind a proxy)")
	fl.DurationVar(&cfg.QueueEvery, "queue-every", 200*time.Millisecond, "pickup: pause between jobs queued")
	fl.StringVar(&cfg.HeapProfile, "memprofile", "", "rss: write a heap profile of this process (with the server when it runs in-process) at the memory peak")
	cpuProfile := fl.String("cpuprofile", "", "write a CPU profile of this process (with the server when it runs in-process) to this file")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, *cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "rhload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg *rhload.Config, cpuProfile string) error {
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return rhload.Run(ctx, cfg, os.Stdout)
}
