// Package organization records who owns each organization in standalone
// mode. An organization itself is a user row with IsOrg set.
package organization

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// OrgOwner makes a user an owner of an organization: they manage its runners
// and tokens and those of its repositories.
type OrgOwner struct {
	ID      int64 `xorm:"pk autoincr"`
	OrgID   int64 `xorm:"UNIQUE(org_user) NOT NULL"`
	UserID  int64 `xorm:"UNIQUE(org_user) INDEX NOT NULL"`
	Created int64 `xorm:"created"`
}

func (OrgOwner) TableName() string { return "org_owner" }

// AddOrgOwner makes the user an owner of the organization; adding an owner
// twice changes nothing.
func AddOrgOwner(ctx context.Context, orgID, userID int64) error {
	return db.InsertIgnore(ctx, "org_owner", []string{"org_id", "user_id"}, orgID, userID)
}

// IsOrgOwner reports whether the user owns the organization.
func IsOrgOwner(ctx context.Context, orgID, userID int64) (bool, error) {
	has, err := db.GetEngine(ctx).Where("org_id = ? AND user_id = ?", orgID, userID).Exist(new(OrgOwner))
	return has, db.Wrap(err)
}

// GetOrgIDsOwnedBy lists the organizations the user owns.
func GetOrgIDsOwnedBy(ctx context.Context, userID int64) ([]int64, error) {
	var ids []int64
	err := db.GetEngine(ctx).Table("org_owner").Cols("org_id").Where("user_id = ?", userID).Find(&ids)
	return ids, db.Wrap(err)
}
