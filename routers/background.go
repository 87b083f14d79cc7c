package routers

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// Start runs this process's background work until Close: the maintenance
// loop and the webhook delivery workers. Each piece is safe to run in every
// process sharing the database.
// Work added here appends its stop function to a.stops.
func (a *App) Start(ctx context.Context) {
	ctx = db.WithEngine(ctx, a.engine)
	a.stops = append(a.stops, a.Actions.StartMaintenance(ctx))
	a.Webhooks.Start(ctx)
	a.stops = append(a.stops, a.Webhooks.Stop)
}

// Close stops the background work, newest first, and waits for each piece
// to finish what it is doing.
func (a *App) Close() {
	for i := len(a.stops) - 1; i >= 0; i-- {
		a.stops[i]()
	}
	a.stops = nil
}
