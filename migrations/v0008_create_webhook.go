package migrations

import "xorm.io/xorm"

// v0008Webhook is a webhook at repository (RepoID set), owner (OwnerID set)
// or system scope (both 0). The secret is encrypted: it must be recovered to
// sign every delivery.
type v0008Webhook struct {
	ID           int64  `xorm:"pk autoincr"`
	OwnerID      int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	RepoID       int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	Type         string `xorm:"VARCHAR(16) NOT NULL"`
	URL          string `xorm:"TEXT NOT NULL"`
	ContentType  string `xorm:"VARCHAR(16) NOT NULL"`
	SecretCipher string `xorm:"TEXT"`
	Events       string `xorm:"TEXT"`
	IsActive     bool   `xorm:"NOT NULL DEFAULT true"`
	CreatedBy    int64  `xorm:"NOT NULL DEFAULT 0"`
	Created      int64  `xorm:"created"`
	Updated      int64  `xorm:"updated"`
}

func (v0008Webhook) TableName() string { return "webhook" }

func v0008CreateWebhook(x *xorm.Engine) error {
	return x.Sync(new(v0008Webhook))
}
