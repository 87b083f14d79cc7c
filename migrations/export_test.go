package migrations

import (
	"context"

	"xorm.io/xorm"
)

// AdoptGiteaPartly runs the adoption of a Gitea database up to the import
// of its first n tables and stops, as a crash there would.
func AdoptGiteaPartly(ctx context.Context, x *xorm.Engine, opts Options, n int) error {
	if _, err := Current(x, opts); err != nil {
		return err
	}
	if err := setGiteaTablesAside(x); err != nil {
		return err
	}
	if n < 0 {
		return nil
	}
	if err := createTablesForAdoption(x); err != nil {
		return err
	}
	return importGiteaTables(ctx, x, opts, n)
}

// GiteaAdoptVersion is the version the adoption builds.
const GiteaAdoptVersion = giteaAdoptVersion
