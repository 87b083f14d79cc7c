package workflow_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/migrations"
	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	workflow_service "code.runnerhub.dev/runnerhub/services/workflow"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

const (
	benchRepos       = 5
	benchRunsPerRepo = 20000
)

// fillRuns writes benchRunsPerRepo runs into each of benchRepos
// repositories, straight into the table: statuses, events, branches, actors
// and creation days cycle, so that each filter keeps a fraction of them.
func fillRuns(b *testing.B, ctx context.Context) {
	b.Helper()
	statuses := []actions_model.Status{actions_model.StatusSuccess, actions_model.StatusFailure, actions_model.StatusWaiting, actions_model.StatusRunning, actions_model.StatusCancelled}
	events := []string{"push", "pull_request", "workflow_dispatch"}
	refs := []string{"refs/heads/main", "refs/heads/dev", "refs/heads/feature"}
	const batch = 1000
	for repo := int64(1); repo <= benchRepos; repo++ {
		for start := 0; start < benchRunsPerRepo; start += batch {
			runs := make([]*actions_model.Run, 0, batch)
			for i := start; i < start+batch; i++ {
				runs = append(runs, &actions_model.Run{
					OwnerID: 1, RepoID: repo, Number: int64(i + 1), WorkflowID: "ci.yml", Title: "CI",
					Ref: refs[i%len(refs)], CommitSHA: fmt.Sprintf("%040x", i), Event: events[i%len(events)],
					TriggerUserID: int64(1 + i%7), Status: statuses[i%len(statuses)], Attempt: 1,
					Created: 1700000000 + int64(i)*60,
				})
			}
			_, err := db.Engine(ctx).NoAutoTime().Insert(&runs)
			require.NoError(b, err)
		}
	}
}

// BenchmarkListRuns_Filtered is GitHub's run list as KEDA and the run
// pages ask for it: one repository of 20,000 runs in a table of 100,000,
// filtered by status, event, branch, actor and a creation range, the third
// page of 100 with its total count. Every filter is in the query.
func BenchmarkListRuns_Filtered(b *testing.B) {
	for _, be := range dbtest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			x := be.NewEngine(b)
			ctx := db.WithEngine(context.Background(), x)
			require.NoError(b, migrations.Migrate(ctx, x, migrations.Standalone))
			fillRuns(b, ctx)
			svc := workflow_service.New(nil)
			from, before := int64(1700000000), int64(1700000000+benchRunsPerRepo*60)
			for _, bc := range []struct {
				name string
				f    workflow_service.RunFilter
			}{
				{"status", workflow_service.RunFilter{Statuses: []actions_model.Status{actions_model.StatusWaiting}}},
				{"all-filters", workflow_service.RunFilter{
					Statuses: []actions_model.Status{actions_model.StatusWaiting, actions_model.StatusRunning},
					Events:   []string{"push", "pull_request"}, Branches: []string{"main", "dev"}, ActorIDs: []int64{1, 2, 3, 4},
					CreatedFrom: &from, CreatedBefore: &before,
				}},
			} {
				b.Run(bc.name, func(b *testing.B) {
					f := bc.f
					f.Page, f.PageSize = 3, 100
					runs, total, err := svc.ListRuns(ctx, 3, f)
					require.NoError(b, err)
					require.Len(b, runs, 100)
					require.Greater(b, total, int64(300))
					b.ResetTimer()
					for b.Loop() {
						if _, _, err := svc.ListRuns(ctx, 3, f); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
