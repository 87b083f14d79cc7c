package actions_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

const jitRootURL = "https://runnerhub.example:3000/"

// newJITFleet is a maintFleet whose service knows its ROOT_URL, as a
// server's does.
func newJITFleet(t *testing.T, ctx context.Context, configure ...func(*options.Actions)) *maintFleet {
	f := newMaintFleet(t, ctx, configure...)
	f.opts.Server.RootURL = jitRootURL
	f.svc = f.newProcess()
	return f
}

// newJITGroupWorld is a groupWorld whose service knows its ROOT_URL.
func newJITGroupWorld(t *testing.T, ctx context.Context) *groupWorld {
	w := newGroupWorld(t, ctx)
	o := options.Default()
	o.Server.RootURL = jitRootURL
	box, err := secret.NewBox("test-secret-key")
	require.NoError(t, err)
	w.svc = actions_service.New(o, box)
	w.svc.SetIdentity(identity.NewStandalone())
	return w
}

// jitRunner makes a JIT runner at the instance as the server, and returns
// it with the credentials its config carries.
func (f *maintFleet) jitRunner(name string) (*actions_service.JITConfig, *maintRunner) {
	f.t.Helper()
	cfg, err := f.svc.GenerateJITConfigAsServer(f.ctx, identity.InstanceScope, actions_service.JITConfigRequest{Name: name, Labels: []string{"linux:host"}})
	require.NoError(f.t, err)
	file, err := actions_service.DecodeJITConfig(cfg.EncodedConfig)
	require.NoError(f.t, err)
	return cfg, &maintRunner{Runner: cfg.Runner, token: file.Token}
}

func TestJITConfig_IsActRunnersRunnerFileOfAPreRegisteredEphemeralRunner(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newJITFleet(t, ctx)
		cfg, _ := f.jitRunner("jit-1")

		raw, err := base64.StdEncoding.DecodeString(cfg.EncodedConfig)
		require.NoError(t, err)
		var file map[string]any
		require.NoError(t, json.Unmarshal(raw, &file))
		assert.Equal(t, float64(cfg.Runner.ID), file["id"])
		assert.Equal(t, cfg.Runner.UUID, file["uuid"])
		assert.Equal(t, "jit-1", file["name"])
		assert.Equal(t, "https://runnerhub.example:3000", file["address"], "ROOT_URL, as act_runner joins paths to it")
		assert.Equal(t, []any{"linux:host"}, file["labels"], "labels keep their scheme")
		assert.Equal(t, true, file["ephemeral"])
		assert.Len(t, file["token"], 40)

		r, err := actions_model.GetRunnerByID(ctx, cfg.Runner.ID)
		require.NoError(t, err)
		assert.True(t, r.Ephemeral)
		assert.True(t, r.JIT)
		assert.Zero(t, r.LastOnline, "not in touch yet")
		assert.NotContains(t, r.TokenHash, file["token"], "only a hash of the token is stored")
		require.NotNil(t, cfg.Group)
		assert.True(t, cfg.Group.IsDefault, "runner_group_id 0 is the scope's default group")
		assert.Equal(t, cfg.Group.ID, r.RunnerGroupID)

		authed, err := f.svc.AuthenticateRunner(ctx, r.UUID, file["token"].(string), actions_service.CallOther)
		require.NoError(t, err, "the config's token is the runner's credential")
		assert.Equal(t, r.ID, authed.ID)

		events, _, err := f.svc.ListAuditEvents(ctx, identity.InstanceScope, 1, 10)
		require.NoError(t, err)
		var found bool
		for _, e := range events {
			if e.Action == actions_service.AuditRunnerJITCreated && e.TargetID == r.ID {
				found = true
				assert.Equal(t, "system", e.Actor)
			}
		}
		assert.True(t, found, "the creation is in the audit log")
	})
}

func TestJITConfig_RunnerTakesOneJobAndIsRemovedAfterIt(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newJITFleet(t, ctx)
		_, jit := f.jitRunner("jit-once")
		f.queue(actions_service.JobInput{JobID: "a"}, actions_service.JobInput{JobID: "b"})
		authed, err := f.svc.AuthenticateRunner(ctx, jit.UUID, jit.token, actions_service.CallOther)
		require.NoError(t, err)
		task := f.take(&maintRunner{Runner: authed, token: jit.token})
		res, err := f.svc.FetchTask(ctx, authed, 0)
		require.NoError(t, err)
		assert.Nil(t, res.Task, "one job only, though another waits")

		_, err = f.svc.UpdateTask(ctx, authed, actions_service.TaskStateInput{TaskID: task.ID, Result: actions_model.StatusSuccess})
		require.NoError(t, err)
		assert.False(t, f.isLive(jit), "retired after its job")
		_, err = f.svc.AuthenticateRunner(ctx, jit.UUID, jit.token, actions_service.CallOther)
		assert.ErrorIs(t, err, errs.Unauthenticated)
	})
}

