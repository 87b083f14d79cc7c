package organization

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// CountOwners is how many owners the organization has.
func CountOwners(ctx context.Context, orgID int64) (int64, error) {
	n, err := db.GetEngine(ctx).Where("org_id = ?", orgID).Count(new(OrgOwner))
	return n, db.Wrap(err)
}

// RemoveUserOwnerships drops every organization ownership of the user.
func RemoveUserOwnerships(ctx context.Context, userID int64) error {
	_, err := db.GetEngine(ctx).Where("user_id = ?", userID).Delete(new(OrgOwner))
	return db.Wrap(err)
}
