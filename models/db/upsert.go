package db

import (
	"context"
	"strings"
)

// InsertIgnore inserts one row unless it would break a unique key. Unlike
// insert-then-catch, it leaves an open PostgreSQL transaction usable.
func InsertIgnore(ctx context.Context, table string, cols []string, args ...any) error {
	_, err := InsertIfAbsent(ctx, table, cols, args...)
	return err
}

// InsertIfAbsent is InsertIgnore that reports whether the row was inserted:
// false when a unique key already held its values, which makes it a
// compare-and-set claim of those keys.
func InsertIfAbsent(ctx context.Context, table string, cols []string, args ...any) (bool, error) {
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
	res, err := GetEngine(ctx).Exec(append([]any{stmt}, args...)...)
	if err != nil {
		return false, Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, Wrap(err)
}
