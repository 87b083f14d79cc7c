package migrations

import "xorm.io/xorm"

// v0005AccessToken is a personal access token for the REST API, kept as a
// SHA-256 hash of a 160-bit random value.
type v0005AccessToken struct {
	ID             int64  `xorm:"pk autoincr"`
	UID            int64  `xorm:"INDEX NOT NULL"`
	Name           string `xorm:"VARCHAR(255) NOT NULL"`
	TokenHash      string `xorm:"VARCHAR(64) UNIQUE NOT NULL"`
	TokenLastEight string `xorm:"VARCHAR(8)"`
	Created        int64  `xorm:"created"`
	Updated        int64  `xorm:"updated"`
}

func (v0005AccessToken) TableName() string { return "access_token" }

func v0005AddAccessTokens(x *xorm.Engine) error {
	return x.Sync(new(v0005AccessToken))
}
