package options

import (
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/ini.v1"
)

// EnvPrefix starts every environment override: RUNNERHUB__SECTION__KEY=value.
const EnvPrefix = "RUNNERHUB__"

// Load reads the app.ini at path (none when path is empty), applies the
// overrides found in environ and validates the result.
func Load(path string, environ []string) (*Options, error) {
	cfg := ini.Empty()
	if path != "" {
		var err error
		if cfg, err = ini.Load(path); err != nil {
			return nil, fmt.Errorf("read config %s: %w", path, err)
		}
	}
	applyEnv(cfg, environ)
	o := Default()
	if err := fill(cfg, o); err != nil {
		return nil, err
	}
	if err := readRegistrationToken(o, environ); err != nil {
		return nil, err
	}
	return o, o.Validate()
}

func applyEnv(cfg *ini.File, environ []string) {
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		section, key, ok := strings.Cut(strings.TrimPrefix(name, EnvPrefix), "__")
		if !ok || section == "" || key == "" {
			continue
		}
		cfg.Section(strings.ToLower(section)).Key(strings.ToUpper(key)).SetValue(value)
	}
}

// readRegistrationToken takes the seed token from the environment, as Gitea's
// GITEA_RUNNER_REGISTRATION_TOKEN(_FILE) does.
func readRegistrationToken(o *Options, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	for _, prefix := range []string{"RUNNERHUB", "GITEA"} {
		if v := env[prefix+"_RUNNER_REGISTRATION_TOKEN"]; v != "" {
			o.Actions.RegistrationToken = v
			return nil
		}
		if f := env[prefix+"_RUNNER_REGISTRATION_TOKEN_FILE"]; f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("read %s_RUNNER_REGISTRATION_TOKEN_FILE: %w", prefix, err)
			}
			o.Actions.RegistrationToken = strings.TrimSpace(string(b))
			return nil
		}
	}
	return nil
}

