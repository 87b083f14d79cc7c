// Command jitrunner is a small runner for the provisioner's tests: a pool's
// START_COMMAND runs it, it reads its JIT config from RUNNERHUB_JIT_CONFIG
// and runs one job through the runner protocol's own client, as an
// ephemeral act_runner would, then exits when the server retires it.
//
// Its environment steers it:
//
//	JITRUNNER_DIR    where it writes pid-<pid> while it lives and
//	                 task-<id> (its runner's name) for each task it ran
//	JITRUNNER_DELAY  how long to wait before getting in touch (a slow boot)
//	JITRUNNER_SILENT "1": never get in touch (a runner that never connects)
//	JITRUNNER_HOLD   how long its job takes
//	JITRUNNER_LIFE   the longest it lives (default 2m), then exits 1
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

func main() {
	dir := os.Getenv("JITRUNNER_DIR")
	pidFile := ""
	if dir != "" {
		pidFile = filepath.Join(dir, "pid-"+strconv.Itoa(os.Getpid()))
		if err := os.WriteFile(pidFile, nil, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "jitrunner:", err)
			os.Exit(1)
		}
	}
	code := run(dir)
	if pidFile != "" {
		_ = os.Remove(pidFile)
	}
	os.Exit(code)
}

func run(dir string) int {
	life := 2 * time.Minute
	if v, err := time.ParseDuration(os.Getenv("JITRUNNER_LIFE")); err == nil {
		life = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), life)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	cfg, err := actions_service.DecodeJITConfig(os.Getenv("RUNNERHUB_JIT_CONFIG"))
	if err != nil {
		fmt.Println("jitrunner: no usable RUNNERHUB_JIT_CONFIG:", err)
		return 1
	}
	fmt.Println("jitrunner: runner", cfg.Name, "of", os.Getenv("RUNNERHUB_POOL"))
	if d, err := time.ParseDuration(os.Getenv("JITRUNNER_DELAY")); err == nil {
		sleep(ctx, d)
	}
	if os.Getenv("JITRUNNER_SILENT") == "1" {
		<-ctx.Done()
		fmt.Println("jitrunner: never got in touch, as told")
		return 1
	}
	client := runnerv1connect.NewRunnerServiceClient(http.DefaultClient, cfg.Address+"/api/actions",
		connect.WithInterceptors(credentials(cfg.UUID, cfg.Token)))
	if _, err := client.Declare(ctx, connect.NewRequest(&runnerv1.DeclareRequest{Version: "jitrunner", Labels: cfg.Labels})); err != nil {
		fmt.Println("jitrunner: declare:", err)
		return 1
	}
	var version int64
	for ctx.Err() == nil {
		poll, cancelPoll := context.WithTimeout(ctx, 5*time.Second) // the server holds the poll until a job comes
		res, err := client.FetchTask(poll, connect.NewRequest(&runnerv1.FetchTaskRequest{TasksVersion: version}))
		cancelPoll()
		if connect.CodeOf(err) == connect.CodeUnauthenticated {
			fmt.Println("jitrunner: removed by the server:", err)
			return 0
		}
		if err != nil {
			sleep(ctx, 200*time.Millisecond)
			continue
		}
		version = res.Msg.TasksVersion
		if t := res.Msg.Task; t != nil {
			if err := runTask(ctx, client, t, dir, cfg.Name); err != nil {
				fmt.Println("jitrunner: task:", err)
				return 1
			}
			version = 0
		}
	}
	fmt.Println("jitrunner: stopped:", context.Cause(ctx))
	return 1
}

// runTask "runs" the task: one log line and success.
func runTask(ctx context.Context, c runnerv1connect.RunnerServiceClient, t *runnerv1.Task, dir, name string) error {
	fmt.Println("jitrunner: running task", t.Id)
	if dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "task-"+strconv.FormatInt(t.Id, 10)), []byte(name), 0o644); err != nil {
			return err
		}
	}
	if d, err := time.ParseDuration(os.Getenv("JITRUNNER_HOLD")); err == nil {
		sleep(ctx, d)
	}
	if _, err := c.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: t.Id, Index: 0, NoMore: true,
		Rows: []*runnerv1.LogRow{{Time: timestamppb.Now(), Content: "hello from " + name}}})); err != nil {
		return err
	}
	_, err := c.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{
		Id: t.Id, Result: runnerv1.Result_RESULT_SUCCESS, StartedAt: timestamppb.Now(), StoppedAt: timestamppb.Now()}}))
	return err
}

func credentials(uuid, token string) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("x-runner-uuid", uuid)
			req.Header().Set("x-runner-token", token)
			return next(ctx, req)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
