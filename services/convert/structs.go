// Package convert turns runs and jobs into the JSON shapes GitHub's REST API
// and webhooks use, which KEDA, GARM and other autoscalers read.
package convert

// WorkflowRun is a run as GitHub's REST API shows it.
type WorkflowRun struct {
	ID           int64       `json:"id"`
	Name         string      `json:"name"`
	DisplayTitle string      `json:"display_title"`
	Path         string      `json:"path"`
	HeadBranch   string      `json:"head_branch"`
	HeadSHA      string      `json:"head_sha"`
	RunNumber    int64       `json:"run_number"`
	RunAttempt   int64       `json:"run_attempt"`
	Event        string      `json:"event"`
	Status       string      `json:"status"`
	Conclusion   *string     `json:"conclusion"`
	URL          string      `json:"url"`
	HTMLURL      string      `json:"html_url"`
	JobsURL      string      `json:"jobs_url"`
	CancelURL    string      `json:"cancel_url"`
	CreatedAt    string      `json:"created_at"`
	UpdatedAt    string      `json:"updated_at"`
	RunStartedAt *string     `json:"run_started_at"`
	Actor        *User       `json:"actor"`
	Repository   *Repository `json:"repository"`
}

// WorkflowJob is a job as GitHub's REST API and workflow_job webhook show
// it. Runner fields are null until a runner took the job; conclusion is
// null until it is over.
type WorkflowJob struct {
	ID              int64           `json:"id"`
	RunID           int64           `json:"run_id"`
	RunAttempt      int64           `json:"run_attempt"`
	RunURL          string          `json:"run_url"`
	URL             string          `json:"url"`
	HTMLURL         string          `json:"html_url"`
	HeadSHA         string          `json:"head_sha"`
	HeadBranch      string          `json:"head_branch"`
	WorkflowName    string          `json:"workflow_name"`
	Name            string          `json:"name"`
	Status          string          `json:"status"`
	Conclusion      *string         `json:"conclusion"`
	CreatedAt       string          `json:"created_at"`
	StartedAt       *string         `json:"started_at"`
	CompletedAt     *string         `json:"completed_at"`
	Labels          []string        `json:"labels"`
	Steps           []*WorkflowStep `json:"steps"`
	RunnerID        *int64          `json:"runner_id"`
	RunnerName      *string         `json:"runner_name"`
	RunnerGroupID   *int64          `json:"runner_group_id"`
	RunnerGroupName *string         `json:"runner_group_name"`
	// NodeID and CheckRunURL are required by GitHub's workflow_job schema.
	// A job is its own check run here: check_run_url is the job's API URL.
	NodeID      string `json:"node_id"`
	CheckRunURL string `json:"check_run_url"`
}

// WorkflowStep is one step of a job.
type WorkflowStep struct {
	Name        string  `json:"name"`
	Status      string  `json:"status"`
	Conclusion  *string `json:"conclusion"`
	Number      int64   `json:"number"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
}

// Repository is a repository in the shape both GitHub and Gitea use.
type Repository struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	FullName string `json:"full_name"`
	Owner    *User  `json:"owner"`
	Private  bool   `json:"private"`
	Fork     bool   `json:"fork"`
	HTMLURL  string `json:"html_url"`
	URL      string `json:"url"`
}

// User is a user or organization; Gitea clients read username, GitHub
// clients login.
type User struct {
	ID       int64  `json:"id"`
	Login    string `json:"login"`
	UserName string `json:"username"`
	Type     string `json:"type"` // "User" or "Organization"
	HTMLURL  string `json:"html_url"`
}
