package db

import "context"

// TableUsingIndex is table, for a FROM clause, held to index where the
// database lets a statement say so. A claim must stay a seek whatever the
// planner guesses: SQLite without statistics (Runnerhub never runs ANALYZE)
// and MySQL with stale ones have both been seen to prefer
// idx_action_run_job_owner_sets, which reads every job of the owner.
// PostgreSQL has no hints; its planner keeps statistics of its own.
func TableUsingIndex(ctx context.Context, table, index string) string {
	switch Engine(ctx).DriverName() {
	case "postgres":
		return table
	case "mysql":
		return table + " FORCE INDEX (" + index + ")"
	default:
		return table + " INDEXED BY " + index
	}
}
