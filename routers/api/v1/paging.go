package v1

import (
	"net/http"
	"strconv"
)

// Pagination is a requested page: Page counts from 1.
type Pagination struct {
	Page     int
	PageSize int
}

// ParsePagination reads Gitea's `page` and `limit` (or GitHub's `per_page`).
// A page size above [api] MAX_RESPONSE_ITEMS is lowered to it, as Gitea
// does; values that are not positive numbers are refused.
func (a *API) ParsePagination(r *http.Request) (Pagination, error) {
	p := Pagination{Page: 1, PageSize: a.Options.API.DefaultPagingNum}
	q := r.URL.Query()
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, BadRequest("page %q is not a positive number", s)
		}
		p.Page = n
	}
	for _, key := range []string{"limit", "per_page"} {
		s := q.Get(key)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, BadRequest("%s %q is not a positive number", key, s)
		}
		p.PageSize = min(n, a.Options.API.MaxResponseItems)
	}
	return p, nil
}

// SetTotalCount tells the client how many items there are in all, in Gitea's header.
func SetTotalCount(w http.ResponseWriter, total int64) {
	w.Header().Set("X-Total-Count", strconv.FormatInt(total, 10))
}
