package provisioner

import (
	"context"
	"log/slog"
	"os"

	pool_model "code.runnerhub.dev/runnerhub/models/pool"
)

// shutdown lets go of this process's pools when the server stops: runners
// that took no job are removed and their commands ended, so that nothing
// is left running that no process watches; those with a job run it to
// the end, released to whichever process sees them retire.
func (p *Provisioner) shutdown(ctx context.Context) {
	for _, pl := range p.pools {
		rows, err := pool_model.FindLive(ctx, pl.Name)
		if err != nil {
			slog.WarnContext(ctx, "provisioner: read the pool at shutdown", "pool", pl.Name, "err", err)
			continue
		}
		for _, row := range rows {
			if row.Holder != p.holder || row.State == pool_model.StateBusy {
				continue
			}
			if _, err := p.retire(ctx, pl, row, "the server process that started it stopped"); err != nil {
				slog.WarnContext(ctx, "provisioner: remove a runner at shutdown", "pool", pl.Name, "runner", row.RunnerName, "err", err)
			}
		}
	}
	if err := pool_model.Release(ctx, p.holder, pool_model.StateBusy); err != nil {
		slog.WarnContext(ctx, "provisioner: release the busy runners at shutdown", "err", err)
	}
	p.stops.Wait()
	p.mu.Lock()
	for _, pr := range p.procs {
		_ = os.Remove(pr.outPath) // a command still running keeps writing to its open copy
	}
	p.mu.Unlock()
}
