// Package actions is the runner-facing logic of Runnerhub: registration,
// authentication, task assignment, task and log updates, ephemeral
// retirement and deregistration. It takes and returns plain Go values and
// owns its transactions; routers adapt it to the wire.
package actions

import (
	"time"

	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// Service is the one instance the server wires up; its caches are per process.
type Service struct {
	opts    options.Actions
	rootURL string
	box     *secret.Box
	now     func() time.Time
	// identity names owners and repositories in the tasks handed out.
	identity identity.Provider

	runners   *runnerCache
	labelSets *labelSetCache
	versions  *versionCache // tasks_version per scope, and the polls waiting for it to move
	contacts  *contactBatch
	logs      *logBatch
	waiting   *waitingJobs
	routes    *groupRoutes // each runner's group and what it serves
	observer  JobObserver  // hears job state changes inside their transaction; may be nil
	recorder  Recorder     // hears claims and maintenance actions after commit, for metrics; may be nil
}

// New builds the service. box encrypts the registration tokens that must be
// shown again.
func New(o *options.Options, box *secret.Box) *Service {
	return &Service{
		opts:      o.Actions,
		rootURL:   o.Server.RootURL,
		box:       box,
		now:       time.Now,
		identity:  identity.NewStandalone(),
		runners:   newRunnerCache(o.Actions.RunnerAuthCacheTTL),
		labelSets: &labelSetCache{},
		versions:  newVersionCache(o.Actions.TasksVersionRecheck),
		contacts:  newContactBatch(contactFlushEvery),
		logs:      newLogBatch(),
		waiting:   newWaitingJobs(),
		routes:    newGroupRoutes(),
	}
}

// SetClock replaces the clock, for tests of time-dependent rules.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SetIdentity installs the accounts that name owners and repositories (the
// host's, when it brings its own); the standalone ones until then. Call it
// before serving.
func (s *Service) SetIdentity(p identity.Provider) { s.identity = p }