// fill copies every known key onto o, keeping the default where a key is absent.
func fill(cfg *ini.File, o *Options) error {
	r := reader{cfg: cfg}
	s := &o.Server
	r.str("server", "HTTP_ADDR", &s.HTTPAddr)
	r.int("server", "HTTP_PORT", &s.HTTPPort)
	r.str("server", "ROOT_URL", &s.RootURL)
	r.str("server", "APP_DATA_PATH", &s.AppDataPath)
	r.int64("server", "MAX_REQUEST_BYTES", &s.MaxRequestBytes)
	r.duration("server", "SHUTDOWN_TIMEOUT", &s.ShutdownTimeout)

	d := &o.Database
	r.str("database", "DB_TYPE", &d.Type)
	r.str("database", "HOST", &d.Host)
	r.str("database", "NAME", &d.Name)
	r.str("database", "USER", &d.User)
	r.str("database", "PASSWD", &d.Passwd)
	r.str("database", "PATH", &d.Path)
	r.str("database", "SSL_MODE", &d.SSLMode)
	r.int("database", "MAX_OPEN_CONNS", &d.MaxOpenConns)
	r.bool("database", "LOG_SQL", &d.LogSQL)
	if d.Type == "sqlite" {
		d.Type = "sqlite3"
	}

	r.str("security", "SECRET_KEY", &o.Security.SecretKey)

	a := &o.Actions
	r.duration("actions", "EPHEMERAL_LOG_GRACE", &a.EphemeralLogGrace)
	r.duration("actions", "RUNNER_OFFLINE_AFTER", &a.RunnerOfflineAfter)
	r.duration("actions", "RUNNER_AUTH_CACHE_TTL", &a.RunnerAuthCacheTTL)
	r.int("actions", "MAX_LOG_ROWS_PER_REQUEST", &a.MaxLogRowsPerRequest)
	r.int("actions", "MAX_LOG_ROW_BYTES", &a.MaxLogRowBytes)
	r.int64("actions", "MAX_LOG_BYTES_PER_TASK", &a.MaxLogBytesPerTask)
	r.int("actions", "MAX_LABELS", &a.MaxLabels)
	r.duration("actions", "JOB_TIMEOUT", &a.JobTimeout)
	r.duration("actions", "FETCH_TASK_WAIT", &a.FetchTaskWait)
	r.int("actions", "FETCH_TASK_MAX_WAITING", &a.FetchTaskMaxWaiting)
	r.duration("actions", "TASKS_VERSION_RECHECK", &a.TasksVersionRecheck)
	r.str("actions", "DEFAULT_ACTIONS_URL", &a.DefaultActionsURL)
	r.int("actions", "REGISTER_RATE_LIMIT", &a.RegisterRateLimit)
	r.int("actions", "REGISTER_RATE_BURST", &a.RegisterRateBurst)
	r.duration("actions", "MAINTENANCE_INTERVAL", &a.MaintenanceInterval)
	r.duration("actions", "TASK_STALE_AFTER", &a.TaskStaleAfter)
	r.duration("actions", "EPHEMERAL_IDLE_AFTER", &a.EphemeralIdleAfter)
	r.duration("actions", "REMOVE_OFFLINE_RUNNERS_AFTER", &a.RemoveOfflineRunnersAfter)
	r.duration("actions", "WAITING_JOB_MAX_AGE", &a.WaitingJobMaxAge)
	r.duration("actions", "QUEUE_SAMPLE_INTERVAL", &a.QueueSampleInterval)
	r.duration("actions", "QUEUE_SAMPLE_RETENTION", &a.QueueSampleRetention)

	api := &o.API
	r.int("api", "DEFAULT_PAGING_NUM", &api.DefaultPagingNum)
	r.int("api", "MAX_RESPONSE_ITEMS", &api.MaxResponseItems)
	r.int("api", "RATE_LIMIT", &api.RateLimit)
	r.int("api", "RATE_LIMIT_BURST", &api.RateLimitBurst)

	r.duration("session", "SESSION_LIFE_TIME", &o.Session.LifeTime)
	r.bool("session", "COOKIE_SECURE", &o.Session.CookieSecure)

	r.bool("metrics", "ENABLED", &o.Metrics.Enabled)
	r.str("metrics", "TOKEN", &o.Metrics.Token)

	w := &o.Webhook
	r.str("webhook", "ALLOWED_HOST_LIST", &w.AllowedHostList)
	r.int("webhook", "DELIVER_TIMEOUT", &w.DeliverTimeout)
	r.bool("webhook", "SKIP_TLS_VERIFY", &w.SkipTLSVerify)
	r.int("webhook", "DELIVERY_WORKERS", &w.DeliveryWorkers)
	r.int("webhook", "MAX_ATTEMPTS", &w.MaxAttempts)
	r.duration("webhook", "RETRY_BACKOFF", &w.RetryBackoff)
	r.duration("webhook", "MAX_RETRY_BACKOFF", &w.MaxRetryBackoff)
	r.duration("webhook", "POLL_INTERVAL", &w.PollInterval)
	return r.err
}

// reader keeps the first conversion error so fill stays a flat list of keys.
type reader struct {
	cfg *ini.File
	err error
}

func (r *reader) key(section, name string) (*ini.Key, bool) {
	if !r.cfg.HasSection(section) || !r.cfg.Section(section).HasKey(name) {
		return nil, false
	}
	return r.cfg.Section(section).Key(name), true
}

func (r *reader) fail(section, name string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("[%s] %s: %w", section, name, err)
	}
}

func (r *reader) str(section, name string, dst *string) {
	if k, ok := r.key(section, name); ok {
		*dst = k.String()
	}
}

func (r *reader) int(section, name string, dst *int) {
	if k, ok := r.key(section, name); ok {
		v, err := k.Int()
		if err != nil {
			r.fail(section, name, err)
			return
		}
		*dst = v
	}
}

func (r *reader) int64(section, name string, dst *int64) {
	if k, ok := r.key(section, name); ok {
		v, err := k.Int64()
		if err != nil {
			r.fail(section, name, err)
			return
		}
		*dst = v
	}
}

func (r *reader) bool(section, name string, dst *bool) {
	if k, ok := r.key(section, name); ok {
		v, err := k.Bool()
		if err != nil {
			r.fail(section, name, err)
			return
		}
		*dst = v
	}
}

func (r *reader) duration(section, name string, dst *time.Duration) {
	if k, ok := r.key(section, name); ok {
		v, err := time.ParseDuration(k.String())
		if err != nil {
			r.fail(section, name, err)
			return
		}
		*dst = v
	}
}
