package rhload

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// reposPerGroup is how many repositories each runner group of -scope group selects.
const reposPerGroup = 2

// runAssignGroups is the assign scenario with -scope group: an organization
// with -groups selected runner groups of reposPerGroup repositories each;
// the runners are in group 0 (registered with its token). The short queue's
// jobs are in group 0's first repository; the long queue adds jobs spread
// over every group's repositories, so the runners must find theirs among
// the other groups' jobs. Each assignment is timed as in runAssign.
func runAssignGroups(ctx context.Context, cfg *Config, t *Target, out io.Writer) error {
	if cfg.Groups < 1 {
		return fmt.Errorf("-groups %d: want at least 1", cfg.Groups)
	}
	c := newClient(newHTTPClient(4), t.URL)
	t.Actions.SetIdentity(identity.NewStandalone())
	queues, token, err := groupsOrg(t, cfg.Groups)
	if err != nil {
		return err
	}
	runners, err := register(ctx, c, token, cfg.LabelSets, cfg.LabelSets, 4)
	if err != nil {
		return err
	}
	own := queues[0] // group 0's first repository
	used := min(cfg.Small, cfg.LabelSets)
	fmt.Fprintf(out, "assignment: %d label sets, runners of 1 of %d selected runner groups (%d repositories each), %d assignments per queue length, server: %s\n",
		cfg.LabelSets, cfg.Groups, reposPerGroup, cfg.Jobs, t.Where)
	var p50 []time.Duration
	if err := own.Add(ctx, cfg.Small, inSets(cfg.LabelSets)); err != nil {
		return err
	}
	for _, size := range []int{cfg.Small, cfg.Large} {
		start := time.Now()
		if size > cfg.Small {
			extra := size - cfg.Small
			for i, q := range queues {
				n := extra / len(queues)
				if i < extra%len(queues) {
					n++
				}
				offset := cfg.Small + i
				if err := q.Add(ctx, n, func(j int) []string { return labelsOf(offset+j*len(queues), cfg.LabelSets) }); err != nil {
					return err
				}
			}
		}
		fmt.Fprintf(out, "queued %d waiting jobs in %s\n", size, time.Since(start).Round(time.Millisecond))
		rec := NewRecorder()
		for i := range cfg.Jobs {
			if err := assignOnce(ctx, c, own, runners[i%used], rec); err != nil {
				return err
			}
		}
		rec.Print(out, fmt.Sprintf("wait=%d", size), 0)
		p50 = append(p50, rec.Stats("FetchTask", 0).P50)
	}
	fmt.Fprintf(out, "p50 with %d waiting / p50 with %d waiting: %.2fx\n", cfg.Large, cfg.Small, float64(p50[1])/float64(p50[0]))
	return nil
}

// groupsOrg makes an organization with n selected runner groups and a queue
// in each of their repositories (group g's are queues g, g+n, ...), and
// returns group 0's registration token.
func groupsOrg(t *Target, n int) ([]*Queue, string, error) {
	org := &user_model.User{Name: "bench-org-" + randomHex(4), IsOrg: true}
	if err := user_model.CreateUser(t.Ctx, org); err != nil {
		return nil, "", err
	}
	queues := make([]*Queue, n*reposPerGroup)
	for i := range queues {
		r := &repo_model.Repository{OwnerID: org.ID, Name: "repo-" + strconv.Itoa(i)}
		if err := repo_model.CreateRepository(t.Ctx, r); err != nil {
			return nil, "", err
		}
		queues[i] = &Queue{t: t, ownerID: org.ID, repoID: r.ID}
	}
	sc := identity.OwnerScope(&identity.Owner{ID: org.ID, Name: org.Name, IsOrg: true})
	var first int64
	for g := range n {
		ids := make([]int64, 0, reposPerGroup)
		for k := range reposPerGroup {
			ids = append(ids, queues[g+k*n].repoID)
		}
		name, selected := "group-"+strconv.Itoa(g), actions_model.GroupVisibilitySelected
		grp, err := t.Actions.CreateRunnerGroup(t.Ctx, sc, actions_service.RunnerGroupInput{Name: &name, Visibility: &selected, RepoIDs: &ids})
		if err != nil {
			return nil, "", err
		}
		if g == 0 {
			first = grp.ID
		}
	}
	token, err := t.Actions.GroupRegistrationToken(t.Ctx, sc, first)
	return queues, token, err
}
