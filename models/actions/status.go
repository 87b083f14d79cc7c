// Package actions holds the runner, token, run, job, task and log tables and
// the queries on them. Functions join the transaction carried by ctx.
package actions

import runnerv1 "code.gitea.io/actions-proto-go/runner/v1"

// Status is the state of a run, job or task. The values 1–4 equal the
// protocol's Result values so a runner's result converts directly.
type Status int

const (
	StatusUnknown   Status = 0
	StatusSuccess   Status = 1
	StatusFailure   Status = 2
	StatusCancelled Status = 3
	StatusSkipped   Status = 4
	StatusWaiting   Status = 5
	StatusRunning   Status = 6
	StatusBlocked   Status = 7
)

var statusNames = map[Status]string{
	StatusUnknown:   "unknown",
	StatusSuccess:   "success",
	StatusFailure:   "failure",
	StatusCancelled: "cancelled",
	StatusSkipped:   "skipped",
	StatusWaiting:   "waiting",
	StatusRunning:   "running",
	StatusBlocked:   "blocked",
}

func (s Status) String() string { return statusNames[s] }

// IsDone reports whether s is final.
func (s Status) IsDone() bool {
	return s == StatusSuccess || s == StatusFailure || s == StatusCancelled || s == StatusSkipped
}

// StatusFromResult converts a runner's result; unspecified means still running.
func StatusFromResult(r runnerv1.Result) Status {
	if r == runnerv1.Result_RESULT_UNSPECIFIED {
		return StatusRunning
	}
	return Status(r)
}

// AsResult converts a final status back to the protocol's result.
func (s Status) AsResult() runnerv1.Result {
	if s.IsDone() {
		return runnerv1.Result(s)
	}
	return runnerv1.Result_RESULT_UNSPECIFIED
}
