package migrations

import (
	"fmt"
	"strings"

	"xorm.io/xorm"
)

// Helpers that let a step look before it acts, so that it can run again
// after a crash left it half done.

func hasTable(x *xorm.Engine, table string) (bool, error) {
	ok, err := x.IsTableExist(table)
	if err != nil {
		return false, fmt.Errorf("look for table %s: %w", table, err)
	}
	return ok, nil
}

// columnsOf lists a table's columns in lower case; none when it does not exist.
func columnsOf(x *xorm.Engine, table string) (map[string]bool, error) {
	var q string
	var args []any
	switch x.DriverName() {
	case "postgres":
		q, args = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?", []any{table}
	case "mysql":
		q, args = "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?", []any{table}
	default:
		q = "SELECT name FROM pragma_table_info('" + strings.ReplaceAll(table, "'", "''") + "')"
	}
	rows, err := x.QueryString(append([]any{q}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("read the columns of %s: %w", table, err)
	}
	cols := make(map[string]bool, len(rows))
	for _, r := range rows {
		cols[strings.ToLower(firstValue(r))] = true
	}
	return cols, nil
}

// hasColumn reports whether table exists and has column.
func hasColumn(x *xorm.Engine, table, column string) (bool, error) {
	cols, err := columnsOf(x, table)
	return cols[column], err
}

// resetSequence makes the next id of table follow its largest: rows copied
// with their ids do not move PostgreSQL's sequence (MySQL and SQLite follow
// by themselves).
func resetSequence(x *xorm.Engine, table string) error {
	if x.DriverName() != "postgres" {
		return nil
	}
	_, err := x.Exec("SELECT setval(pg_get_serial_sequence(?, 'id'), COALESCE((SELECT MAX(id) FROM "+x.Quote(table)+"), 0) + 1, false)", table)
	if err != nil {
		return fmt.Errorf("reset the id sequence of %s: %w", table, err)
	}
	return nil
}

// moveRows copies every row of from into to (same columns) and drops from.
// Run again after a crash it starts over: the copy is one transaction that
// first empties to, and from is dropped only once the copy is committed.
func moveRows(x *xorm.Engine, from, to string, cols []string) error {
	list := strings.Join(cols, ", ")
	sess := x.NewSession()
	defer sess.Close()
	if err := sess.Begin(); err != nil {
		return err
	}
	if _, err := sess.Exec("DELETE FROM " + x.Quote(to)); err != nil {
		return fmt.Errorf("empty %s: %w", to, err)
	}
	if _, err := sess.Exec("INSERT INTO " + x.Quote(to) + " (" + list + ") SELECT " + list + " FROM " + x.Quote(from)); err != nil {
		return fmt.Errorf("copy %s into %s: %w", from, to, err)
	}
	if err := sess.Commit(); err != nil {
		return err
	}
	if err := resetSequence(x, to); err != nil {
		return err
	}
	if _, err := x.Exec("DROP TABLE " + x.Quote(from)); err != nil {
		return fmt.Errorf("drop %s: %w", from, err)
	}
	return nil
}
