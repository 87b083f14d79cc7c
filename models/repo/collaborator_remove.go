package repo

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// CountReposOwnedBy is how many repositories the user or organization owns.
func CountReposOwnedBy(ctx context.Context, ownerID int64) (int64, error) {
	n, err := db.GetEngine(ctx).Where("owner_id = ?", ownerID).Count(new(Repository))
	return n, db.Wrap(err)
}

// RemoveUserCollaborations drops every repository access the user was granted.
func RemoveUserCollaborations(ctx context.Context, userID int64) error {
	_, err := db.GetEngine(ctx).Where("user_id = ?", userID).Delete(new(Collaborator))
	return db.Wrap(err)
}