func TestJITConfig_UnusedRunnerRemovedAfterJITUnusedAfter(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newJITFleet(t, ctx, func(a *options.Actions) { a.JITUnusedAfter = 5 * time.Minute })
		_, unused := f.jitRunner("unused")
		_, busy := f.jitRunner("busy")
		eph := f.register("registered-eph", true)
		f.queue(actions_service.JobInput{JobID: "build"})
		f.take(busy)

		f.advance(4 * time.Minute)
		assert.Empty(t, f.maintain())
		f.advance(2 * time.Minute)
		assert.Equal(t, actions_service.MaintenanceReport{actions_service.MaintenanceUnusedJITRemoved: 1}, f.maintain())
		assert.Equal(t, 1, f.counts.get(actions_service.MaintenanceUnusedJITRemoved), "counted for /metrics")
		assert.False(t, f.isLive(unused))
		assert.True(t, f.isLive(busy), "a JIT runner with its job is not unused")
		assert.True(t, f.isLive(eph), "a runner that registered itself keeps EPHEMERAL_IDLE_AFTER")
		_, err := f.svc.AuthenticateRunner(ctx, unused.UUID, unused.token, actions_service.CallOther)
		assert.ErrorIs(t, err, errs.Unauthenticated, "the config stops working")

		other := f.newProcess() // a second process finds nothing left to do
		rep, err := other.RunMaintenance(ctx)
		require.NoError(t, err)
		assert.Empty(t, rep)
	})
}

func TestJITConfig_GroupManagersForTheirGroupOnly(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		w := newJITGroupWorld(t, ctx)
		mine := w.group(t, w.acme, "mine", actions_model.GroupVisibilityAll)
		theirs := w.group(t, w.acme, "theirs", actions_model.GroupVisibilityAll)
		_, err := w.svc.AddRunnerGroupManager(ctx, w.acme, mine.ID, "alice")
		require.NoError(t, err)
		req := func(group int64) actions_service.JITConfigRequest {
			return actions_service.JITConfigRequest{Name: "jit", RunnerGroupID: group, Labels: []string{"linux"}}
		}

		cfg, err := w.svc.GenerateJITConfig(ctx, w.alice, w.acme, req(mine.ID))
		require.NoError(t, err)
		assert.Equal(t, mine.ID, cfg.Runner.RunnerGroupID)
		assert.Equal(t, w.acme.OwnerID(), cfg.Runner.OwnerID)

		before := countRunners(t, ctx)
		for name, c := range map[string]struct {
			sc    identity.Scope
			group int64
		}{
			"another group":           {w.acme, theirs.ID},
			"the default group":       {w.acme, 0},
			"another org":             {w.other, 0},
			"another org, same group": {w.other, mine.ID},
			"the instance":            {identity.InstanceScope, 0},
			"a repository":            {identity.RepoScope(w.repos["app"]), 0},
		} {
			_, err := w.svc.GenerateJITConfig(ctx, w.alice, c.sc, req(c.group))
			assert.ErrorIs(t, err, errs.PermissionDenied, name)
		}
		_, err = w.svc.GenerateJITConfig(ctx, nil, w.acme, req(0))
		assert.ErrorIs(t, err, errs.Unauthenticated, "no caller is nobody, not the server")
		assert.Equal(t, before, countRunners(t, ctx), "nothing made for a refused caller")

		cfg, err = w.svc.GenerateJITConfig(ctx, w.owner, w.acme, req(theirs.ID))
		require.NoError(t, err, "the org's owner may use any group of it")
		assert.Equal(t, theirs.ID, cfg.Runner.RunnerGroupID)
	})
}

