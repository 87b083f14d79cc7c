package actions

import (
	"context"
	"strings"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
)

// Recorder hears what the service did, for the server's metrics. Its
// methods are called after the change committed, and must not block.
type Recorder interface {
	JobClaimed(wait time.Duration)
	MaintenanceDone(kind string)
}

// SetRecorder installs the recorder; call it before serving.
func (s *Service) SetRecorder(r Recorder) { s.recorder = r }

func (s *Service) recordJobClaimed(wait time.Duration) {
	if s.recorder != nil {
		s.recorder.JobClaimed(wait)
	}
}

func (s *Service) recordMaintenance(kind string) {
	if s.recorder != nil {
		s.recorder.MaintenanceDone(kind)
	}
}

// Fleet is the state of the runners and the queue across the database.
type Fleet struct {
	Runners, RunnersOnline, RunnersBusy int64
	// Waiting counts waiting jobs by runs-on label set, named by its labels
	// joined with commas.
	Waiting map[string]int64
}

// GetFleet counts the runners and the waiting jobs, for the metrics scrape.
func (s *Service) GetFleet(ctx context.Context) (*Fleet, error) {
	onlineSince := s.now().Add(-s.opts.RunnerOfflineAfter).Unix()
	f := &Fleet{Waiting: map[string]int64{}}
	var err error
	if f.Runners, f.RunnersOnline, err = actions_model.CountRunners(ctx, onlineSince); err != nil {
		return nil, err
	}
	if f.RunnersBusy, err = actions_model.CountBusyRunners(ctx); err != nil {
		return nil, err
	}
	sets, err := actions_model.CountWaitingJobsByLabelSet(ctx)
	if err != nil {
		return nil, err
	}
	for _, ws := range sets {
		f.Waiting[strings.Join(ws.Labels, ",")] += ws.Count
	}
	return f, nil
}
