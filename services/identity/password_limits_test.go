package identity_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// TestPasswordLimits_RefuseBeforeTheHash replays guessing on a stopped
// clock and counts the password hashes actually run: a guesser of one
// account gets 10, a guesser spraying accounts 60 per address, and every
// refused attempt costs none. Other accounts keep signing in from the
// guesser's address until it sprays.
func TestPasswordLimits_RefuseBeforeTheHash(t *testing.T) {
	onSQLite(t, func(t *testing.T, ctx context.Context) {
		acc := identity.NewStandalone()
		for _, name := range []string{"alice", "bob"} {
			_, err := acc.CreateUser(ctx, identity.CreateUserInput{Name: name, Password: name + "-password"})
			require.NoError(t, err)
		}
		now := time.Unix(1_700_000_000, 0)
		limits := identity.NewPasswordLimits()
		limits.SetClock(func() time.Time { return now })
		try := func(addr, login, password string) error {
			_, err := limits.UserByPassword(ctx, acc, addr, login, password)
			return err
		}
		hashes := func() int64 { return acc.PasswordHashStats().Computed }

		start := hashes()
		refused := 0
		for i := 0; i < 100; i++ {
			err := try("192.0.2.1", "alice", "guess-"+strconv.Itoa(i))
			var tooMany *identity.TooManyAttempts
			if errors.As(err, &tooMany) {
				refused++
				assert.Positive(t, tooMany.Seconds())
				continue
			}
			require.ErrorIs(t, err, errs.Unauthenticated)
		}
		assert.Equal(t, int64(10), hashes()-start, "100 guesses at one account, 10 hashes")
		assert.Equal(t, 90, refused)

		require.NoError(t, try("192.0.2.1", "bob", "bob-password"), "another account from the same address is not locked out")
		require.ErrorIs(t, try("192.0.2.1", "ALICE", "alice-password"), errs.ResourceExhausted, "the guessed account waits at that address, in any case")
		require.NoError(t, try("198.51.100.7", "alice", "alice-password"), "and only at that address")

		start = hashes()
		for i := 0; i < 200; i++ {
			err := try("192.0.2.99", "user"+strconv.Itoa(i), "guess")
			require.Error(t, err)
		}
		assert.Equal(t, int64(60), hashes()-start, "200 accounts sprayed from one address, 60 hashes")
		require.ErrorIs(t, try("192.0.2.99", "bob", "bob-password"), errs.ResourceExhausted, "a spraying address is refused for every account")

		now = now.Add(time.Minute)
		start = hashes()
		require.NoError(t, try("192.0.2.1", "alice", "alice-password"), "a minute later the account may try again")
		require.ErrorIs(t, try("192.0.2.1", "alice", "guess"), errs.Unauthenticated)
		assert.Equal(t, int64(2), hashes()-start)
	})
}

// onSQLite runs fn on a fresh SQLite database only: for tests whose subject
// is counting hashes, not the database, and whose hashes are slow on purpose.
func onSQLite(t *testing.T, fn func(t *testing.T, ctx context.Context)) {
	x := dbtest.Backends()[0].NewEngine(t)
	ctx := db.WithEngine(context.Background(), x)
	require.NoError(t, migrations.Migrate(ctx, x, migrations.Standalone))
	fn(t, ctx)
}
