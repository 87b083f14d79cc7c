package migrations

import "xorm.io/xorm"

// v0031AccessToken records a personal access token's scopes in Gitea's
// spelling ("read:repository,write:user", or "all"). Every existing token
// gets "", which stands for "all": tokens made before scopes existed keep
// the full access they were made with.
type v0031AccessToken struct {
	Scope string `xorm:"VARCHAR(255) NOT NULL DEFAULT ''"`
}

func (v0031AccessToken) TableName() string { return "access_token" }

func v0031AddAccessTokenScope(x *xorm.Engine) error {
	return addColumns(x, new(v0031AccessToken))
}
