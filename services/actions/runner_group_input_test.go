package actions_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// groupTables reads everything a change to groups could touch, to show that
// a refused change touched none of it.
func groupTables(t *testing.T, ctx context.Context) string {
	t.Helper()
	var out string
	for _, q := range []string{
		"SELECT id, owner_id, name, visibility, is_default, version FROM action_runner_group ORDER BY id",
		"SELECT group_id, owner_id, repo_id FROM action_runner_group_target ORDER BY id",
		"SELECT group_id, user_id FROM action_runner_group_manager ORDER BY id",
		"SELECT id, runner_group_id, deleted FROM action_runner ORDER BY id",
		"SELECT id, deleted FROM action_runner_token ORDER BY id",
		"SELECT owner_id, repo_id, version, groups_version FROM action_tasks_version ORDER BY owner_id, repo_id",
		"SELECT COUNT(*) AS n FROM action_audit",
	} {
		rows, err := db.GetEngine(ctx).QueryString(q)
		require.NoError(t, err)
		out += fmt.Sprintf("%s\\n%v\\n", q, rows)
	}
	return out
}

// TestRunnerGroups_BadInputIsRefusedAndChangesNothing: each bad request gets
// its own clear error kind (422 or 404 over REST) and leaves every table
// as it was.
func TestRunnerGroups_BadInputIsRefusedAndChangesNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		w := newGroupWorld(t, ctx)
		svc := w.svc
		g := w.group(t, w.acme, "builders", "selected", "app")
		require.NoError(t, svc.AddRunnerGroupRepo(ctx, w.acme, g.ID, w.repos["app"].ID))
		gs, _, err := svc.ListRunnerGroups(ctx, w.acme, nil, 1, 30)
		require.NoError(t, err)
		def := gs[0]
		orgRunner := w.register(t, w.acme, 0)
		repoRunner := w.register(t, identity.RepoScope(w.repos["app"]), 0)
		otherRunner := w.register(t, w.other, 0)
		instName := "fleet"
		inst, err := svc.CreateRunnerGroup(ctx, identity.InstanceScope, actions_service.RunnerGroupInput{Name: &instName})
		require.NoError(t, err)
		_, err = svc.AddRunnerGroupManager(ctx, w.acme, g.ID, "alice")
		require.NoError(t, err)

		str := func(s string) *string { return &s }
		ids := func(v ...int64) *[]int64 { return &v }
		many := make([]int64, 1001)
		for i := range many {
			many[i] = w.repos["app"].ID
		}
		userScope := identity.OwnerScope(&identity.Owner{ID: w.alice.ID, Name: "alice"})
		cases := []struct {
			name string
			kind error
			call func() error
		}{
			{"duplicate name, other case", errs.InvalidArgument, func() error {
				_, err := svc.CreateRunnerGroup(ctx, w.acme, actions_service.RunnerGroupInput{Name: str("BUILDERS")})
				return err
			}},
			{"a second Default", errs.InvalidArgument, func() error {
				_, err := svc.CreateRunnerGroup(ctx, w.acme, actions_service.RunnerGroupInput{Name: str("default")})
				return err
			}},
			{"no name", errs.InvalidArgument, func() error {
				_, err := svc.CreateRunnerGroup(ctx, w.acme, actions_service.RunnerGroupInput{Name: str("  ")})
				return err
			}},
			{"control characters in the name", errs.InvalidArgument, func() error {
				_, err := svc.CreateRunnerGroup(ctx, w.acme, actions_service.RunnerGroupInput{Name: str("a\x1bb")})
				return err
			}},
			{"unknown visibility", errs.InvalidArgument, func() error {
				_, err := svc.CreateRunnerGroup(ctx, w.acme, actions_service.RunnerGroupInput{Name: str("n"), Visibility: str("private")})
				return err
			}},
			{"create with a repository of another org", errs.NotFound, func() error {
				_, err := svc.CreateRunnerGroup(ctx, w.acme, actions_service.RunnerGroupInput{Name: str("n"), RepoIDs: ids(w.repos["x"].ID)})
				return err
			}},
			{"create with a repository that does not exist", errs.NotFound, func() error {
				_, err := svc.CreateRunnerGroup(ctx, w.acme, actions_service.RunnerGroupInput{Name: str("n"), RepoIDs: ids(999999)})
				return err
			}},
			{"create with a repository runner", errs.InvalidArgument, func() error {
				_, err := svc.CreateRunnerGroup(ctx, w.acme, actions_service.RunnerGroupInput{Name: str("n"), RunnerIDs: ids(orgRunner.ID, repoRunner.ID)})
				return err
			}},
			{"create with another org's runner", errs.NotFound, func() error {
				_, err := svc.CreateRunnerGroup(ctx, w.acme, actions_service.RunnerGroupInput{Name: str("n"), RunnerIDs: ids(otherRunner.ID)})
				return err
			}},
			{"organizations for an org group", errs.InvalidArgument, func() error {
				_, err := svc.CreateRunnerGroup(ctx, w.acme, actions_service.RunnerGroupInput{Name: str("n"), OrgIDs: ids(w.other.OwnerID())})
				return err
			}},
			{"more than a call may name", errs.InvalidArgument, func() error { return svc.SetRunnerGroupRepos(ctx, w.acme, g.ID, many) }},
			{"delete the default group", errs.InvalidArgument, func() error { return svc.DeleteRunnerGroup(ctx, w.acme, def.ID) }},
			{"rename to a taken name", errs.InvalidArgument, func() error {
				_, err := svc.UpdateRunnerGroup(ctx, w.acme, g.ID, actions_service.RunnerGroupInput{Name: str("Default")})
				return err
			}},
			{"rename the default group", errs.InvalidArgument, func() error {
				_, err := svc.UpdateRunnerGroup(ctx, w.acme, def.ID, actions_service.RunnerGroupInput{Name: str("main")})
				return err
			}},
			{"limit the default group", errs.InvalidArgument, func() error {
				_, err := svc.UpdateRunnerGroup(ctx, w.acme, def.ID, actions_service.RunnerGroupInput{Visibility: str("selected")})
				return err
			}},
			{"repositories for the default group", errs.InvalidArgument, func() error {
				return svc.AddRunnerGroupRepo(ctx, w.acme, def.ID, w.repos["lib"].ID)
			}},
			{"add a repository of another org", errs.NotFound, func() error { return svc.AddRunnerGroupRepo(ctx, w.acme, g.ID, w.repos["x"].ID) }},
			{"a set with one repository of another org", errs.NotFound, func() error {
				return svc.SetRunnerGroupRepos(ctx, w.acme, g.ID, []int64{w.repos["lib"].ID, w.repos["x"].ID})
			}},
			{"a negative repository id", errs.InvalidArgument, func() error { return svc.AddRunnerGroupRepo(ctx, w.acme, g.ID, -1) }},
			{"remove a repository not selected", errs.NotFound, func() error { return svc.RemoveRunnerGroupRepo(ctx, w.acme, g.ID, w.repos["lib"].ID) }},
			{"move a repository runner into an org group", errs.InvalidArgument, func() error { return svc.AddRunnerToGroup(ctx, w.acme, g.ID, repoRunner.ID) }},
			{"move another org's runner in", errs.NotFound, func() error { return svc.AddRunnerToGroup(ctx, w.acme, g.ID, otherRunner.ID) }},
			{"move an org runner into an instance group", errs.InvalidArgument, func() error {
				return svc.AddRunnerToGroup(ctx, identity.InstanceScope, inst.ID, orgRunner.ID)
			}},
			{"a runner set with a runner of another scope", errs.NotFound, func() error {
				return svc.SetRunnerGroupRunners(ctx, w.acme, g.ID, []int64{orgRunner.ID, otherRunner.ID})
			}},
			{"take a runner out of a group it is not in", errs.NotFound, func() error { return svc.RemoveRunnerFromGroup(ctx, w.acme, g.ID, orgRunner.ID) }},
			{"take a runner out of the default group", errs.InvalidArgument, func() error { return svc.RemoveRunnerFromGroup(ctx, w.acme, def.ID, orgRunner.ID) }},
			{"an organization as manager", errs.InvalidArgument, func() error {
				_, err := svc.AddRunnerGroupManager(ctx, w.acme, g.ID, "other")
				return err
			}},
			{"a manager who does not exist", errs.NotFound, func() error {
				_, err := svc.AddRunnerGroupManager(ctx, w.acme, g.ID, "nobody")
				return err
			}},
			{"remove someone who is no manager", errs.NotFound, func() error { return svc.RemoveRunnerGroupManager(ctx, w.acme, g.ID, "owner") }},
			{"a group of another org", errs.NotFound, func() error {
				_, err := svc.GroupRegistrationToken(ctx, w.other, g.ID)
				return err
			}},
			{"delete a group of another org", errs.NotFound, func() error { return svc.DeleteRunnerGroup(ctx, w.other, g.ID) }},
			{"the instance's group through an org", errs.NotFound, func() error { return svc.AddRunnerGroupRepo(ctx, w.acme, inst.ID, w.repos["app"].ID) }},
			{"groups of a repository", errs.InvalidArgument, func() error {
				_, _, err := svc.ListRunnerGroups(ctx, identity.RepoScope(w.repos["app"]), nil, 1, 30)
				return err
			}},
			{"groups of a user", errs.InvalidArgument, func() error {
				_, err := svc.CreateRunnerGroup(ctx, userScope, actions_service.RunnerGroupInput{Name: str("mine")})
				return err
			}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := groupTables(t, ctx)
				err := tc.call()
				require.Error(t, err)
				assert.True(t, errors.Is(err, tc.kind), "want %v, got %v", tc.kind, err)
				assert.Equal(t, before, groupTables(t, ctx), "nothing changed")
			})
		}
	})
}

