package runnerhub_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// A pool whose scope or runner group does not exist stops New, naming the
// section and key, before any runner is started.
func TestNew_RefusesPoolsOfMissingScopes(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			x := b.NewEngine(t)
			ctx := db.WithEngine(context.Background(), x)
			require.NoError(t, runnerhub.Migrate(ctx, runnerhub.Config{Engine: x}))
			for _, c := range []struct{ scope, group, want string }{
				{"nobody", "", `[provisioner.p] SCOPE: "nobody" does not exist`},
				{"nobody/app", "", `[provisioner.p] SCOPE: "nobody/app" does not exist`},
				{"", "gpus", `[provisioner.p] GROUP: instance has no runner group "gpus"`},
			} {
				o := options.Default()
				o.Server.RootURL = "http://127.0.0.1:3000/"
				o.Security.SecretKey = "k"
				o.Pools = []options.Pool{{Name: "p", Scope: c.scope, Group: c.group, Labels: []string{"linux"}, MaxRunners: 1,
					StartCommand: "true", StartTimeout: time.Minute}}
				_, err := runnerhub.New(ctx, runnerhub.Config{Engine: x, Options: o})
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.want)
			}
		})
	}
}
