package runnerhub

import "context"

// Start runs this process's background work until Close: the maintenance
// loop, the queue sampler, the webhook delivery workers and the pools'
// provisioner. Each piece is safe to run in every process sharing the
// database. Work added here appends its stop function to s.stops.
func (s *Server) Start(ctx context.Context) {
	ctx = s.Context(ctx)
	s.stops = append(s.stops, s.actions.StartMaintenance(ctx))
	s.stops = append(s.stops, s.actions.StartQueueSampler(ctx))
	s.webhooks.Start(ctx)
	s.stops = append(s.stops, s.webhooks.Stop)
	s.stops = append(s.stops, s.pools.Start(ctx)) // stopped first: it removes the runners it started that took no job
}

// Close stops the background work, newest first, and waits for each piece
// to finish what it is doing. The database stays open: it is the host's.
func (s *Server) Close() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	s.stops = nil
}
