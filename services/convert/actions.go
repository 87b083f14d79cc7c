package convert

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/services/workflow"
)

// Converter builds the JSON views; it reads through ctx, so inside a
// transaction it sees that transaction's changes.
type Converter struct {
	rootURL string // ends with "/"
	ids     identity.Provider
}

// New builds a converter for links under rootURL.
func New(rootURL string, ids identity.Provider) *Converter {
	if !strings.HasSuffix(rootURL, "/") {
		rootURL += "/"
	}
	return &Converter{rootURL: rootURL, ids: ids}
}

// RunStatus is GitHub's status and conclusion of a run or job status.
func RunStatus(s actions_model.Status) (string, *string) {
	switch s {
	case actions_model.StatusWaiting:
		return "queued", nil
	case actions_model.StatusBlocked:
		return "waiting", nil
	case actions_model.StatusRunning:
		return "in_progress", nil
	}
	if s.IsDone() {
		c := s.String()
		return "completed", &c
	}
	return "queued", nil
}

// Repository returns the repository's view. A repository the identity
// provider no longer knows keeps its id, so events about it still go out.
func (c *Converter) Repository(ctx context.Context, repoID int64) (*Repository, error) {
	r, err := c.ids.GetRepoByID(ctx, repoID)
	if errors.Is(err, errs.NotFound) {
		return &Repository{ID: repoID, Owner: &User{}}, nil
	}
	if err != nil {
		return nil, err
	}
	full := r.FullName()
	return &Repository{
		ID: r.ID, Name: r.Name, FullName: full, Owner: c.owner(r.Owner),
		HTMLURL: c.rootURL + full, URL: c.rootURL + "api/v1/repos/" + full,
	}, nil
}

func (c *Converter) owner(o *identity.Owner) *User {
	typ := "User"
	if o.IsOrg {
		typ = "Organization"
	}
	return &User{ID: o.ID, Login: o.Name, UserName: o.Name, Type: typ, HTMLURL: c.rootURL + o.Name}
}

// Actor is who started a run: its trigger user, else the repository's owner.
func (c *Converter) Actor(ctx context.Context, run *actions_model.Run, repo *Repository) (*User, error) {
	if run.TriggerUserID != 0 {
		u, err := c.ids.GetUserByID(ctx, run.TriggerUserID)
		if err == nil {
			return &User{ID: u.ID, Login: u.Name, UserName: u.Name, Type: "User", HTMLURL: c.rootURL + u.Name}, nil
		}
		if !errors.Is(err, errs.NotFound) {
			return nil, err
		}
	}
	return repo.Owner, nil
}

// WorkflowRun returns the run's view.
func (c *Converter) WorkflowRun(ctx context.Context, run *actions_model.Run) (*WorkflowRun, error) {
	repo, err := c.Repository(ctx, run.RepoID)
	if err != nil {
		return nil, err
	}
	actor, err := c.Actor(ctx, run, repo)
	if err != nil {
		return nil, err
	}
	status, conclusion := RunStatus(run.Status)
	api := c.actionsAPI(repo) + "/runs/" + strconv.FormatInt(run.ID, 10)
	return &WorkflowRun{
		ID: run.ID, Name: run.Title, DisplayTitle: run.Title,
		Path:       ".gitea/workflows/" + run.WorkflowID,
		HeadBranch: branchOf(run.Ref), HeadSHA: run.CommitSHA,
		RunNumber: run.Number, RunAttempt: run.Attempt, Event: run.Event,
		Status: status, Conclusion: conclusion,
		URL: api, HTMLURL: c.runHTML(repo, run.ID), JobsURL: api + "/jobs", CancelURL: api + "/cancel",
		CreatedAt: timeText(run.Created), UpdatedAt: timeText(run.Updated), RunStartedAt: optionalTime(run.Started),
		Actor: actor, Repository: repo,
	}, nil
}

// WorkflowJob returns the job's view. task and runner may be given when the
// caller has them (the webhook, inside the change); otherwise they are
// loaded from the job's task.
func (c *Converter) WorkflowJob(ctx context.Context, job *actions_model.RunJob, task *actions_model.Task, runner *actions_model.Runner) (*WorkflowJob, error) {
	run, err := actions_model.GetRunByID(ctx, job.RunID)
	if err != nil {
		return nil, err
	}
	repo, err := c.Repository(ctx, job.RepoID)
	if err != nil {
		return nil, err
	}
	return c.WorkflowJobOf(ctx, job, run, repo, task, runner)
}

