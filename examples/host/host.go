package main

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"xorm.io/xorm"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/options"
)

// HostOptions are the host's settings.
type HostOptions struct {
	// Runnerhub is Runnerhub's configuration. Server.RootURL (where runners
	// and webhook readers reach this host) and Security.SecretKey are required.
	Runnerhub *options.Options
	// SessionLifetime is how long a sign-in lasts; a day when 0.
	SessionLifetime time.Duration
	// SecureCookie sends the session cookie over HTTPS only.
	SecureCookie bool
	// Logger gets the host's and Runnerhub's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Host is the example's whole application: its accounts, sign-in and pages,
// with Runnerhub mounted inside. It is an http.Handler.
type Host struct {
	accounts     *Accounts
	sessions     *sessions
	srv          *runnerhub.Server
	handler      http.Handler
	pages        *template.Template
	secureCookie bool
	logger       *slog.Logger
}

// NewHost migrates the host's tables and then Runnerhub's (without its
// standalone accounts), and wires Runnerhub to the host's accounts and
// sign-in. Call Start for the background work and Close at the end; the
// engine stays the caller's.
func NewHost(ctx context.Context, x *xorm.Engine, o HostOptions) (*Host, error) {
	if o.Runnerhub == nil {
		return nil, errors.New("host: HostOptions.Runnerhub is required")
	}
	if o.SessionLifetime == 0 {
		o.SessionLifetime = 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if err := migrateAccounts(x); err != nil {
		return nil, fmt.Errorf("migrate the host's tables: %w", err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	h := &Host{
		accounts: &Accounts{x: x}, sessions: newSessions(o.SessionLifetime), pages: pages,
		secureCookie: o.SecureCookie, logger: o.Logger,
	}
	cfg := runnerhub.Config{
		Engine:  x,
		Options: o.Runnerhub,
		// Runnerhub asks the host who a token or password belongs to, and
		// who may manage which owner and repository.
		Identity: h.accounts,
		// Its pages ask the host who is signed in, and send visitors to the
		// host's sign-in page.
		SignedInUser: h.signedInUser,
		SignInURL:    "/login",
		// Runnerhub's schema version sits beside whatever the host keeps.
		VersionTable: "runnerhub_version",
	}
	if err := runnerhub.Migrate(ctx, cfg); err != nil {
		return nil, fmt.Errorf("migrate runnerhub: %w", err)
	}
	srv, err := runnerhub.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	h.srv = srv
	h.handler = h.routes()
	return h, nil
}

// ServeHTTP serves the host's routes and Runnerhub's.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }

// Start runs Runnerhub's background work (maintenance, webhook deliveries).
func (h *Host) Start(ctx context.Context) { h.srv.Start(ctx) }

// Close stops the background work; it does not close the database.
func (h *Host) Close() { h.srv.Close() }

// Accounts is the host's account store.
func (h *Host) Accounts() *Accounts { return h.accounts }

// Runnerhub is the embedded server, for direct service calls.
func (h *Host) Runnerhub() *runnerhub.Server { return h.srv }
