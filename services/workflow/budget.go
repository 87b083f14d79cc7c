package workflow

import (
	"context"
	"fmt"
)

// maxParseSteps bounds the work of reading one workflow file past its YAML:
// a step is one matrix value compared, copied or named. The largest matrix
// a person writes (256 combinations, a few dozen include and exclude
// entries) takes some tens of thousands; a million takes a few tens of
// milliseconds, so a hostile file costs no more than that.
const maxParseSteps = 1 << 20

// ctxCheckEvery is how many steps pass between two looks at the context,
// so that a client that went away stops the work soon but a look costs
// nothing measurable.
const ctxCheckEvery = 1 << 12

// budget counts the steps of one Parse and stops it when they run out or
// its context ends.
type budget struct {
	ctx       context.Context
	used      int
	limit     int
	nextCheck int
}

func newBudget(ctx context.Context, limit int) *budget {
	return &budget{ctx: ctx, limit: limit}
}

// spend takes n steps. It fails with InvalidArgument past the limit and
// with the context's error once the context has ended.
func (b *budget) spend(n int) error {
	b.used += n
	if b.used > b.limit {
		return invalid("the workflow takes more than %d steps to expand its matrices; use fewer matrix values or include/exclude entries", b.limit)
	}
	if b.used >= b.nextCheck {
		b.nextCheck = b.used + ctxCheckEvery
		return b.alive()
	}
	return nil
}

// alive reports whether the caller still wants the answer.
func (b *budget) alive() error {
	if err := b.ctx.Err(); err != nil {
		return fmt.Errorf("reading the workflow: %w", err)
	}
	return nil
}
