// Package options is Runnerhub's typed configuration: defaults, the Gitea-style
// app.ini keys and RUNNERHUB__SECTION__KEY environment overrides. It is loaded
// once by cmd and passed down; nothing reads configuration from globals.
package options

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"time"
)

// Options is the whole configuration.
type Options struct {
	Server   Server
	Database Database
	Security Security
	Actions  Actions
	API      API
	Session  Session
	Metrics  Metrics
	Webhook  Webhook
	Accounts Accounts
}

// Accounts is the [accounts] section: whose accounts Runnerhub uses.
type Accounts struct {
	// Source is "standalone" (Runnerhub's own tables) or "gitea" (Gitea's
	// tables in the same database, read only).
	Source string // SOURCE
}

// Account sources.
const (
	AccountsStandalone = "standalone"
	AccountsGitea      = "gitea"
)

// Server is the [server] section.
type Server struct {
	HTTPAddr    string // HTTP_ADDR
	HTTPPort    int    // HTTP_PORT; 0 picks a free port
	RootURL     string // ROOT_URL; derived from address and port when empty
	AppDataPath string // APP_DATA_PATH: the SQLite file and generated secrets live here
	// MaxRequestBytes caps the size of one RPC or API request body.
	MaxRequestBytes int64         // MAX_REQUEST_BYTES
	ShutdownTimeout time.Duration // SHUTDOWN_TIMEOUT
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed: the client address of a request from one of them is the
	// rightmost forwarded hop that is not one of them. Empty: the
	// connection's peer is the client (forwarding headers are ignored).
	TrustedProxies []netip.Prefix // TRUSTED_PROXIES: CIDRs or addresses, comma-separated
	// How long a request's headers, and the whole request with its body,
	// may take to arrive, and how long a kept-alive connection may sit
	// idle; 0 turns a limit off. Reading ends with the body: a handler's
	// own time after that (a held poll) is not counted.
	ReadHeaderTimeout time.Duration // READ_HEADER_TIMEOUT
	ReadTimeout       time.Duration // READ_TIMEOUT
	IdleTimeout       time.Duration // IDLE_TIMEOUT
	// StrictConfig makes an unknown section, key or RUNNERHUB__ variable
	// fatal at start-up instead of a warning.
	StrictConfig bool // STRICT_CONFIG
	// Protocol is what serve listens with, named as Gitea's keys are:
	// "http", "https" (CERT_FILE and KEY_FILE, re-read on SIGHUP) or
	// "http+unix" (HTTP_ADDR is the socket's path).
	Protocol             string // PROTOCOL
	CertFile             string // CERT_FILE
	KeyFile              string // KEY_FILE
	UnixSocketPermission string // UNIX_SOCKET_PERMISSION: octal, as Gitea's
}

// Protocols serve listens with.
const (
	ProtocolHTTP     = "http"
	ProtocolHTTPS    = "https"
	ProtocolHTTPUnix = "http+unix"
)

// Database is the [database] section, with Gitea's key names.
type Database struct {
	Type         string // DB_TYPE: sqlite3, postgres or mysql
	Host         string // HOST: host:port, or a unix socket path
	Name         string // NAME
	User         string // USER
	Passwd       string // PASSWD
	Path         string // PATH: the SQLite file
	SSLMode      string // SSL_MODE (postgres)
	MaxOpenConns int    // MAX_OPEN_CONNS; SQLite always uses one
	LogSQL       bool   // LOG_SQL
}

// Security is the [security] section.
type Security struct {
	// SecretKey keys the encryption of recoverable secrets. When empty, one
	// is generated into APP_DATA_PATH; several processes sharing a database
	// must set the same key.
	SecretKey string // SECRET_KEY
}

