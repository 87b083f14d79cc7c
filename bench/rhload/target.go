package rhload

import (
	"bufio"
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/httpserver"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

// Target is the server under load and a way to queue jobs on its database.
type Target struct {
	URL string
	// Ctx carries an engine on the server's database.
	Ctx context.Context
	// Actions queues jobs. In-process it is the server's own service; for a
	// separate server it is this process's, so wake-ups cross processes.
	Actions  *actions_service.Service
	RegToken string
	// PID is the process whose memory is the server's; Where says which.
	PID   int
	Where string

	closers []func()
}

// Close stops what Open started, newest first.
func (t *Target) Close() {
	for i := len(t.closers) - 1; i >= 0; i-- {
		t.closers[i]()
	}
}

// benchSecretKey keys the registration token cipher of the databases rhload creates.
const benchSecretKey = "rhload-bench-secret-key"

// Open prepares the target cfg describes: an existing server (-url), a
// separate runnerhub process on a fresh database (-server-bin), or, by
// default, a server in this process on a fresh database.
func Open(ctx context.Context, cfg *Config) (*Target, error) {
	if cfg.URL != "" {
		return openRunning(ctx, cfg)
	}
	t := &Target{}
	o := options.Default()
	o.Security.SecretKey = benchSecretKey
	o.Actions.RegisterRateLimit = 0 // a fleet registers from one address here
	dbo, drop, err := freshDatabase(cfg.DB, cfg.AdminDSN)
	if err != nil {
		return nil, err
	}
	t.closers = append(t.closers, drop)
	o.Database = dbo
	if err := t.openDatabase(ctx, o); err != nil {
		t.Close()
		return nil, err
	}
	if cfg.ServerBin != "" {
		err = t.spawn(cfg.ServerBin, cfg.ServerLog, o)
	} else {
		err = t.serveInProcess(ctx, o)
	}
	if err != nil {
		t.Close()
		return nil, err
	}
	if t.RegToken, err = t.Actions.DefaultRegistrationToken(t.Ctx, identity.InstanceScope); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// openDatabase migrates the database and binds it to t.Ctx with a service on it.
func (t *Target) openDatabase(ctx context.Context, o *options.Options) error {
	x, err := db.Open(o.Database)
	if err != nil {
		return err
	}
	t.closers = append(t.closers, func() { _ = x.Close() })
	t.Ctx = db.WithEngine(ctx, x)
	if err := migrations.Migrate(t.Ctx, x, migrations.Standalone); err != nil {
		return err
	}
	box, err := secret.NewBox(o.Security.SecretKey)
	if err != nil {
		return err
	}
	t.Actions = actions_service.New(o, box)
	return nil
}

func (t *Target) serveInProcess(ctx context.Context, o *options.Options) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	t.URL = "http://" + ln.Addr().String()
	o.Server.RootURL = t.URL + "/"
	app, err := runnerhub.New(t.Ctx, runnerhub.Config{Engine: db.Engine(t.Ctx), Options: o})
	if err != nil {
		_ = ln.Close()
		return err
	}
	srv := httpserver.New(o.Server, app.Handler()) // as serve runs it
	go func() { _ = srv.Serve(ln) }()
	t.closers = append(t.closers, func() { _ = srv.Close() })
	t.Actions, t.PID, t.Where = app.Actions(), os.Getpid(), "rhload process (server in-process, with the load generator)"
	return nil
}

// spawn runs `bin serve` on the database o names and waits until it
// listens. Its log goes to logPath when set.
func (t *Target) spawn(bin, logPath string, o *options.Options) error {
	dir, err := os.MkdirTemp("", "rhbench-serve-")
	if err != nil {
		return err
	}
	t.closers = append(t.closers, func() { _ = os.RemoveAll(dir) })
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), databaseEnv(o.Database)...)
	cmd.Env = append(cmd.Env,
		"RUNNERHUB__SERVER__HTTP_PORT=0",
		"RUNNERHUB__SERVER__APP_DATA_PATH="+dir,
		"RUNNERHUB__SECURITY__SECRET_KEY="+o.Security.SecretKey,
		"RUNNERHUB__ACTIONS__REGISTER_RATE_LIMIT=0",
	)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr tailBuffer
	cmd.Stderr = &stderr
	if logPath != "" {
		f, err := os.Create(logPath)
		if err != nil {
			return err
		}
		t.closers = append(t.closers, func() { _ = f.Close() })
		cmd.Stderr = io.MultiWriter(&stderr, f)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	t.closers = append(t.closers, func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	addr, err := listenAddress(stdout)
	if err != nil {
		return fmt.Errorf("%s serve: %w: %s", bin, err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	t.URL, t.PID, t.Where = addr, cmd.Process.Pid, "separate `runnerhub serve` process"
	return nil
}

// listenAddress reads serve's "listening on URL" line.
func listenAddress(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			return strings.TrimSpace(u), nil
		}
	}
	return "", errors.New("exited before listening")
}

// openRunning targets a server someone else started; its app.ini tells
// where its database is, so jobs can be queued there.
func openRunning(ctx context.Context, cfg *Config) (*Target, error) {
	if cfg.ServerConfig == "" || cfg.RegToken == "" {
		return nil, errors.New("-url needs -config (the server's app.ini, for its database) and -token (a registration token)")
	}
	o, err := options.Load(cfg.ServerConfig, os.Environ())
	if err != nil {
		return nil, err
	}
	if o.Security.SecretKey == "" {
		o.Security.SecretKey = benchSecretKey // only queues jobs; never opens a stored token
	}
	t := &Target{URL: strings.TrimRight(cfg.URL, "/"), RegToken: cfg.RegToken, PID: cfg.PID, Where: "process given by -pid"}
	if err := t.openDatabase(ctx, o); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// tailBuffer keeps the last few kilobytes written to it: a server's last words.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - 4096; over > 0 {
		b.buf = b.buf[over:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
