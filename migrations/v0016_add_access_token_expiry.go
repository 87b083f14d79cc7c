package migrations

import "xorm.io/xorm"

// v0016AccessToken gives personal access tokens an optional expiry; 0, what
// every existing token gets, is never.
type v0016AccessToken struct {
	ExpiresUnix int64 `xorm:"NOT NULL DEFAULT 0"`
}

func (v0016AccessToken) TableName() string { return "access_token" }

func v0016AddAccessTokenExpiry(x *xorm.Engine) error {
	return addColumns(x, new(v0016AccessToken))
}