// Actions is the [actions] section.
type Actions struct {
	// EphemeralLogGrace is how long a retired ephemeral runner may still send
	// UpdateLog/UpdateTask for its own task.
	EphemeralLogGrace time.Duration // EPHEMERAL_LOG_GRACE
	// RunnerOfflineAfter is how long without contact before a runner shows offline.
	RunnerOfflineAfter time.Duration // RUNNER_OFFLINE_AFTER
	// RunnerAuthCacheTTL bounds how long a verified runner credential is
	// trusted without a database read; deletions in this process take effect at once.
	// A claim always asks the database, so a runner removed or disabled by
	// another process never gets a job, and is told it was removed at its
	// next claim or when the copy expires.
	RunnerAuthCacheTTL   time.Duration // RUNNER_AUTH_CACHE_TTL
	MaxLogRowsPerRequest int           // MAX_LOG_ROWS_PER_REQUEST
	MaxLogRowBytes       int           // MAX_LOG_ROW_BYTES
	MaxLogBytesPerTask   int64         // MAX_LOG_BYTES_PER_TASK
	MaxLabels            int           // MAX_LABELS
	// MaxRunPayloadBytes caps the single-job workflows one run stores, all
	// its jobs together: each repeats the file's header (name, on, env,
	// defaults, permissions), so a large env times a large matrix is
	// refused before anything is written.
	MaxRunPayloadBytes int64 // MAX_RUN_PAYLOAD_BYTES
	// MaxLabelSetsPerOwner caps the distinct runs-on label sets an owner's
	// unfinished jobs may use (0: no limit); a run past it is refused before
	// anything is written. Each set is matched against on every claim and is
	// a series of the waiting-jobs metric.
	MaxLabelSetsPerOwner int // MAX_LABEL_SETS_PER_OWNER
	// DefaultActionsURL is where runners fetch `uses:` actions given without a host.
	DefaultActionsURL string // DEFAULT_ACTIONS_URL
	// JobTimeout is the longest a task may run; its runtime token expires then at the latest.
	JobTimeout time.Duration // JOB_TIMEOUT
	// FetchTaskWait is how long a FetchTask with nothing to hand out may wait
	// for a job to be queued before it answers. It waits only for a client
	// that sends a deadline (act_runner sends its fetch_timeout), and ends a
	// second before that deadline. 0 answers at once.
	FetchTaskWait time.Duration // FETCH_TASK_WAIT
	// FetchTaskMaxWaiting bounds how many polls one process holds at once;
	// each costs about 35 KB of memory. Past it, polls are answered at once
	// and their connections closed, so that a large fleet's idle
	// connections do not pile up either.
	FetchTaskMaxWaiting int // FETCH_TASK_MAX_WAITING
	// TasksVersionRecheck bounds how late a process learns of jobs queued by
	// another process sharing the database: how old its cached tasks_version
	// may be, and how often waiting polls look again.
	TasksVersionRecheck time.Duration // TASKS_VERSION_RECHECK
	// RegisterRateLimit is how many Register calls with a wrong token one
	// source address may make per minute (0: unlimited), so that a reachable
	// endpoint cannot be used to guess tokens; RegisterRateBurst of them may
	// come at once. Registrations with a good token are not counted.
	RegisterRateLimit int // REGISTER_RATE_LIMIT
	RegisterRateBurst int // REGISTER_RATE_BURST
	// Maintenance: how often each process looks for what to clean up (0:
	// never), and the ages that decide it; an age of 0 turns its rule off.
	MaintenanceInterval time.Duration // MAINTENANCE_INTERVAL
	// TaskStaleAfter: a running task whose runner has not been in touch for
	// this long is ended as failed, or queued again once when no step had started.
	TaskStaleAfter time.Duration // TASK_STALE_AFTER
	// EphemeralIdleAfter: an ephemeral runner that registered this long ago
	// and never took a job is removed.
	EphemeralIdleAfter time.Duration // EPHEMERAL_IDLE_AFTER
	// JITUnusedAfter: a runner made from a JIT config this long ago that
	// never took its job is removed, and its config stops working.
	JITUnusedAfter time.Duration // JIT_UNUSED_AFTER
	// RemoveOfflineRunnersAfter: a non-ephemeral runner offline this long is
	// removed. Off by default: a removed runner must be registered again.
	RemoveOfflineRunnersAfter time.Duration // REMOVE_OFFLINE_RUNNERS_AFTER
	// WaitingJobMaxAge: a job waiting this long for a runner is cancelled.
	WaitingJobMaxAge time.Duration // WAITING_JOB_MAX_AGE
	// LegacyLogPath is Gitea's actions_log storage folder, where the logs of
	// tasks Gitea finished stay after Runnerhub adopted its database.
	LegacyLogPath string // LEGACY_LOG_PATH
	// RemoveUnusedLabelSetsAfter: a runs-on label set no unfinished job has
	// and none has used for this long is removed.
	RemoveUnusedLabelSetsAfter time.Duration // REMOVE_UNUSED_LABEL_SETS_AFTER
	// QueueSampleInterval is how often the queue's length and pickup wait
	// are recorded for the queue chart (0: never); QueueSampleRetention how
	// long the samples are kept.
	QueueSampleInterval  time.Duration // QUEUE_SAMPLE_INTERVAL
	QueueSampleRetention time.Duration // QUEUE_SAMPLE_RETENTION
	// RegistrationToken seeds the instance-wide registration token at start-up
	// (Gitea's GITEA_RUNNER_REGISTRATION_TOKEN); see also its _FILE variant.
	RegistrationToken string
}

