package options

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"gopkg.in/ini.v1"
)

// EnvPrefix starts every environment override: RUNNERHUB__SECTION__KEY=value.
const EnvPrefix = "RUNNERHUB__"

// Load reads the app.ini at path (none when path is empty), applies the
// overrides found in environ and validates the result. Unknown sections,
// keys and variables are an error only with [server] STRICT_CONFIG = true;
// Inspect names them.
func Load(path string, environ []string) (*Options, error) {
	r, err := Inspect(path, environ)
	if err != nil {
		return nil, err
	}
	if err := r.Fatal(); err != nil {
		return nil, err
	}
	return r.Options, nil
}

// Inspect reads the configuration as Load does and reports everything about
// it: each setting's effective value and origin, the unknown names, and the
// first conversion or validation error (in Err, not returned). The error is
// only for a file that cannot be read.
func Inspect(path string, environ []string) (*Report, error) {
	cfg := ini.Empty()
	if path != "" {
		var err error
		if cfg, err = ini.Load(path); err != nil {
			return nil, fmt.Errorf("read config %s: %w", path, err)
		}
	}
	r := &Report{Options: Default()}
	env, badEnv := applyEnv(cfg, environ)
	rd := reader{cfg: cfg, env: env, record: true}
	r.Err = fill(&rd, r.Options)
	r.Settings = rd.settings
	r.Unknown = append(unknownNames(cfg, env), badEnv...)
	if r.Err == nil {
		r.Err = readRegistrationToken(r.Options, environ)
	}
	if r.Err == nil {
		r.Err = r.Options.Validate()
	}
	return r, nil
}

