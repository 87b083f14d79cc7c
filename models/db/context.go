// Package db holds the database engine, the transaction helper and the
// errors shared by every model package.
package db

import (
	"context"
	"math/rand/v2"
	"time"

	"xorm.io/xorm"
)

type engineKey struct{}

type sessionKey struct{}

// WithEngine returns a context that carries the engine. The server puts it on
// the base context of every request, so no package keeps a global engine.
func WithEngine(ctx context.Context, e *xorm.Engine) context.Context {
	return context.WithValue(ctx, engineKey{}, e)
}

// Engine returns the engine carried by ctx, or panics: a missing engine is a
// wiring bug, not a runtime condition.
func Engine(ctx context.Context) *xorm.Engine {
	e, ok := ctx.Value(engineKey{}).(*xorm.Engine)
	if !ok {
		panic("db: no engine in context")
	}
	return e
}

// GetEngine returns the open transaction's session when ctx is inside
// WithTx, otherwise a fresh session on the engine bound to ctx.
func GetEngine(ctx context.Context) xorm.Interface {
	if s, ok := ctx.Value(sessionKey{}).(*xorm.Session); ok {
		return s
	}
	return Engine(ctx).Context(ctx)
}

// InTransaction reports whether ctx carries an open transaction.
func InTransaction(ctx context.Context) bool {
	_, ok := ctx.Value(sessionKey{}).(*xorm.Session)
	return ok
}

// WithTx runs fn in a transaction. When ctx already carries one, fn joins it
// and the outermost caller commits. A transaction aborted by a deadlock is
// run again, so fn must only touch the database and its own variables: no
// network or file I/O.
func WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if InTransaction(ctx) {
		return fn(ctx)
	}
	var err error
	for attempt := range txAttempts {
		if err = runTx(ctx, fn); !isRetryable(err) {
			return err
		}
		// Transactions that deadlocked together would likely collide again
		// if rerun at once; a short random pause lets one of them through.
		pause := time.Duration(rand.Int64N(int64(attempt+1) * int64(5*time.Millisecond)))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
	return err
}

func runTx(ctx context.Context, fn func(ctx context.Context) error) error {
	sess := Engine(ctx).NewSession().Context(ctx)
	defer sess.Close()
	if err := sess.Begin(); err != nil {
		return wrapConnErr(err)
	}
	var after []func()
	txCtx := context.WithValue(context.WithValue(ctx, sessionKey{}, sess), afterCommitKey{}, &after)
	if err := fn(txCtx); err != nil {
		_ = sess.Rollback() // the error from fn is the one worth reporting
		return err
	}
	if err := wrapConnErr(sess.Commit()); err != nil {
		return err
	}
	for _, f := range after {
		f()
	}
	return nil
}

type afterCommitKey struct{}

// AfterCommit runs fn once the transaction carried by ctx has committed, or
// at once when ctx carries none; a rolled-back attempt drops it. It is for
// in-process side effects, such as waking a worker that must find the rows
// the transaction wrote.
func AfterCommit(ctx context.Context, fn func()) {
	if after, ok := ctx.Value(afterCommitKey{}).(*[]func()); ok {
		*after = append(*after, fn)
		return
	}
	fn()
}