// API is the [api] section: the management REST API.
type API struct {
	DefaultPagingNum int // DEFAULT_PAGING_NUM: page size when a request names none
	MaxResponseItems int // MAX_RESPONSE_ITEMS: the largest page size a request may ask for
	// RateLimit is how many requests one user (or, before sign-in, one source
	// address) may make per minute (0: unlimited); RateLimitBurst may come at once.
	RateLimit      int // RATE_LIMIT
	RateLimitBurst int // RATE_LIMIT_BURST
}

// Session is the [session] section: web sign-in.
type Session struct {
	LifeTime     time.Duration // SESSION_LIFE_TIME
	CookieSecure bool          // COOKIE_SECURE: send the cookies over HTTPS only
}

// Webhook is the [webhook] section: delivery of workflow_job events.
type Webhook struct {
	// AllowedHostList says where deliveries may go, as in Gitea: a comma
	// list of "external" (public addresses), "private", "loopback", "*",
	// host name globs and CIDRs.
	AllowedHostList string // ALLOWED_HOST_LIST
	DeliverTimeout  int    // DELIVER_TIMEOUT: seconds one attempt may take, as in Gitea
	SkipTLSVerify   bool   // SKIP_TLS_VERIFY
	// DeliveryWorkers is how many deliveries this process makes at once; 0
	// leaves delivery to the other processes sharing the database.
	DeliveryWorkers int // DELIVERY_WORKERS
	MaxAttempts     int // MAX_ATTEMPTS: tries per event before it is given up
	// RetryBackoff is the wait before the second attempt; it doubles after
	// each failure up to MaxRetryBackoff.
	RetryBackoff    time.Duration // RETRY_BACKOFF
	MaxRetryBackoff time.Duration // MAX_RETRY_BACKOFF
	// PollInterval is how often workers look for deliveries that other
	// processes wrote or that are due for a retry.
	PollInterval time.Duration // POLL_INTERVAL
}

// Metrics is the [metrics] section: the Prometheus endpoint /metrics.
type Metrics struct {
	Enabled bool   // ENABLED
	Token   string // TOKEN: when set, scrapes must send "Authorization: Bearer <TOKEN>"
	// MaxLabelSetSeries bounds the series of the waiting-jobs metric: the
	// label sets with the most waiting jobs, and one "other" for the rest.
	MaxLabelSetSeries int // MAX_LABEL_SET_SERIES
}

