package dashboard

import (
	"bytes"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"masspay"
)

// pageTemplate is the layout with one page's content.
type pageTemplate = template.Template

// parsePages parses the layout once with each page file.
func parsePages(funcs template.FuncMap) map[string]*pageTemplate {
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html"))
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*pageTemplate{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.Must(layout.Clone()).ParseFS(files, n))
	}
	return out
}

// view is what the layout receives: the page's data and the session's chrome.
type view struct {
	Title   string
	Nav     string // the current section: overview, webhooks
	Signed  bool
	Account string // the account's name
	CSRF    string
	Poll    int // milliseconds between progress requests
	Data    any
}

// titled is a page's data that names the page.
type titled interface{ title() (title, nav string) }

type errorView struct {
	Title   string
	Message string
}

func (v errorView) title() (string, string) { return v.Title, "" }

// render writes a page. The body is rendered in full before anything is written, so a template
// error is a clean 500.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, s *session, data titled) {
	v := view{Data: data, Poll: int(d.poll / time.Millisecond)}
	v.Title, v.Nav = data.title()
	if s != nil {
		v.Signed, v.CSRF = true, s.csrf
		if a, err := d.svc.GetAccount(r.Context(), s.Principal, s.AccountID); err == nil {
			v.Account = a.Name
		}
	}
	var buf bytes.Buffer
	if err := d.pages[name].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		d.logger.ErrorContext(r.Context(), "dashboard template", "page", name, "error", err)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// funcs are the templates' helpers.
func (d *Dashboard) funcs() template.FuncMap {
	return template.FuncMap{
		"money": money,
		"num":   groupDigits,
		"pct":   percent,
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04:05 UTC")
		},
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// short is the end of an id: ids are time-ordered (UUIDv7), so their starts look alike.
		"short": func(id string) string { return id[max(len(id)-8, 0):] },
		"took": func(from, to time.Time) string {
			if to.IsZero() {
				return ""
			}
			return to.Sub(from).Round(100 * time.Millisecond).String()
		},
		"asset": func(name string) string { return Prefix + "/static/" + name + "?v=" + d.assets[name] },
		"done":  func(m *masspay.MassPayment) int { return m.Succeeded + m.Failed },
		"inc":   func(i int) int { return i + 1 },
		"ok":    func(code int) bool { return code >= 200 && code < 300 },
	}
}

// money formats cents as dollars with grouped thousands: 1234567 is "$12,345.67".
func money(cents int64) string {
	s := masspay.FormatAmount(cents)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	return sign + "$" + groupDigits(whole) + "." + frac
}

// groupDigits puts commas between groups of three digits of a number (an int or its digits).
func groupDigits(v any) string {
	var s string
	switch n := v.(type) {
	case int:
		s = strconv.Itoa(n)
	case int64:
		s = strconv.FormatInt(n, 10)
	case string:
		s = n
	}
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	b.WriteString(s[:pre])
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// percent is part of whole in percent, rounded down (100 only when done), as a string with up to
// one decimal for the bar's width.
func percent(part, whole int) string {
	if whole <= 0 {
		return "0"
	}
	tenths := part * 1000 / whole
	return strconv.Itoa(tenths/10) + "." + strconv.Itoa(tenths%10)
}

// pager is one page of a list and the links to its neighbours.
type pager struct {
	Offset, Limit, Total int
	path                 string
	query                url.Values
}

const pageParam = "offset"

func newPager(r *http.Request, limit int) pager {
	off, _ := strconv.Atoi(r.URL.Query().Get(pageParam))
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if k != pageParam && len(v) > 0 && v[0] != "" {
			q[k] = v[:1]
		}
	}
	return pager{Offset: max(off, 0), Limit: limit, path: r.URL.Path, query: q}
}

func (p pager) page() masspay.Page { return masspay.Page{Limit: p.Limit, Offset: p.Offset} }

// From and To are the 1-based positions shown ("21–40 of 53").
func (p pager) From() int { return min(p.Offset+1, p.Total) }
func (p pager) To() int   { return min(p.Offset+p.Limit, p.Total) }

func (p pager) link(off int) string {
	q := url.Values{}
	for k, v := range p.query {
		q[k] = v
	}
	if off > 0 {
		q.Set(pageParam, strconv.Itoa(off))
	}
	if len(q) == 0 {
		return p.path
	}
	return p.path + "?" + q.Encode()
}

// Prev and Next are the neighbours' links, "" at either end.
func (p pager) Prev() string {
	if p.Offset == 0 {
		return ""
	}
	return p.link(max(p.Offset-p.Limit, 0))
}

func (p pager) Next() string {
	if p.Offset+p.Limit >= p.Total {
		return ""
	}
	return p.link(p.Offset + p.Limit)
}