// applyEnv copies the RUNNERHUB__SECTION__KEY variables into cfg and
// returns which variable set each section/key, and the variables whose
// names are not of that form.
func applyEnv(cfg *ini.File, environ []string) (map[sectionKey]string, []Unknown) {
	env := map[sectionKey]string{}
	var bad []Unknown
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		section, key, ok := strings.Cut(strings.TrimPrefix(name, EnvPrefix), "__")
		if !ok || section == "" || key == "" {
			bad = append(bad, Unknown{Variable: name, Hint: "the form is " + EnvPrefix + "SECTION__KEY"})
			continue
		}
		sk := sectionKey{strings.ToLower(section), strings.ToUpper(key)}
		cfg.Section(sk.section).Key(sk.key).SetValue(value)
		env[sk] = name
	}
	return env, bad
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
func fill(r *reader, o *Options) error {
	s := &o.Server
	r.str("server", "HTTP_ADDR", &s.HTTPAddr)
	r.int("server", "HTTP_PORT", &s.HTTPPort)
	r.str("server", "ROOT_URL", &s.RootURL)
	r.str("server", "APP_DATA_PATH", &s.AppDataPath)
	r.int64("server", "MAX_REQUEST_BYTES", &s.MaxRequestBytes)
	r.duration("server", "SHUTDOWN_TIMEOUT", &s.ShutdownTimeout)
	r.prefixes("server", "TRUSTED_PROXIES", &s.TrustedProxies)
	r.duration("server", "READ_HEADER_TIMEOUT", &s.ReadHeaderTimeout)
	r.duration("server", "READ_TIMEOUT", &s.ReadTimeout)
	r.duration("server", "IDLE_TIMEOUT", &s.IdleTimeout)
	r.bool("server", "STRICT_CONFIG", &s.StrictConfig)
	r.str("server", "PROTOCOL", &s.Protocol)
	r.str("server", "CERT_FILE", &s.CertFile)
	r.str("server", "KEY_FILE", &s.KeyFile)
	r.str("server", "UNIX_SOCKET_PERMISSION", &s.UnixSocketPermission)

	d := &o.Database
	r.str("database", "DB_TYPE", &d.Type)
	r.str("database", "HOST", &d.Host)
	r.str("database", "NAME", &d.Name)
	r.str("database", "USER", &d.User)
	r.secret("database", "PASSWD", &d.Passwd)
	r.str("database", "PATH", &d.Path)
	r.str("database", "SSL_MODE", &d.SSLMode)
	r.int("database", "MAX_OPEN_CONNS", &d.MaxOpenConns)
	r.bool("database", "LOG_SQL", &d.LogSQL)
	if d.Type == "sqlite" {
		d.Type = "sqlite3"
	}

	r.secret("security", "SECRET_KEY", &o.Security.SecretKey)
	r.str("accounts", "SOURCE", &o.Accounts.Source)

	a := &o.Actions
	r.duration("actions", "EPHEMERAL_LOG_GRACE", &a.EphemeralLogGrace)
	r.duration("actions", "RUNNER_OFFLINE_AFTER", &a.RunnerOfflineAfter)
	r.duration("actions", "RUNNER_AUTH_CACHE_TTL", &a.RunnerAuthCacheTTL)
	r.int("actions", "MAX_LOG_ROWS_PER_REQUEST", &a.MaxLogRowsPerRequest)
	r.int("actions", "MAX_LOG_ROW_BYTES", &a.MaxLogRowBytes)
	r.int64("actions", "MAX_LOG_BYTES_PER_TASK", &a.MaxLogBytesPerTask)
	r.int("actions", "MAX_LABELS", &a.MaxLabels)
	r.int64("actions", "MAX_RUN_PAYLOAD_BYTES", &a.MaxRunPayloadBytes)
	r.int("actions", "MAX_LABEL_SETS_PER_OWNER", &a.MaxLabelSetsPerOwner)
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
	r.duration("actions", "JIT_UNUSED_AFTER", &a.JITUnusedAfter)
	r.duration("actions", "REMOVE_OFFLINE_RUNNERS_AFTER", &a.RemoveOfflineRunnersAfter)
	r.duration("actions", "WAITING_JOB_MAX_AGE", &a.WaitingJobMaxAge)
	r.str("actions", "LEGACY_LOG_PATH", &a.LegacyLogPath)
	r.duration("actions", "REMOVE_UNUSED_LABEL_SETS_AFTER", &a.RemoveUnusedLabelSetsAfter)
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
	r.secret("metrics", "TOKEN", &o.Metrics.Token)
	r.int("metrics", "MAX_LABEL_SET_SERIES", &o.Metrics.MaxLabelSetSeries)

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
// Every key fill asks for is one Runnerhub knows: the reader notes each
// (with where its value came from and where it lands), which is how
// unknown names are found without a second list of keys.
type reader struct {
	cfg      *ini.File
	env      map[sectionKey]string // the variable that set a key
	err      error
	record   bool
	settings []Setting
	secrets  map[sectionKey]bool
}

// secret reads a string that Report never shows.
func (r *reader) secret(section, name string, dst *string) {
	if r.secrets == nil {
		r.secrets = map[sectionKey]bool{}
	}
	r.secrets[sectionKey{section, name}] = true
	r.str(section, name, dst)
}

// keyFor looks a key up and, when recording, notes it with dst, the
// field its effective value is read from afterwards.
func (r *reader) keyFor(section, name string, dst any) (*ini.Key, bool) {
	found := r.cfg.HasSection(section) && r.cfg.Section(section).HasKey(name)
	if r.record {
		sk := sectionKey{section, name}
		origin := "default"
		if v, ok := r.env[sk]; ok {
			origin = v
		} else if found {
			origin = "app.ini"
		}
		r.settings = append(r.settings, Setting{Section: section, Key: name, Origin: origin, Secret: r.secrets[sk], field: dst})
	}
	if !found {
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
	if k, ok := r.keyFor(section, name, dst); ok {
		*dst = k.String()
	}
}

func (r *reader) int(section, name string, dst *int) {
	if k, ok := r.keyFor(section, name, dst); ok {
		v, err := k.Int()
		if err != nil {
			r.fail(section, name, err)
			return
		}
		*dst = v
	}
}

func (r *reader) int64(section, name string, dst *int64) {
	if k, ok := r.keyFor(section, name, dst); ok {
		v, err := k.Int64()
		if err != nil {
			r.fail(section, name, err)
			return
		}
		*dst = v
	}
}

func (r *reader) bool(section, name string, dst *bool) {
	if k, ok := r.keyFor(section, name, dst); ok {
		v, err := k.Bool()
		if err != nil {
			r.fail(section, name, err)
			return
		}
		*dst = v
	}
}

func (r *reader) duration(section, name string, dst *time.Duration) {
	if k, ok := r.keyFor(section, name, dst); ok {
		v, err := time.ParseDuration(k.String())
		if err != nil {
			r.fail(section, name, err)
			return
		}
		*dst = v
	}
}

// prefixes reads a comma- or space-separated list of CIDRs; a single
// address stands for itself (/32 or /128).
func (r *reader) prefixes(section, name string, dst *[]netip.Prefix) {
	k, ok := r.keyFor(section, name, dst)
	if !ok {
		return
	}
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(k.String(), func(c rune) bool { return c == ',' || c == ' ' || c == '\t' }) {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				r.fail(section, name, fmt.Errorf("%q is not a CIDR or an IP address", f))
				return
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	*dst = out
}