// Default returns the configuration used when nothing is set.
func Default() *Options {
	return &Options{
		Server: Server{
			HTTPAddr:             "127.0.0.1",
			HTTPPort:             3000,
			AppDataPath:          "data",
			MaxRequestBytes:      32 << 20,
			Protocol:             ProtocolHTTP,
			UnixSocketPermission: "666",
			ShutdownTimeout:      30 * time.Second,
			// act_runner polls every 2s and reuses its connection; 90s of
			// idleness outlasts any poll interval in use.
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       time.Minute,
			IdleTimeout:       90 * time.Second,
		},
		Database: Database{
			Type:         "sqlite3",
			Path:         filepath.Join("data", "runnerhub.db"),
			SSLMode:      "disable",
			MaxOpenConns: 32,
		},
		Actions: Actions{
			EphemeralLogGrace:          5 * time.Minute,
			RunnerOfflineAfter:         time.Minute,
			RunnerAuthCacheTTL:         30 * time.Second,
			MaxLogRowsPerRequest:       10000,
			MaxLogRowBytes:             64 << 10,
			MaxLogBytesPerTask:         256 << 20,
			MaxLabels:                  64,
			MaxRunPayloadBytes:         16 << 20,
			MaxLabelSetsPerOwner:       200,
			JobTimeout:                 3 * time.Hour,
			FetchTaskWait:              3 * time.Second,
			FetchTaskMaxWaiting:        1000,
			TasksVersionRecheck:        50 * time.Millisecond,
			DefaultActionsURL:          "https://github.com",
			RegisterRateLimit:          10,
			RegisterRateBurst:          10,
			MaintenanceInterval:        time.Minute,
			TaskStaleAfter:             10 * time.Minute,
			EphemeralIdleAfter:         24 * time.Hour,
			JITUnusedAfter:             10 * time.Minute,
			WaitingJobMaxAge:           24 * time.Hour,
			RemoveUnusedLabelSetsAfter: time.Hour,
			QueueSampleInterval:        time.Minute,
			QueueSampleRetention:       24 * time.Hour,
		},
		API: API{
			DefaultPagingNum: 30,
			MaxResponseItems: 50,
			RateLimit:        600,
			RateLimitBurst:   100,
		},
		Session:  Session{LifeTime: 24 * time.Hour},
		Accounts: Accounts{Source: AccountsStandalone},
		Metrics:  Metrics{Enabled: true, MaxLabelSetSeries: 50},
		Webhook: Webhook{
			AllowedHostList: "external",
			DeliverTimeout:  5,
			DeliveryWorkers: 4,
			MaxAttempts:     8,
			RetryBackoff:    10 * time.Second,
			MaxRetryBackoff: 10 * time.Minute,
			PollInterval:    2 * time.Second,
		},
	}
}

