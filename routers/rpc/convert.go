package rpc

import (
	"fmt"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

func toRunner(r *actions_model.Runner, token string) *runnerv1.Runner {
	return &runnerv1.Runner{
		Id:        r.ID,
		Uuid:      r.UUID,
		Token:     token,
		Name:      r.Name,
		Version:   r.Version,
		Labels:    r.LabelList(),
		Ephemeral: r.Ephemeral,
	}
}

func toTask(a *actions_service.Assignment) (*runnerv1.Task, error) {
	ctx, err := structpb.NewStruct(a.Context)
	if err != nil {
		return nil, fmt.Errorf("task %d context: %w", a.Task.ID, err)
	}
	needs := make(map[string]*runnerv1.TaskNeed, len(a.Needs))
	for id, n := range a.Needs {
		needs[id] = &runnerv1.TaskNeed{Result: n.Result.AsResult(), Outputs: n.Outputs}
	}
	return &runnerv1.Task{
		Id:              a.Task.ID,
		WorkflowPayload: a.WorkflowPayload,
		Context:         ctx,
		Secrets:         a.Secrets,
		Vars:            a.Vars,
		Needs:           needs,
	}, nil
}

func fromTaskState(st *runnerv1.TaskState, outputs map[string]string) actions_service.TaskStateInput {
	in := actions_service.TaskStateInput{
		TaskID:    st.GetId(),
		Result:    actions_model.StatusFromResult(st.GetResult()),
		StartedAt: timeOf(st.GetStartedAt()),
		StoppedAt: timeOf(st.GetStoppedAt()),
		Outputs:   outputs,
	}
	for _, s := range st.GetSteps() {
		step := actions_service.StepStateInput{
			Index:     s.GetId(),
			Result:    actions_model.StatusFromResult(s.GetResult()),
			StartedAt: timeOf(s.GetStartedAt()),
			StoppedAt: timeOf(s.GetStoppedAt()),
			LogIndex:  s.GetLogIndex(),
			LogLength: s.GetLogLength(),
		}
		if step.Result == actions_model.StatusRunning && step.StartedAt.IsZero() {
			step.Result = actions_model.StatusWaiting
		}
		in.Steps = append(in.Steps, step)
	}
	return in
}

func fromLogRows(rows []*runnerv1.LogRow) []actions_model.LogLine {
	lines := make([]actions_model.LogLine, len(rows))
	for i, r := range rows {
		lines[i] = actions_model.LogLine{Content: r.GetContent()}
		if r.GetTime() != nil {
			lines[i].UnixNano = r.GetTime().AsTime().UnixNano()
		}
	}
	return lines
}

// timeOf converts an optional timestamp; nil or invalid means "not set".
func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil || ts.CheckValid() != nil {
		return time.Time{}
	}
	return ts.AsTime()
}
