package rhload

import (
	"context"
	"fmt"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// jobKey names the job a task runs, from the context the server sends:
// exactly-once means no key is seen twice.
func jobKey(t *runnerv1.Task) string {
	f := t.GetContext().GetFields()
	return f["run_id"].GetStringValue() + "/" + f["job"].GetStringValue()
}

// logRows makes n log rows of a typical length.
func logRows(first, n int) []*runnerv1.LogRow {
	now := timestamppb.Now()
	rows := make([]*runnerv1.LogRow, n)
	for i := range rows {
		rows[i] = &runnerv1.LogRow{Time: now, Content: fmt.Sprintf("%06d  step output: compiling package %d of the build, all fine so far", first+i, i)}
	}
	return rows
}

// appendLog sends one UpdateLog call and checks the server stored all rows.
func appendLog(ctx context.Context, c runnerv1connect.RunnerServiceClient, r *Runner, taskID int64, index, n int, noMore bool, rec *Recorder) error {
	t0 := time.Now()
	res, err := c.UpdateLog(ctx, request(r, &runnerv1.UpdateLogRequest{TaskId: taskID, Index: int64(index), Rows: logRows(index, n), NoMore: noMore}))
	rec.Observe("UpdateLog", time.Since(t0), err)
	if err != nil {
		return err
	}
	if want := int64(index + n); res.Msg.AckIndex != want {
		return fmt.Errorf("task %d: ack index %d, want %d", taskID, res.Msg.AckIndex, want)
	}
	return nil
}

// finishTask sends the final UpdateTask.
func finishTask(ctx context.Context, c runnerv1connect.RunnerServiceClient, r *Runner, taskID int64, rec *Recorder) error {
	t0 := time.Now()
	res, err := c.UpdateTask(ctx, request(r, &runnerv1.UpdateTaskRequest{
		State: &runnerv1.TaskState{Id: taskID, Result: runnerv1.Result_RESULT_SUCCESS, StoppedAt: timestamppb.Now()},
	}))
	rec.Observe("UpdateTask", time.Since(t0), err)
	if err != nil {
		return err
	}
	if res.Msg.State.GetResult() != runnerv1.Result_RESULT_SUCCESS {
		return fmt.Errorf("task %d: final result %v", taskID, res.Msg.State.GetResult())
	}
	return nil
}
