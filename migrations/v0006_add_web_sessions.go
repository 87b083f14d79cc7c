package migrations

import "xorm.io/xorm"

// v0006WebSession is a web sign-in, kept server-side so that signing out
// ends it everywhere at once.
type v0006WebSession struct {
	ID          int64  `xorm:"pk autoincr"`
	TokenHash   string `xorm:"VARCHAR(64) UNIQUE NOT NULL"`
	UID         int64  `xorm:"INDEX NOT NULL"`
	ExpiresUnix int64  `xorm:"INDEX NOT NULL"`
	Created     int64  `xorm:"created"`
}

func (v0006WebSession) TableName() string { return "web_session" }

func v0006AddWebSessions(x *xorm.Engine) error {
	return x.Sync(new(v0006WebSession))
}
