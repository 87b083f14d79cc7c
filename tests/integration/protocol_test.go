package integration

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"net/http"
	"strings"
	"testing"

	pingv1 "code.gitea.io/actions-proto-go/ping/v1"
	"code.gitea.io/actions-proto-go/ping/v1/pingv1connect"
	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

func TestPing_AllCodecs(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		for name, opts := range map[string][]connect.ClientOption{
			"connect-proto": nil,
			"connect-json":  {connect.WithProtoJSON()},
			"grpc-web":      {connect.WithGRPCWeb()},
		} {
			c := pingv1connect.NewPingServiceClient(http.DefaultClient, s.RPCURL(), opts...)
			res, err := c.Ping(context.Background(), connect.NewRequest(&pingv1.PingRequest{Data: "runner"}))
			require.NoError(t, err, name)
			assert.Equal(t, "Hello, runner!", res.Msg.Data, name)
		}
	})
}

func TestRegister_DeclareAndCapabilities(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		token := s.RegistrationToken(t, identity.InstanceScope)
		req := &runnerv1.RegisterRequest{Name: "r1", Token: token, Version: "v1.0.0", Labels: []string{"ubuntu-latest:host"}, Ephemeral: true}
		// A newer runner's capabilities travel in field 8, unknown to this protocol version.
		req.ProtoReflect().SetUnknown(protowire.AppendString(protowire.AppendTag(nil, 8, protowire.BytesType), "cancelling"))
		res, err := runnerv1connect.NewRunnerServiceClient(http.DefaultClient, s.RPCURL()).
			Register(context.Background(), connect.NewRequest(req))
		require.NoError(t, err)
		r := res.Msg.Runner
		assert.NotEmpty(t, r.Uuid)
		assert.Len(t, r.Token, 40)
		assert.True(t, r.Ephemeral)
		assert.Equal(t, []string{"ubuntu-latest:host"}, r.Labels)

		stored, err := actions_model.GetRunnerByUUID(s.Ctx, r.Uuid)
		require.NoError(t, err)
		assert.NotContains(t, stored.TokenHash, r.Token, "the runner token is stored hashed")
		assert.Equal(t, []string{"cancelling"}, stored.CapabilityList())

		dreq := &runnerv1.DeclareRequest{Version: "v1.0.1", Labels: []string{"ubuntu-latest:host", "linux"}}
		dreq.ProtoReflect().SetUnknown(protowire.AppendString(protowire.AppendTag(nil, 3, protowire.BytesType), "cancelling"))
		dres, err := s.RunnerClient(r.Uuid, r.Token).Declare(context.Background(), connect.NewRequest(dreq))
		require.NoError(t, err)
		assert.Equal(t, []string{"ubuntu-latest:host", "linux"}, dres.Msg.Runner.Labels)
		assert.Equal(t, "v1.0.1", dres.Msg.Runner.Version)
		assert.Contains(t, strings.Split(dres.Header().Get("X-Gitea-Actions-Capabilities"), ","), "cancelling")
	})
}

func TestRegister_RefusalsChangeNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		token := s.RegistrationToken(t, identity.InstanceScope)
		c := runnerv1connect.NewRunnerServiceClient(http.DefaultClient, s.RPCURL())
		long := strings.Repeat("x", 300)
		cases := []struct {
			name string
			req  *runnerv1.RegisterRequest
			code connect.Code
		}{
			{"no token", &runnerv1.RegisterRequest{Name: "r"}, connect.CodeUnauthenticated},
			{"unknown token", &runnerv1.RegisterRequest{Name: "r", Token: strings.Repeat("0", 40)}, connect.CodeUnauthenticated},
			{"empty name", &runnerv1.RegisterRequest{Name: " ", Token: token}, connect.CodeInvalidArgument},
			{"long name", &runnerv1.RegisterRequest{Name: long, Token: token}, connect.CodeInvalidArgument},
			{"long label", &runnerv1.RegisterRequest{Name: "r", Token: token, Labels: []string{long}}, connect.CodeInvalidArgument},
			{"empty label", &runnerv1.RegisterRequest{Name: "r", Token: token, Labels: []string{":host"}}, connect.CodeInvalidArgument},
			{"too many labels", &runnerv1.RegisterRequest{Name: "r", Token: token, Labels: strings.Split(strings.Repeat("l,", 100), ",")[:100]}, connect.CodeInvalidArgument},
		}
		for _, tc := range cases {
			_, err := c.Register(context.Background(), connect.NewRequest(tc.req))
			requireCode(t, err, tc.code, tc.name)
		}
		_, total, err := actions_model.FindRunners(s.Ctx, actions_model.FindRunnerOptions{})
		require.NoError(t, err)
		assert.Zero(t, total, "no refused registration created a runner")

		// Odd characters are fine: they are data, escaped wherever they are shown.
		r := s.Register(t, token, "<b>runner</b>\x01", []string{"lab\"el<script>", "ünï:host"}, false)
		assert.NotEmpty(t, r.UUID)
	})
}

func TestRegister_ResetTokenStopsOldOne(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		old := s.RegistrationToken(t, identity.InstanceScope)
		assert.Equal(t, old, s.RegistrationToken(t, identity.InstanceScope), "the default token is reusable until reset")
		fresh, err := s.Actions.ResetRegistrationToken(s.Ctx, identity.InstanceScope)
		require.NoError(t, err)
		assert.NotEqual(t, old, fresh)
		_, err = runnerv1connect.NewRunnerServiceClient(http.DefaultClient, s.RPCURL()).
			Register(context.Background(), connect.NewRequest(&runnerv1.RegisterRequest{Name: "r", Token: old}))
		requireCode(t, err, connect.CodeUnauthenticated)
		assert.Contains(t, err.Error(), "reset")
		s.Register(t, fresh, "r", nil, false)
	})
}

func TestAuth_BadCredentials(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		r := instanceRunner(t, s, "r", false)
		for name, c := range map[string]runnerv1connect.RunnerServiceClient{
			"no headers":    runnerv1connect.NewRunnerServiceClient(http.DefaultClient, s.RPCURL()),
			"wrong token":   s.RunnerClient(r.UUID, strings.Repeat("f", 40)),
			"unknown uuid":  s.RunnerClient("00000000-0000-0000-0000-000000000000", r.Token),
			"swapped token": s.RunnerClient(r.UUID, r.UUID),
		} {
			_, err := c.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
			requireCode(t, err, connect.CodeUnauthenticated, name)
			_, err = c.Declare(context.Background(), connect.NewRequest(&runnerv1.DeclareRequest{}))
			requireCode(t, err, connect.CodeUnauthenticated, name)
		}
	})
}

func TestMalformedRequests(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		r := instanceRunner(t, s, "r", false)
		post := func(body []byte) *http.Response {
			req, err := http.NewRequest(http.MethodPost, s.RPCURL()+runnerv1connect.RunnerServiceUpdateLogProcedure, strings.NewReader(string(body)))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/proto")
			req.Header.Set("x-runner-uuid", r.UUID)
			req.Header.Set("x-runner-token", r.Token)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			return res
		}
		res := post([]byte{0xff, 0xff, 0xff, 0xff})
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "garbage protobuf is the client's fault")

		big := proto.Clone(&runnerv1.UpdateLogRequest{TaskId: 1, Rows: []*runnerv1.LogRow{{Content: strings.Repeat("x", int(s.Opts.Server.MaxRequestBytes))}}})
		b, err := proto.Marshal(big)
		require.NoError(t, err)
		res = post(b)
		assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "connect answers resource_exhausted with 429")
	})
}
