package db

import "xorm.io/xorm"

// Page selects one page of a list: Number counts from 1; Size 0 selects
// the whole list (for callers inside Runnerhub that need all of it).
type Page struct {
	Number, Size int
}

// Apply limits sess to the page.
func (p Page) Apply(sess *xorm.Session) *xorm.Session {
	if p.Size <= 0 {
		return sess
	}
	return sess.Limit(p.Size, (max(p.Number, 1)-1)*p.Size)
}
