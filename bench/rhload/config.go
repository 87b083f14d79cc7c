// Package rhload drives a Runnerhub server with the runner protocol's own
// client, as a fleet of act_runners would, and reports throughput and
// latency per RPC. The command is bench/cmd/rhload.
package rhload

import "time"

// Config is one load run.
type Config struct {
	Scenario string // idle, assign, e2e, logs, pickup, rss

	// Where the server is.
	DB           string // sqlite, postgres or mysql: a fresh database for this run
	AdminDSN     string // reaches the PostgreSQL/MySQL server the fresh database is made on
	ServerBin    string // run this runnerhub binary as a separate process
	ServerLog    string // ...and write its log here
	URL          string // load a server that is already running...
	ServerConfig string // ...whose app.ini names its database
	RegToken     string // ...with this registration token
	PID          int    // ...whose memory rss reports

	Floor bool // also measure the floor server (idle)

	Runners     int
	Concurrency int
	Rate        int // idle: calls per second in all (0: as fast as answered)
	Duration    time.Duration
	Jobs        int // jobs queued (e2e, pickup) or assignments measured (assign)
	LabelSets   int
	Small       int    // waiting jobs in the small queue (assign)
	Large       int    // waiting jobs in the large queue (assign)
	Scope       string // assign: the runners' scope, instance, owner, repo or group
	Groups      int    // assign -scope group: selected runner groups the jobs are spread over
	LogCalls    int    // UpdateLog calls per task (e2e)
	LogRows     int    // rows per UpdateLog call
	// FetchTimeout and FetchInterval are act_runner's fetch_timeout and
	// fetch_interval, for the scenarios that poll as it does.
	FetchTimeout  time.Duration
	FetchInterval time.Duration
	QueueEvery    time.Duration // pause between jobs queued while runners poll (pickup)
	// OwnConnections gives each polling runner its own connection, as
	// separate act_runners reaching the server directly have (pickup, rss).
	OwnConnections bool
	HeapProfile    string // rss: write this process's heap at the memory peak here
}
