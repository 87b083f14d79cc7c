package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

func TestAfterCommit_RunsOnlyOnceCommitted(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		var ran []string
		require.NoError(t, db.WithTx(ctx, func(ctx context.Context) error {
			db.AfterCommit(ctx, func() { ran = append(ran, "outer") })
			return db.WithTx(ctx, func(ctx context.Context) error { // joins the outer transaction
				db.AfterCommit(ctx, func() { ran = append(ran, "inner") })
				assert.Empty(t, ran, "nothing runs before the commit")
				return nil
			})
		}))
		assert.Equal(t, []string{"outer", "inner"}, ran)

		ran = nil
		err := db.WithTx(ctx, func(ctx context.Context) error {
			db.AfterCommit(ctx, func() { ran = append(ran, "rolled back") })
			return errors.New("abort")
		})
		require.Error(t, err)
		assert.Empty(t, ran, "a rolled-back transaction drops its callbacks")

		db.AfterCommit(ctx, func() { ran = append(ran, "no transaction") })
		assert.Equal(t, []string{"no transaction"}, ran)
	})
}
