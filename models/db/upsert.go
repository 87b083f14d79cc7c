package db

import (
	"context"
	"strings"
)

// InsertIgnore inserts one row unless it would break a unique key. Unlike
// insert-then-catch, it leaves an open PostgreSQL transaction usable.
func InsertIgnore(ctx context.Context, table string, cols []string, args ...any) error {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	body := table + " (" + strings.Join(cols, ", ") + ") VALUES (" + marks + ")"
	var stmt string
	switch Engine(ctx).DriverName() {
	case "postgres":
		stmt = "INSERT INTO " + body + " ON CONFLICT DO NOTHING"
	case "mysql":
		stmt = "INSERT IGNORE INTO " + body
	default:
		stmt = "INSERT OR IGNORE INTO " + body
	}
	_, err := GetEngine(ctx).Exec(append([]any{stmt}, args...)...)
	return Wrap(err)
}