func TestJITConfig_BadInputRefusedAndNothingMade(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		w := newJITGroupWorld(t, ctx)
		otherGroup := w.group(t, w.other, "elsewhere", actions_model.GroupVisibilityAll)
		long := make([]string, options.Default().Actions.MaxLabels+1)
		for i := range long {
			long[i] = "l"
		}
		repo := identity.RepoScope(w.repos["app"])
		for name, c := range map[string]struct {
			sc  identity.Scope
			req actions_service.JITConfigRequest
		}{
			"no name":                  {w.acme, actions_service.JITConfigRequest{Labels: []string{"linux"}}},
			"blank name":               {w.acme, actions_service.JITConfigRequest{Name: "  ", Labels: []string{"linux"}}},
			"NUL in name":              {w.acme, actions_service.JITConfigRequest{Name: "a\x00b", Labels: []string{"linux"}}},
			"no labels":                {w.acme, actions_service.JITConfigRequest{Name: "n"}},
			"empty label":              {w.acme, actions_service.JITConfigRequest{Name: "n", Labels: []string{":docker://x"}}},
			"too many labels":          {w.acme, actions_service.JITConfigRequest{Name: "n", Labels: long}},
			"negative group":           {w.acme, actions_service.JITConfigRequest{Name: "n", Labels: []string{"linux"}, RunnerGroupID: -1}},
			"missing group":            {w.acme, actions_service.JITConfigRequest{Name: "n", Labels: []string{"linux"}, RunnerGroupID: 1 << 40}},
			"another org's group":      {w.acme, actions_service.JITConfigRequest{Name: "n", Labels: []string{"linux"}, RunnerGroupID: otherGroup.ID}},
			"group for a repository":   {repo, actions_service.JITConfigRequest{Name: "n", Labels: []string{"linux"}, RunnerGroupID: otherGroup.ID}},
			"work folder not text":     {w.acme, actions_service.JITConfigRequest{Name: "n", Labels: []string{"linux"}, WorkFolder: "\xff"}},
			"work folder far too long": {w.acme, actions_service.JITConfigRequest{Name: "n", Labels: []string{"linux"}, WorkFolder: string(make([]byte, 300))}},
		} {
			before := countRunners(t, ctx)
			_, err := w.svc.GenerateJITConfig(ctx, w.owner, c.sc, c.req)
			assert.ErrorIs(t, err, errs.InvalidArgument, name)
			assert.Equal(t, before, countRunners(t, ctx), "%s: nothing made", name)
		}

		cfg, err := w.svc.GenerateJITConfig(ctx, w.owner, repo, actions_service.JITConfigRequest{Name: "repo-jit", Labels: []string{"linux"}, WorkFolder: "_work"})
		require.NoError(t, err)
		assert.Nil(t, cfg.Group, "a repository's runner is in no group")
		assert.Equal(t, w.repos["app"].ID, cfg.Runner.RepoID)
	})
}

func countRunners(t *testing.T, ctx context.Context) int64 {
	t.Helper()
	n, err := db.GetEngine(ctx).Where("deleted = 0").Count(new(actions_model.Runner))
	require.NoError(t, err)
	return n
}

func TestJITConfig_RefusedWithoutRootURL(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		w := newGroupWorld(t, ctx) // its service has no ROOT_URL
		_, err := w.svc.GenerateJITConfig(ctx, w.owner, w.acme, actions_service.JITConfigRequest{Name: "n", Labels: []string{"linux"}})
		assert.ErrorIs(t, err, errs.FailedPrecondition)
		assert.ErrorContains(t, err, "ROOT_URL")
		assert.Zero(t, countRunners(t, ctx), "nothing made")
	})
}

// A JIT runner's first contact is its claim (act_runner declares first,
// but nothing obliges a runner to): the maintenance loop must not take its
// task for a silent runner's in the seconds before the contact is written.
func TestJITConfig_FirstContactIsWrittenAtOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newJITFleet(t, ctx)
		other := f.register("other", false)
		_, jit := f.jitRunner("jit")
		f.advance(time.Minute)
		_, err := f.svc.FetchTask(ctx, other.Runner, 0) // a contact written now: the next one waits for the batch
		require.NoError(t, err)
		f.queue(actions_service.JobInput{JobID: "build"})
		task := f.take(jit) // within the contact batch's interval

		assert.Empty(t, f.maintain(), "the task's runner is in touch")
		assert.Equal(t, actions_model.StatusRunning, f.task(task.ID).Status)
	})
}

func TestJITConfig_UnusedSweepTakenOnceByConcurrentProcesses(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newJITFleet(t, ctx)
		const n = 4
		for range n {
			f.jitRunner("unused")
		}
		f.advance(11 * time.Minute)
		procs := []*actions_service.Service{f.svc, f.newProcess(), f.newProcess()}
		total := make(chan int, len(procs))
		var wg sync.WaitGroup
		for _, p := range procs {
			wg.Go(func() {
				rep, err := p.RunMaintenance(ctx)
				assert.NoError(t, err)
				total <- rep[actions_service.MaintenanceUnusedJITRemoved]
			})
		}
		wg.Wait()
		close(total)
		sum := 0
		for v := range total {
			sum += v
		}
		assert.Equal(t, n, sum, "each runner removed by exactly one process")
		assert.Zero(t, countRunners(t, ctx))
	})
}
