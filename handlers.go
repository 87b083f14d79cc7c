package runnerhub

import (
	"net/http"

	"code.runnerhub.dev/runnerhub/modules/ratelimit"
	v1 "code.runnerhub.dev/runnerhub/routers/api/v1"
	"code.runnerhub.dev/runnerhub/routers/rpc"
	"code.runnerhub.dev/runnerhub/routers/web"
	"code.runnerhub.dev/runnerhub/templates"
)

// Where the handlers expect to be mounted. Each serves its paths in full
// (it does not strip a prefix), because act_runner and Gitea's API clients
// know these paths.
const (
	RunnerPrefix = rpc.Prefix // the runner protocol: mount at RunnerPrefix + "/"
	APIPrefix    = v1.Prefix  // the REST API: mount at APIPrefix + "/"
)

type handlers struct {
	runner, api, web, metrics, all http.Handler
}

func (s *Server) newHandlers(c Config) handlers {
	o := s.opts
	registerLimit := ratelimit.New(o.Actions.RegisterRateLimit, o.Actions.RegisterRateBurst)
	runnerMux := http.NewServeMux()
	runnerMux.Handle(rpc.Prefix+"/", rpc.NewHandler(s.actions, o.Server.MaxRequestBytes, rpc.RegisterRateLimit(registerLimit)))
	runnerMux.Handle("POST "+rpc.RuntimeTokenVerifyPath, rpc.NewRuntimeTokenHandler(s.actions))

	passwords := s.passwords
	h := handlers{
		runner: s.bind(runnerMux),
		api: s.bind(v1.New(v1.Deps{Options: o, Identity: s.identity, Accounts: s.accounts,
			Actions: s.actions, Workflows: s.workflows, Webhooks: s.webhooks, Passwords: passwords})),
		web: s.bind(web.New(web.Deps{Options: o, Tmpl: s.tmpl, Assets: templates.Assets(),
			Identity: s.identity, Accounts: s.accounts, Actions: s.actions, Webhooks: s.webhooks, Workflows: s.workflows, Pools: s.pools,
			SecretKey: o.Security.SecretKey, Passwords: passwords,
			SignedInUser: c.SignedInUser, SignInURL: c.SignInURL})),
		metrics: metricsHandler(o.Metrics, s.metrics),
	}
	mux := http.NewServeMux()
	mux.Handle(rpc.Prefix+"/", h.runner)
	mux.Handle(v1.Prefix+"/", h.api)
	if o.Metrics.Enabled {
		mux.Handle("GET /metrics", h.metrics)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.Handle("/", h.web)
	h.all = mux
	return h
}

// bind puts the server's database on every request's context, where the
// model layer finds it, and the client's address as [server]
// TRUSTED_PROXIES tells it, for rate limits and the audit log.
func (s *Server) bind(next http.Handler) http.Handler {
	return s.clientAddr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(s.Context(r.Context())))
	}))
}

// Handler serves everything: the runner protocol under RunnerPrefix, the
// REST API under APIPrefix, /metrics (when [metrics] ENABLED), /healthz and
// the pages at every other path.
func (s *Server) Handler() http.Handler { return s.handlers.all }

// RunnerHandler serves the runner protocol (act_runner's RPCs, Deregister)
// and the runtime-token check; mount it at RunnerPrefix.
func (s *Server) RunnerHandler() http.Handler { return s.handlers.runner }

// APIHandler serves the REST API; mount it at APIPrefix.
func (s *Server) APIHandler() http.Handler { return s.handlers.api }

// WebHandler serves the settings pages at Gitea's paths (/-/admin/...,
// /org/{org}/settings/..., /user/settings/..., /{owner}/{repo}/settings/...)
// and their assets under /assets/.
func (s *Server) WebHandler() http.Handler { return s.handlers.web }

// MetricsHandler serves the Prometheus metrics, behind [metrics] TOKEN when
// one is set, whether or not [metrics] ENABLED puts them on Handler.
func (s *Server) MetricsHandler() http.Handler { return s.handlers.metrics }