// Validate reports the first setting that cannot work.
func (o *Options) Validate() error {
	var errs []error
	if o.Server.HTTPPort < 0 || o.Server.HTTPPort > 65535 {
		errs = append(errs, fmt.Errorf("[server] HTTP_PORT %d is out of range", o.Server.HTTPPort))
	}
	if s := o.Server; s.ReadHeaderTimeout < 0 || s.ReadTimeout < 0 || s.IdleTimeout < 0 {
		errs = append(errs, errors.New("[server] READ_HEADER_TIMEOUT, READ_TIMEOUT and IDLE_TIMEOUT must not be negative"))
	}
	switch o.Server.Protocol {
	case ProtocolHTTP:
	case ProtocolHTTPS:
		if o.Server.CertFile == "" || o.Server.KeyFile == "" {
			errs = append(errs, errors.New("[server] PROTOCOL = https needs CERT_FILE and KEY_FILE"))
		}
	case ProtocolHTTPUnix:
		if p, err := strconv.ParseUint(o.Server.UnixSocketPermission, 8, 32); err != nil || p > 0o777 {
			errs = append(errs, fmt.Errorf("[server] UNIX_SOCKET_PERMISSION %q is not an octal mode such as 660", o.Server.UnixSocketPermission))
		}
	default:
		errs = append(errs, fmt.Errorf("[server] PROTOCOL %q is not http, https or http+unix", o.Server.Protocol))
	}
	if o.Server.MaxRequestBytes <= 0 {
		errs = append(errs, errors.New("[server] MAX_REQUEST_BYTES must be positive"))
	}
	switch o.Database.Type {
	case "sqlite3":
		if o.Database.Path == "" {
			errs = append(errs, errors.New("[database] PATH is required for sqlite3"))
		}
	case "postgres", "mysql":
		if o.Database.Host == "" || o.Database.Name == "" {
			errs = append(errs, fmt.Errorf("[database] HOST and NAME are required for %s", o.Database.Type))
		}
	default:
		errs = append(errs, fmt.Errorf("[database] DB_TYPE %q is not one of sqlite3, postgres, mysql", o.Database.Type))
	}
	if o.Actions.MaxLogRowsPerRequest <= 0 || o.Actions.MaxLogRowBytes <= 0 || o.Actions.MaxLogBytesPerTask <= 0 {
		errs = append(errs, errors.New("[actions] log limits must be positive"))
	}
	if o.Actions.MaxLabels <= 0 {
		errs = append(errs, errors.New("[actions] MAX_LABELS must be positive"))
	}
	if o.Actions.MaxLabelSetsPerOwner < 0 || o.Metrics.MaxLabelSetSeries < 0 {
		errs = append(errs, errors.New("[actions] MAX_LABEL_SETS_PER_OWNER and [metrics] MAX_LABEL_SET_SERIES must not be negative"))
	}
	if o.Actions.MaxRunPayloadBytes <= 0 {
		errs = append(errs, errors.New("[actions] MAX_RUN_PAYLOAD_BYTES must be positive"))
	}
	if o.Actions.FetchTaskWait < 0 || o.Actions.FetchTaskMaxWaiting < 0 || o.Actions.TasksVersionRecheck <= 0 {
		errs = append(errs, errors.New("[actions] FETCH_TASK_WAIT and FETCH_TASK_MAX_WAITING must not be negative, TASKS_VERSION_RECHECK must be positive"))
	}
	if o.Actions.RegisterRateLimit < 0 || o.Actions.RegisterRateBurst < 0 || o.API.RateLimit < 0 || o.API.RateLimitBurst < 0 {
		errs = append(errs, errors.New("rate limits must not be negative"))
	}
	if o.API.DefaultPagingNum <= 0 || o.API.MaxResponseItems < o.API.DefaultPagingNum {
		errs = append(errs, errors.New("[api] DEFAULT_PAGING_NUM must be positive and at most MAX_RESPONSE_ITEMS"))
	}
	if a := o.Actions; a.MaintenanceInterval < 0 || a.TaskStaleAfter < 0 || a.EphemeralIdleAfter < 0 || a.JITUnusedAfter < 0 || a.RemoveOfflineRunnersAfter < 0 || a.WaitingJobMaxAge < 0 || a.RemoveUnusedLabelSetsAfter < 0 {
		errs = append(errs, errors.New("[actions] maintenance interval and ages must not be negative"))
	}
	if a := o.Actions.RemoveUnusedLabelSetsAfter; a > 0 && a < minRemoveUnusedLabelSetsAfter {
		errs = append(errs, fmt.Errorf("[actions] REMOVE_UNUSED_LABEL_SETS_AFTER must be 0 (off) or at least %s, well above how often a set's use is recorded", minRemoveUnusedLabelSetsAfter))
	}
	if a := o.Actions; a.QueueSampleInterval < 0 || (a.QueueSampleInterval > 0 && a.QueueSampleRetention < a.QueueSampleInterval) {
		errs = append(errs, errors.New("[actions] QUEUE_SAMPLE_INTERVAL must not be negative, and QUEUE_SAMPLE_RETENTION must be at least one interval"))
	}
	if a := o.Actions.TaskStaleAfter; a > 0 && a < minTaskStaleAfter {
		errs = append(errs, fmt.Errorf("[actions] TASK_STALE_AFTER must be 0 (off) or at least %s, or working runners would lose their tasks", minTaskStaleAfter))
	}
	if o.Accounts.Source != AccountsStandalone && o.Accounts.Source != AccountsGitea {
		errs = append(errs, fmt.Errorf("[accounts] SOURCE %q is not one of standalone, gitea", o.Accounts.Source))
	}
	if o.Session.LifeTime <= 0 {
		errs = append(errs, errors.New("[session] SESSION_LIFE_TIME must be positive"))
	}
	if w := o.Webhook; w.DeliverTimeout <= 0 || w.DeliveryWorkers < 0 || w.MaxAttempts <= 0 ||
		w.RetryBackoff <= 0 || w.MaxRetryBackoff < w.RetryBackoff || w.PollInterval <= 0 {
		errs = append(errs, errors.New("[webhook] DELIVER_TIMEOUT, MAX_ATTEMPTS, RETRY_BACKOFF and POLL_INTERVAL must be positive, DELIVERY_WORKERS not negative, MAX_RETRY_BACKOFF at least RETRY_BACKOFF"))
	}
	return errors.Join(errs...)
}

// minRemoveUnusedLabelSetsAfter leaves room above the minute within which a
// label set's use is not written again (actions_model.LabelSetTouchEvery),
// and for clocks of processes that disagree a little.
const minRemoveUnusedLabelSetsAfter = 10 * time.Minute

// minTaskStaleAfter leaves room for a runner's reports, which refresh its
// last contact at most every 10 seconds.
const minTaskStaleAfter = 30 * time.Second

// ListenAddr is the address the HTTP server binds.
func (s Server) ListenAddr() string {
	return net.JoinHostPort(s.HTTPAddr, strconv.Itoa(s.HTTPPort))
}