// TestRunnerGroups_EveryChangeIsAudited: who, what and from where, in the
// group's scope.
func TestRunnerGroups_EveryChangeIsAudited(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		w := newGroupWorld(t, ctx)
		actx := actions_service.WithActor(ctx, actions_service.Actor{UserID: w.owner.ID, Name: "owner", RemoteAddr: "192.0.2.7:5555"})
		r := w.register(t, w.acme, 0)
		name, selected := "builders", actions_model.GroupVisibilitySelected
		g, err := w.svc.CreateRunnerGroup(actx, w.acme, actions_service.RunnerGroupInput{Name: &name})
		require.NoError(t, err)
		_, err = w.svc.UpdateRunnerGroup(actx, w.acme, g.ID, actions_service.RunnerGroupInput{Visibility: &selected})
		require.NoError(t, err)
		require.NoError(t, w.svc.AddRunnerGroupRepo(actx, w.acme, g.ID, w.repos["app"].ID))
		require.NoError(t, w.svc.RemoveRunnerGroupRepo(actx, w.acme, g.ID, w.repos["app"].ID))
		require.NoError(t, w.svc.SetRunnerGroupRepos(actx, w.acme, g.ID, []int64{w.repos["lib"].ID}))
		require.NoError(t, w.svc.AddRunnerToGroup(actx, w.acme, g.ID, r.ID))
		require.NoError(t, w.svc.RemoveRunnerFromGroup(actx, w.acme, g.ID, r.ID))
		require.NoError(t, w.svc.SetRunnerGroupRunners(actx, w.acme, g.ID, []int64{r.ID}))
		_, err = w.svc.AddRunnerGroupManager(actx, w.acme, g.ID, "alice")
		require.NoError(t, err)
		require.NoError(t, w.svc.RemoveRunnerGroupManager(actx, w.acme, g.ID, "alice"))
		_, err = w.svc.GroupRegistrationToken(actx, w.acme, g.ID)
		require.NoError(t, err)
		_, err = w.svc.ResetGroupRegistrationToken(actx, w.acme, g.ID)
		require.NoError(t, err)
		require.NoError(t, w.svc.DeleteRunnerGroup(actx, w.acme, g.ID))

		es, _, err := w.svc.ListAuditEvents(ctx, w.acme, 1, 100)
		require.NoError(t, err)
		var got []string
		for i := len(es) - 1; i >= 0; i-- {
			e := es[i]
			if e.ActorID != w.owner.ID {
				continue
			}
			assert.Equal(t, "owner", e.Actor)
			assert.Equal(t, "192.0.2.7", e.RemoteAddr)
			got = append(got, e.Action)
		}
		assert.Equal(t, []string{
			actions_service.AuditGroupCreated, actions_service.AuditGroupUpdated,
			actions_service.AuditGroupTargetAdded, actions_service.AuditGroupTargetRemoved, actions_service.AuditGroupTargetsSet,
			actions_service.AuditGroupRunnerAdded, actions_service.AuditGroupRunnerRemoved, actions_service.AuditGroupRunnersSet,
			actions_service.AuditGroupManagerAdded, actions_service.AuditGroupManagerRemoved,
			actions_service.AuditTokenCreated, actions_service.AuditTokenReset, actions_service.AuditGroupDeleted,
		}, got)
	})
}
