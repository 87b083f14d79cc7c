package migrations

import "xorm.io/xorm"

// addColumns adds the columns of partial table structs. A plain Sync of a
// partial struct would also drop every index and unique key the struct does
// not repeat, so the existing ones are left alone.
func addColumns(x *xorm.Engine, beans ...any) error {
	_, err := x.SyncWithOptions(xorm.SyncOptions{IgnoreConstrains: true, IgnoreIndices: true}, beans...)
	return err
}
