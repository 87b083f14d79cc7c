package rpc_test

import (
	"bytes"
	"code.runnerhub.dev/runnerhub/services/identity"
	"net/http"
	"net/http/httptest"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// fuzzProcedures are the calls a runner makes, fed arbitrary bodies.
// Deregister is left out: a runner that removed itself makes every later
// input an Unauthenticated no-op.
var fuzzProcedures = []string{
	runnerv1connect.RunnerServiceRegisterProcedure,
	runnerv1connect.RunnerServiceDeclareProcedure,
	runnerv1connect.RunnerServiceFetchTaskProcedure,
	runnerv1connect.RunnerServiceUpdateTaskProcedure,
	runnerv1connect.RunnerServiceUpdateLogProcedure,
}

// FuzzRunnerService posts arbitrary bodies, as protobuf or JSON, to every
// runner call of a real server with a registered runner that holds a task.
// Whatever arrives, the server must not fail: a malformed or refused
// request is the client's error (4xx), never an internal one. It runs on
// PostgreSQL when TEST_PGSQL_DSN is set, the strictest about text (a NUL in
// a runner name once made it fail there), else on SQLite.
func FuzzRunnerService(f *testing.F) {
	s := testserver.Start(f, strictestBackend())
	repo := s.CreateRepo(f, "octo", "app")
	r := s.Register(f, s.RegistrationToken(f, identity.InstanceScope), "fuzzed", []string{"ubuntu-latest"}, false)
	s.QueueJobs(f, repo, []string{"ubuntu-latest"}, []string{"ubuntu-latest"})

	seed := func(proc int, m proto.Message) {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(proc), false, b)
	}
	seed(0, &runnerv1.RegisterRequest{Name: "<b>x</b>", Token: "nope", Labels: []string{"a:docker://b"}})
	seed(1, &runnerv1.DeclareRequest{Version: "v1", Labels: []string{"ubuntu-latest", "\x00\x1b[31m"}})
	seed(2, &runnerv1.FetchTaskRequest{TasksVersion: -1})
	seed(3, &runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{Id: 1, Steps: []*runnerv1.StepState{{Id: -1, LogIndex: -5}}}, Outputs: map[string]string{"": "x"}})
	seed(3, &runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{Id: 1, StartedAt: &timestamppb.Timestamp{Seconds: -1 << 62}}})
	seed(4, &runnerv1.UpdateLogRequest{TaskId: 1, Index: -1, Rows: []*runnerv1.LogRow{{Content: "x"}}})
	seed(4, &runnerv1.UpdateLogRequest{TaskId: 1, Index: 1 << 62, NoMore: true})
	f.Add(uint8(4), false, []byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add(uint8(2), true, []byte(`{"tasksVersion":"9223372036854775807"}`))
	f.Add(uint8(4), true, []byte(`{"taskId":"1","index":"0","rows":[{"content":"\u0000"}],"noMore":true}`))
	f.Add(uint8(1), true, []byte(`{"labels":[1,2]}`))

	// Ask the server for a task once, so UpdateTask and UpdateLog inputs
	// can meet a real one.
	rec := post(s, r, runnerv1connect.RunnerServiceFetchTaskProcedure, false, mustMarshal(f, &runnerv1.FetchTaskRequest{}))
	if rec.Code != http.StatusOK {
		f.Fatalf("fetch: %d %s", rec.Code, rec.Body)
	}

	f.Fuzz(func(t *testing.T, proc uint8, asJSON bool, body []byte) {
		procedure := fuzzProcedures[int(proc)%len(fuzzProcedures)]
		rec := post(s, r, procedure, asJSON, body)
		if rec.Code >= 500 {
			t.Fatalf("%s answered %d to %q: %s", procedure, rec.Code, body, rec.Body)
		}
	})
}

func strictestBackend() dbtest.Backend {
	for _, b := range dbtest.Backends() {
		if b.Name == "postgres" {
			return b
		}
	}
	return dbtest.Backends()[0]
}

func post(s *testserver.Server, r *testserver.Runner, procedure string, asJSON bool, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/api/actions"+procedure, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/proto")
	if asJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("x-runner-uuid", r.UUID)
	req.Header.Set("x-runner-token", r.Token)
	req.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	s.App.Handler().ServeHTTP(rec, req)
	return rec
}

func mustMarshal(f *testing.F, m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		f.Fatal(err)
	}
	return b
}
