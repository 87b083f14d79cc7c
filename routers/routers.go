// Package routers assembles the HTTP server: the runner protocol, the REST
// API and the web pages, over the services.
package routers

import (
	"context"
	"fmt"
	"net/http"

	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/clientaddr"
	"code.runnerhub.dev/runnerhub/modules/metrics"
	"code.runnerhub.dev/runnerhub/modules/ratelimit"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	v1 "code.runnerhub.dev/runnerhub/routers/api/v1"
	"code.runnerhub.dev/runnerhub/routers/rpc"
	"code.runnerhub.dev/runnerhub/routers/web"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	webhook_service "code.runnerhub.dev/runnerhub/services/webhook"
	workflow_service "code.runnerhub.dev/runnerhub/services/workflow"
	"code.runnerhub.dev/runnerhub/templates"
)

// App is a wired server: its handler and the services behind it.
type App struct {
	Handler http.Handler
	Actions *actions_service.Service
	// Identity is who signs in and what they manage; standalone accounts here.
	Identity identity.Provider
	Accounts *identity.Standalone
	// Passwords limits failed password attempts, for the API and the pages.
	Passwords *identity.PasswordLimits
	// Metrics is what /metrics serves; the webhook delivery workers count
	// their outcomes in Metrics.WebhookDeliveries.
	Metrics *metrics.Metrics
	// Webhooks delivers workflow_job events; its workers run from Start to Close.
	Webhooks *webhook_service.Service

	engine *xorm.Engine
	stops  []func() // background work started by Start, stopped by Close
}

// New wires the services and routes over a migrated database. o.Security.SecretKey
// and o.Server.RootURL must be set.
func New(ctx context.Context, o *options.Options, x *xorm.Engine) (*App, error) {
	box, err := secret.NewBox(o.Security.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("[security] SECRET_KEY: %w", err)
	}
	svc := actions_service.New(o, box)
	if o.Actions.RegistrationToken != "" {
		if err := svc.SeedRegistrationToken(db.WithEngine(ctx, x), o.Actions.RegistrationToken); err != nil {
			return nil, fmt.Errorf("seed registration token: %w", err)
		}
	}
	m, err := newMetrics(ctx, x, svc)
	if err != nil {
		return nil, err
	}
	tmpl, err := templates.Parse()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	registerLimit := ratelimit.New(o.Actions.RegisterRateLimit, o.Actions.RegisterRateBurst)
	mux.Handle(rpc.Prefix+"/", rpc.NewHandler(svc, o.Server.MaxRequestBytes, rpc.RegisterRateLimit(registerLimit)))
	mux.Handle("POST "+rpc.RuntimeTokenVerifyPath, rpc.NewRuntimeTokenHandler(svc))
	accounts := identity.NewStandalone()
	hooks, err := webhook_service.New(o, box, accounts)
	if err != nil {
		return nil, err
	}
	hooks.SetDeliveryCounter(m)
	svc.SetJobObserver(hooks) // job state changes write the webhook outbox in their transaction
	// One budget of password attempts for the API and the pages.
	passwords := identity.NewPasswordLimits()
	v1.Mount(mux, v1.Deps{Options: o, Identity: accounts, Accounts: &accounts, Actions: svc,
		Workflows: workflow_service.New(svc), Webhooks: hooks, Passwords: passwords})
	mux.Handle("/", web.New(web.Deps{Options: o, Tmpl: tmpl, Assets: templates.Assets(), Identity: accounts, Accounts: &accounts, Actions: svc, Webhooks: hooks, SecretKey: o.Security.SecretKey, Passwords: passwords}))
	if o.Metrics.Enabled {
		mux.Handle("GET /metrics", metricsHandler(o.Metrics, m))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	return &App{Metrics: m, engine: x, Handler: withEngine(x, clientaddr.New(o.Server.TrustedProxies).Handler(mux)), Actions: svc, Identity: accounts, Accounts: &accounts, Passwords: passwords, Webhooks: hooks}, nil
}

// withEngine binds the engine to every request's context, where the model
// layer finds it.
func withEngine(x *xorm.Engine, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(db.WithEngine(r.Context(), x)))
	})
}
