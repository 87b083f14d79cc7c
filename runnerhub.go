// Package runnerhub is the server side of Gitea Actions runner management,
// as a library: the one entry point a host embeds, and what the runnerhub
// command runs on its own.
//
// A host opens its database with xorm, brings Runnerhub's tables up to date
// with Migrate (or runs migrations.Steps inside its own migration sequence),
// and builds a Server with New. The Server's handlers serve the runner
// protocol that act_runner speaks, the REST API and the settings pages; a
// host mounts them all with Handler, or each alone on its own mux. Start runs
// the background work (maintenance, webhook deliveries) until Close.
//
// Who is signed in and what they may manage comes from the host through
// identity.Provider; with none, Runnerhub keeps its own accounts in the same
// database ("standalone"). Everything a Server uses hangs off the Server
// value, so several live in one process, each on its own database.
package runnerhub

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/clientaddr"
	"code.runnerhub.dev/runnerhub/modules/metrics"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/services/provisioner"
	webhook_service "code.runnerhub.dev/runnerhub/services/webhook"
	workflow_service "code.runnerhub.dev/runnerhub/services/workflow"
	"code.runnerhub.dev/runnerhub/templates"
)

// Config is what a host hands to New.
type Config struct {
	// Engine is the database, already migrated (see Migrate). Required. Its
	// column mapper must be xorm's GonicMapper (OwnerID → owner_id), as
	// Gitea's is; db.Open makes such an engine with the settings Runnerhub
	// uses (UTC times, SQLite's WAL and busy timeout).
	//
	// Runnerhub logs through slog's default logger (slog.SetDefault).
	Engine *xorm.Engine
	// Options are Runnerhub's settings; nil means options.Default().
	// Server.RootURL (the address runners and webhook readers use) and
	// Security.SecretKey (seals stored secrets; every process sharing the
	// database needs the same) must be set.
	Options *options.Options
	// Identity answers who a caller is and what they manage. Nil means
	// Runnerhub's own accounts, kept in Engine's database.
	Identity identity.Provider
	// SignedInUser tells the pages who is signed in to the host, from the
	// host's own session: nil and no error for a visitor. When set, the pages
	// use it and Runnerhub serves no sign-in form of its own; SignInURL is
	// where a visitor is sent, with ?redirect_to=<page>. Nil means Runnerhub's
	// own sign-in form and sessions.
	SignedInUser func(r *http.Request) (*identity.User, error)
	SignInURL    string
	// VersionTable is where Runnerhub keeps its schema version in the host's
	// database; "schema_version" when empty (see migrations.Options).
	VersionTable string
}

// Server is a wired Runnerhub: its handlers and the services behind them.
type Server struct {
	opts       *options.Options
	engine     *xorm.Engine
	identity   identity.Provider
	accounts   *identity.Standalone // nil when the host brings its accounts
	actions    *actions_service.Service
	workflows  *workflow_service.Service
	webhooks   *webhook_service.Service
	pools      *provisioner.Provisioner // the [provisioner.NAME] pools; none configured is fine
	metrics    *metrics.Metrics
	tmpl       *template.Template
	handlers   handlers
	clientAddr *clientaddr.Resolver
	passwords  *identity.PasswordLimits // one budget of password attempts for the API and the pages
	stops      []func()                 // background work started by Start, stopped by Close
}

// New wires the services and handlers over a migrated database. It starts
// no background work; call Start for that.
func New(ctx context.Context, c Config) (*Server, error) {
	if c.Engine == nil {
		return nil, errors.New("runnerhub: Config.Engine is required")
	}
	o := c.Options
	if o == nil {
		o = options.Default()
	}
	if o.Server.RootURL == "" {
		return nil, errors.New("runnerhub: [server] ROOT_URL is required")
	}
	if err := checkEngine(c.Engine); err != nil {
		return nil, err
	}
	if err := migrations.Check(c.Engine, migrateOptions(c)); err != nil {
		return nil, err
	}
	box, err := secret.NewBox(o.Security.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("[security] SECRET_KEY: %w", err)
	}
	s := &Server{opts: o, engine: c.Engine, identity: c.Identity}
	if s.identity == nil {
		accounts := identity.NewStandalone()
		s.identity, s.accounts = accounts, &accounts
	}
	ctx = s.Context(ctx)
	s.actions = actions_service.New(o, box)
	s.actions.SetIdentity(s.identity) // task contexts and runner groups name the host's owners and repositories
	if o.Actions.RegistrationToken != "" {
		if err := s.actions.SeedRegistrationToken(ctx, o.Actions.RegistrationToken); err != nil {
			return nil, fmt.Errorf("seed registration token: %w", err)
		}
	}
	if s.metrics, err = newMetrics(ctx, s.actions); err != nil {
		return nil, err
	}
	if s.webhooks, err = webhook_service.New(o, box, s.identity); err != nil {
		return nil, err
	}
	s.webhooks.SetDeliveryCounter(s.metrics)
	s.actions.SetJobObserver(s.webhooks) // job state changes write the webhook outbox in their transaction
	s.workflows = workflow_service.New(s.actions)
	// A pool whose scope or group does not exist stops start-up here.
	if s.pools, err = provisioner.New(ctx, o.Pools, provisioner.Deps{Actions: s.actions, Identity: s.identity, RootURL: o.Server.RootURL, Metrics: s.metrics}); err != nil {
		return nil, err
	}
	if s.tmpl, err = templates.Parse(); err != nil {
		return nil, err
	}
	s.clientAddr = clientaddr.New(o.Server.TrustedProxies)
	s.passwords = identity.NewPasswordLimits()
	s.handlers = s.newHandlers(c)
	return s, nil
}

// Context returns ctx bound to the server's database: the services find
// their engine there. Calls made through the Server's own methods need not.
func (s *Server) Context(ctx context.Context) context.Context {
	return db.WithEngine(ctx, s.engine)
}

// Options are the settings the server runs with.
func (s *Server) Options() *options.Options { return s.opts }

// Identity is the account provider in use: the host's, or the standalone one.
func (s *Server) Identity() identity.Provider { return s.identity }

// Accounts is the standalone account store, or nil when the host brings its own.
func (s *Server) Accounts() *identity.Standalone { return s.accounts }

// Actions is the runner-facing service: registration tokens, runners, tasks.
// Call it with a context from Context.
func (s *Server) Actions() *actions_service.Service { return s.actions }

// Workflows is the run intake and the reads of runs and jobs. Call it with
// a context from Context.
func (s *Server) Workflows() *workflow_service.Service { return s.workflows }

// Webhooks manages webhooks and delivers workflow_job events.
func (s *Server) Webhooks() *webhook_service.Service { return s.webhooks }

// Pools is the built-in provisioner: the pools of [provisioner.NAME].
func (s *Server) Pools() *provisioner.Provisioner { return s.pools }

// Passwords limits failed password attempts, for the API and the pages.
func (s *Server) Passwords() *identity.PasswordLimits { return s.passwords }

// Metrics is what the metrics handler serves.
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// checkEngine refuses an engine whose column names Runnerhub's models would
// not find: a wrong mapper breaks every query, but only at its first use.
func checkEngine(x *xorm.Engine) error {
	if got := x.GetColumnMapper().Obj2Table("OwnerID"); got != "owner_id" {
		return fmt.Errorf("runnerhub: the engine maps OwnerID to %q; set xorm's names.GonicMapper{} (db.Open does)", got)
	}
	return nil
}
