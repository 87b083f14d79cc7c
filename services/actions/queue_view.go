package actions

import (
	"cmp"
	"context"
	"slices"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// Why a queue group's jobs wait, from the runners' side: the values of
// QueueGroup.Reason.
const (
	QueueReady       = "ready"       // an online, idle runner can take them: they start at its next poll
	QueueBusy        = "busy"        // every online runner that can take them is busy
	QueueUnavailable = "unavailable" // the runners that match are offline, disabled or used up
	QueueNoMatch     = "no_match"    // no runner that may serve them has all their labels
)

// closestShown is how many near-matching runners a group names.
const closestShown = 3

// RunnerFit is how close one runner comes to taking a group's jobs.
type RunnerFit struct {
	Runner  *actions_model.Runner
	Missing []string // the group's labels the runner lacks
	Online  bool
	Busy    bool
	Used    bool // ephemeral, and it took its one job
}

// Matches reports whether the runner has every label of the group.
func (f RunnerFit) Matches() bool { return len(f.Missing) == 0 }

// Available reports whether the runner could take a job were it idle:
// online, enabled and not used up.
func (f RunnerFit) Available() bool { return f.Online && !f.Runner.Disabled && !f.Used }

// QueueRepo is how many jobs of a group wait in one repository.
type QueueRepo struct {
	OwnerID, RepoID int64
	Count           int64
	Oldest          int64 // unix time the oldest of them was queued
}

// QueueGroup is the waiting jobs of one runs-on set, and the runners that
// could take them.
type QueueGroup struct {
	Labels   []string
	LabelKey string
	Count    int64
	Oldest   int64 // unix time the oldest job was queued
	Repos    []QueueRepo
	Jobs     []*actions_model.RunJob // the oldest few
	// Idle, Busy and Unavailable count the runners with every label that
	// may serve one of the group's repositories: online and idle; online
	// and busy; offline, disabled or used up.
	Idle, Busy, Unavailable int
	Reason                  string      // one of the Queue* values
	Closest                 []RunnerFit // with no online runner matching: the runners nearest to it, nearest first
}

// QueueView is a scope's queue.
type QueueView struct {
	Groups  []*QueueGroup // longest waiting first
	Count   int64         // jobs waiting
	Runners int           // runners that may serve the scope
}

// Queue shows the scope's waiting jobs grouped by runs-on set, each group
// with its oldest jobsPerGroup jobs and why they wait.
func (s *Service) Queue(ctx context.Context, sc identity.Scope, jobsPerGroup int) (*QueueView, error) {
	counts, err := actions_model.CountWaitingJobsInScope(ctx, sc.OwnerID(), sc.RepoID())
	if err != nil {
		return nil, err
	}
	byKey := map[string]*QueueGroup{}
	view := &QueueView{}
	for _, c := range counts {
		g := byKey[c.LabelKey]
		if g == nil {
			g = &QueueGroup{Labels: c.Labels, LabelKey: c.LabelKey, Oldest: c.Oldest}
			byKey[c.LabelKey] = g
			view.Groups = append(view.Groups, g)
		}
		g.Count += c.Count
		g.Oldest = min(g.Oldest, c.Oldest)
		g.Repos = append(g.Repos, QueueRepo{OwnerID: c.OwnerID, RepoID: c.RepoID, Count: c.Count, Oldest: c.Oldest})
		view.Count += c.Count
	}
	runners, busy, err := s.servingRunners(ctx, sc.OwnerID(), sc.RepoID())
	if err != nil {
		return nil, err
	}
	view.Runners = len(runners)
	for _, g := range view.Groups {
		slices.SortFunc(g.Repos, func(a, b QueueRepo) int { return cmp.Compare(a.Oldest, b.Oldest) })
		s.fitGroup(g, runners, busy)
		if g.Jobs, _, err = actions_model.FindJobs(ctx, actions_model.FindJobsOptions{
			OwnerID: sc.OwnerID(), RepoID: sc.RepoID(), Statuses: []actions_model.Status{actions_model.StatusWaiting},
			LabelKeys: []string{g.LabelKey}, Page: 1, PageSize: jobsPerGroup,
		}); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(view.Groups, func(a, b *QueueGroup) int { return cmp.Compare(a.Oldest, b.Oldest) })
	return view, nil
}

// JobWait says why a waiting job waits: its group, as it stands for the
// job's repository, and how many jobs of its runs-on set anywhere were
// queued before it.
type JobWait struct {
	*QueueGroup
	Ahead int64
}

// DiagnoseJob tells why a job waits for a runner; nil for a job that is
// not waiting.
func (s *Service) DiagnoseJob(ctx context.Context, job *actions_model.RunJob) (*JobWait, error) {
	if job.Status != actions_model.StatusWaiting {
		return nil, nil
	}
	runners, busy, err := s.servingRunners(ctx, job.OwnerID, job.RepoID)
	if err != nil {
		return nil, err
	}
	g := &QueueGroup{
		Labels: job.RunsOnList(), LabelKey: job.LabelKey, Count: 1, Oldest: job.Queued,
		Repos: []QueueRepo{{OwnerID: job.OwnerID, RepoID: job.RepoID, Count: 1, Oldest: job.Queued}},
	}
	s.fitGroup(g, runners, busy)
	ahead, err := db.GetEngine(ctx).Where("status = ? AND label_key = ? AND id < ?", actions_model.StatusWaiting, job.LabelKey, job.ID).
		Count(new(actions_model.RunJob))
	if err != nil {
		return nil, db.Wrap(err)
	}
	return &JobWait{QueueGroup: g, Ahead: ahead}, nil
}

// servingRunners loads the runners that may serve the scope, and which of
// them run a task.
func (s *Service) servingRunners(ctx context.Context, ownerID, repoID int64) ([]*actions_model.Runner, map[int64]*actions_model.Task, error) {
	runners, err := actions_model.FindRunnersServingScope(ctx, ownerID, repoID)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(runners))
	for i, r := range runners {
		ids[i] = r.ID
	}
	busy, err := actions_model.FindRunningTasksOfRunners(ctx, ids)
	return runners, busy, err
}

// fitGroup counts the runners that could take the group's jobs and, when
// no online one can, finds the nearest.
func (s *Service) fitGroup(g *QueueGroup, runners []*actions_model.Runner, busy map[int64]*actions_model.Task) {
	now := s.now()
	var fits []RunnerFit
	for _, r := range runners {
		if !slices.ContainsFunc(g.Repos, func(q QueueRepo) bool { return r.Serves(q.OwnerID, q.RepoID) }) {
			continue
		}
		names := r.LabelNames()
		f := RunnerFit{
			Runner: r, Online: r.IsOnline(now, s.opts.RunnerOfflineAfter), Busy: busy[r.ID] != nil,
			Used: r.Ephemeral && r.TaskCount > 0 && busy[r.ID] == nil,
		}
		for _, l := range g.Labels {
			if !slices.Contains(names, l) {
				f.Missing = append(f.Missing, l)
			}
		}
		fits = append(fits, f)
		switch {
		case !f.Matches():
		case !f.Available():
			g.Unavailable++
		case f.Busy:
			g.Busy++
		default:
			g.Idle++
		}
	}
	switch {
	case g.Idle > 0:
		g.Reason = QueueReady
	case g.Busy > 0:
		g.Reason = QueueBusy
	case g.Unavailable > 0:
		g.Reason = QueueUnavailable
	default:
		g.Reason = QueueNoMatch
	}
	if g.Idle+g.Busy > 0 {
		return
	}
	// Nearest first: fewest labels missing, then online before offline,
	// enabled before disabled, idle before busy.
	slices.SortStableFunc(fits, func(a, b RunnerFit) int {
		return cmp.Or(
			cmp.Compare(len(a.Missing), len(b.Missing)),
			cmp.Compare(rank(!a.Online), rank(!b.Online)),
			cmp.Compare(rank(a.Runner.Disabled || a.Used), rank(b.Runner.Disabled || b.Used)),
			cmp.Compare(rank(a.Busy), rank(b.Busy)),
		)
	})
	g.Closest = fits[:min(len(fits), closestShown)]
}

func rank(b bool) int {
	if b {
		return 1
	}
	return 0
}
