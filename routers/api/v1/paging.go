package v1

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"code.runnerhub.dev/runnerhub/models/db"
)

// Pagination is a requested page: Page counts from 1.
type Pagination struct {
	Page     int
	PageSize int
	// sizeKey is the query key the client named the size with ("per_page"
	// or Gitea's "limit"); the Link header's URLs use the same one.
	sizeKey string
}

// DB is the page as the models take it.
func (p Pagination) DB() db.Page { return db.Page{Number: p.Page, Size: p.PageSize} }

// maxPage bounds ?page= so that (page-1)*size cannot overflow, and a request
// for a page no list can reach is refused before it is counted.
const maxPage = 1 << 20

// ParsePagination reads GitHub's `page` and `per_page` (or Gitea's `limit`).
// A page size above [api] MAX_RESPONSE_ITEMS (100 by default) is lowered to
// it, as GitHub and Gitea do; values that are not positive numbers, a
// parameter given twice, and per_page together with limit are refused.
func (a *API) ParsePagination(r *http.Request) (Pagination, error) {
	p := Pagination{Page: 1, PageSize: a.Options.API.DefaultPagingNum, sizeKey: "per_page"}
	q := r.URL.Query()
	n, err := positiveParam(q, "page", maxPage)
	if err != nil {
		return p, err
	}
	if n > 0 {
		p.Page = n
	}
	if q.Has("per_page") && q.Has("limit") {
		return p, BadRequest("give per_page or limit, not both")
	}
	for _, key := range []string{"per_page", "limit"} {
		n, err := positiveParam(q, key, 0)
		if err != nil {
			return p, err
		}
		if n > 0 {
			p.PageSize, p.sizeKey = min(n, a.Options.API.MaxResponseItems), key
		}
	}
	return p, nil
}

// positiveParam reads a query parameter that is a number from 1 (to max when
// max > 0); 0 when it is absent.
func positiveParam(q url.Values, key string, max int) (int, error) {
	s, err := singleParam(q, key)
	if err != nil || s == "" {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, BadRequest("%s %q is not a positive number", key, s)
	}
	if max > 0 && n > max {
		return 0, BadRequest("%s %d is larger than %d", key, n, max)
	}
	return n, nil
}

// singleParam reads a query parameter that takes one value: given twice it
// is refused, so that no value is silently dropped.
func singleParam(q url.Values, key string) (string, error) {
	vs := q[key]
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", BadRequest("%s is given %d times; it takes one value", key, len(vs))
}

// SetPage answers a page of a list of total items: X-Total-Count, as Gitea
// sends it, and GitHub's Link header with the first, prev, next and last
// pages (first and prev only after the first page, next and last only
// before the last), each the request's own URL with its other parameters.
func (a *API) SetPage(w http.ResponseWriter, r *http.Request, p Pagination, total int64) {
	w.Header().Set("X-Total-Count", strconv.FormatInt(total, 10))
	last := max(1, int((total+int64(p.PageSize)-1)/int64(p.PageSize)))
	var links []string
	link := func(page int, rel string) {
		links = append(links, "<"+a.pageURL(r, p, page)+`>; rel="`+rel+`"`)
	}
	if p.Page > 1 {
		link(min(p.Page-1, last), "prev")
	}
	if p.Page < last {
		link(p.Page+1, "next")
		link(last, "last")
	}
	if p.Page > 1 {
		link(1, "first")
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
}

// pageURL is the request's URL under [server] ROOT_URL with page (and the
// page size, as the client named it) set.
func (a *API) pageURL(r *http.Request, p Pagination, page int) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(page))
	q.Set(p.sizeKey, strconv.Itoa(p.PageSize))
	root := strings.TrimSuffix(a.Options.Server.RootURL, "/")
	return root + r.URL.EscapedPath() + "?" + q.Encode()
}
