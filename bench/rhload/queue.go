package rhload

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"fmt"
	"strconv"

	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

// Queue creates runs in one repository of the target's database.
type Queue struct {
	t               *Target
	ownerID, repoID int64
}

// newQueue makes an owner and a repository for this run's jobs.
func newQueue(t *Target) (*Queue, error) {
	u := &user_model.User{Name: "bench-" + randomHex(4)}
	if err := user_model.CreateUser(t.Ctx, u); err != nil {
		return nil, err
	}
	r := &repo_model.Repository{OwnerID: u.ID, Name: "load"}
	if err := repo_model.CreateRepository(t.Ctx, r); err != nil {
		return nil, err
	}
	return &Queue{t: t, ownerID: u.ID, repoID: r.ID}, nil
}

// registrationToken returns the reusable registration token of the queue's
// owner ("owner") or repository ("repo").
func (q *Queue) registrationToken(scope string) (string, error) {
	switch scope {
	case "owner":
		return q.t.Actions.DefaultRegistrationToken(q.t.Ctx, identity.ScopeOf(q.ownerID, 0))
	case "repo":
		return q.t.Actions.DefaultRegistrationToken(q.t.Ctx, identity.ScopeOf(q.ownerID, q.repoID))
	}
	return "", fmt.Errorf("-scope %q: want instance, owner or repo", scope)
}

// jobsPerRun is how many jobs one CreateRun call (one transaction) queues.
const jobsPerRun = 100

// Add queues n jobs; job i runs on the labels labelsOf(i) returns.
func (q *Queue) Add(ctx context.Context, n int, labelsOf func(i int) []string) error {
	for start := 0; start < n; start += jobsPerRun {
		if _, err := q.createRun(start, min(start+jobsPerRun, n), labelsOf); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// AddOne queues one job in a run of its own and returns the run's id.
func (q *Queue) AddOne(labels []string) (int64, error) {
	return q.createRun(0, 1, func(int) []string { return labels })
}

// createRun queues jobs first to end-1 in one run.
func (q *Queue) createRun(first, end int, labelsOf func(i int) []string) (int64, error) {
	in := actions_service.RunInput{
		OwnerID: q.ownerID, RepoID: q.repoID, Title: "load", WorkflowID: "load.yml",
		Ref: "refs/heads/main", CommitSHA: "0123456789abcdef0123456789abcdef01234567", Event: "push",
	}
	for i := first; i < end; i++ {
		id := "job" + strconv.Itoa(i)
		in.Jobs = append(in.Jobs, actions_service.JobInput{
			JobID: id, Name: id, RunsOn: labelsOf(i),
			WorkflowPayload: []byte("on: push\njobs:\n  " + id + ":\n    runs-on: linux\n    steps:\n      - run: echo hi\n"),
		})
	}
	run, _, err := q.t.Actions.CreateRun(q.t.Ctx, in)
	if err != nil {
		return 0, err
	}
	return run.ID, nil
}

// inSets spreads jobs over the first sets label sets, as runners are spread by labelsOf.
func inSets(sets int) func(int) []string {
	return func(i int) []string { return labelsOf(i, sets) }
}

// unmatched labels no runner of the bench has.
func unmatched(int) []string { return []string{"no-runner-has-this"} }