// WorkflowJobs returns the views of several jobs, reading each run and
// repository once.
func (c *Converter) WorkflowJobs(ctx context.Context, jobs []*actions_model.RunJob) ([]*WorkflowJob, error) {
	runs := map[int64]*actions_model.Run{}
	repos := map[int64]*Repository{}
	out := make([]*WorkflowJob, 0, len(jobs))
	for _, j := range jobs {
		run, ok := runs[j.RunID]
		if !ok {
			var err error
			if run, err = actions_model.GetRunByID(ctx, j.RunID); err != nil {
				return nil, err
			}
			runs[j.RunID] = run
		}
		repo, ok := repos[j.RepoID]
		if !ok {
			var err error
			if repo, err = c.Repository(ctx, j.RepoID); err != nil {
				return nil, err
			}
			repos[j.RepoID] = repo
		}
		v, err := c.WorkflowJobOf(ctx, j, run, repo, nil, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// WorkflowJobOf is WorkflowJob for a caller that has the job's run and
// repository view already.
func (c *Converter) WorkflowJobOf(ctx context.Context, job *actions_model.RunJob, run *actions_model.Run, repo *Repository,
	task *actions_model.Task, runner *actions_model.Runner) (*WorkflowJob, error) {
	if task == nil && job.TaskID != 0 {
		var err error
		if task, err = actions_model.GetTaskByID(ctx, job.TaskID); err != nil {
			return nil, err
		}
	}
	status, conclusion := RunStatus(job.Status)
	api := c.actionsAPI(repo)
	jobURL := api + "/jobs/" + strconv.FormatInt(job.ID, 10)
	v := &WorkflowJob{
		ID: job.ID, RunID: job.RunID, RunAttempt: job.Attempt, // the attempt the job belongs to, not the run's latest
		NodeID: NodeID("CheckRun", job.ID), CheckRunURL: jobURL,
		RunURL:  api + "/runs/" + strconv.FormatInt(run.ID, 10),
		URL:     jobURL,
		HTMLURL: c.runHTML(repo, run.ID) + "/jobs/" + strconv.FormatInt(job.ID, 10),
		HeadSHA: run.CommitSHA, HeadBranch: branchOf(run.Ref), WorkflowName: run.Title,
		Name: job.Name, Status: status, Conclusion: conclusion,
		CreatedAt: timeText(job.Created), StartedAt: optionalTime(job.Started), CompletedAt: optionalTime(job.Stopped),
		Labels: job.RunsOnList(), Steps: []*WorkflowStep{},
	}
	if v.Labels == nil {
		v.Labels = []string{}
	}
	if !job.Status.IsDone() {
		v.CompletedAt = nil
	}
	if task == nil {
		return v, nil
	}
	if runner == nil {
		r, has, err := actions_model.GetRunnerByIDEvenDeleted(ctx, task.RunnerID)
		if err != nil {
			return nil, err
		}
		if has {
			runner = r
		}
	}
	id := task.RunnerID
	v.RunnerID = &id
	if runner != nil {
		name := runner.Name
		v.RunnerName = &name
	}
	var err error
	if v.RunnerGroupID, v.RunnerGroupName, err = runnerGroup(ctx, runner); err != nil {
		return nil, err
	}
	steps, err := c.steps(ctx, job, task)
	if err != nil {
		return nil, err
	}
	v.Steps = steps
	return v, nil
}

// steps joins the step names of the job's workflow with what the runner
// reported about each. Steps of an ended job that were never reported did not run.
func (c *Converter) steps(ctx context.Context, job *actions_model.RunJob, task *actions_model.Task) ([]*WorkflowStep, error) {
	rows, err := actions_model.GetTaskSteps(ctx, task.ID)
	if err != nil {
		return nil, err
	}
	byIndex := make(map[int64]*actions_model.TaskStep, len(rows))
	for _, r := range rows {
		byIndex[r.StepIndex] = r
	}
	names := workflow.StepNames([]byte(job.WorkflowPayload))
	out := make([]*WorkflowStep, 0, len(names))
	for i, name := range names {
		s := &WorkflowStep{Name: name, Number: int64(i + 1), Status: "queued"}
		r := byIndex[int64(i)]
		switch {
		case r != nil && r.Status.IsDone():
			s.Status, s.Conclusion = RunStatus(r.Status)
			s.StartedAt, s.CompletedAt = optionalTime(r.Started), optionalTime(r.Stopped)
		case r != nil && r.Started != 0:
			s.Status, s.StartedAt = "in_progress", optionalTime(r.Started)
		case job.Status.IsDone():
			skipped := actions_model.StatusSkipped.String()
			s.Status, s.Conclusion = "completed", &skipped
		}
		out = append(out, s)
	}
	return out, nil
}

func (c *Converter) actionsAPI(repo *Repository) string {
	return c.rootURL + "api/v1/repos/" + repo.FullName + "/actions"
}

func (c *Converter) runHTML(repo *Repository, runID int64) string {
	return c.rootURL + repo.FullName + "/actions/runs/" + strconv.FormatInt(runID, 10)
}

// branchOf is the branch a ref names, or the ref itself when it is no branch.
func branchOf(ref string) string {
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return b
	}
	return ref
}

func timeText(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }

func optionalTime(unix int64) *string {
	if unix == 0 {
		return nil
	}
	s := timeText(unix)
	return &s
}
