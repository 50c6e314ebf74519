package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"masspay"
	"masspay/apptest"
)

// session is a dashboard user without a browser: a cookie jar and no redirect following, so
// each answer can be checked as it is.
type session struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string // the session's CSRF token, read from the last page that had one
}

func newSession(t *testing.T, base string) *session {
	jar, _ := cookiejar.New(nil)
	return &session{t: t, base: base, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer of the dashboard.
type page struct {
	Status int
	Header http.Header
	Body   string
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (s *session) do(req *http.Request) page {
	s.t.Helper()
	res, err := s.http.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfRe.FindStringSubmatch(string(b)); m != nil {
		s.csrf = m[1]
	}
	return page{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (s *session) get(path string) page {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.base+path, nil)
	return s.do(req)
}

// post sends a form; csrf adds the session's token.
func (s *session) post(path string, form url.Values, csrf bool) page {
	s.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if csrf {
		form.Set("csrf", s.csrf)
	}
	req, _ := http.NewRequest("POST", s.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(req)
}

// signIn signs in through the form and fails the test unless it lands on the overview.
func (s *session) signIn(key, secret string) page {
	s.t.Helper()
	if p := s.get("/dashboard/signin"); p.Status != 200 {
		s.t.Fatalf("sign-in page: %d", p.Status)
	}
	p := s.post("/dashboard/signin", url.Values{"key": {key}, "secret": {secret}}, true)
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/dashboard/" {
		s.t.Fatalf("sign in: %d to %q, want 303 to /dashboard/\n%s", p.Status, p.Header.Get("Location"), p.Body)
	}
	if o := s.get("/dashboard/"); o.Status != 200 {
		s.t.Fatalf("overview after sign-in: %d", o.Status)
	}
	return p
}

// want fails the test unless the page has the status and contains every string.
func (p page) want(t *testing.T, what string, status int, contains ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, p.Status, status, p.Body)
	}
	for _, c := range contains {
		if !strings.Contains(p.Body, c) {
			t.Fatalf("%s: no %q in\n%s", what, c, p.Body)
		}
	}
}

// batch is a mass payment made for a test.
type batch struct {
	Href, ID string
}

// sendBatch sends a mass payment of n items of amount to fresh payees of c; every failEvery-th
// payee's customer (0: none) is deactivated first, so that item fails (Restricted).
func sendBatch(t *testing.T, e *apptest.Env, c *apptest.Client, n, failEvery int, amount string, extra map[string]any) batch {
	t.Helper()
	_, balance := e.Funding(c)
	payees := e.Payees(c, n)
	if failEvery > 0 {
		var fail []apptest.Payee
		for i := failEvery - 1; i < n; i += failEvery {
			fail = append(fail, payees[i])
		}
		deactivate(t, e, fail)
	}
	body := apptest.MassPayment(balance, amount, apptest.Hrefs(payees)...)
	for k, v := range extra {
		body[k] = v
	}
	href := c.Post("/mass-payments", body).Created(t)
	return batch{Href: href, ID: apptest.ID(href)}
}

// deactivate sets the payees' customers to deactivated, as POST /customers/{id} would.
func deactivate(t *testing.T, e *apptest.Env, ps []apptest.Payee) {
	t.Helper()
	ctx := context.Background()
	err := e.Store.Write(ctx, func(q masspay.Q) error {
		for _, p := range ps {
			cu, err := q.CustomerGet(ctx, p.CustomerID)
			if err != nil {
				return err
			}
			cu.PriorStatus, cu.Status = cu.Status, masspay.CustomerStatusDeactivated
			if err := q.CustomerUpdate(ctx, cu); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("deactivate payees: %v", err)
	}
}

// status reads a mass payment's status through the API.
func status(t *testing.T, c *apptest.Client, href string) string {
	t.Helper()
	return fmt.Sprint(c.Get(href).OK(t)["status"])
}

var regexpWebhookRetry = regexp.MustCompile(`action="/dashboard/webhooks/([^/"]+)/retry"`)

// sessionCookie returns the session cookie an answer sets.
func sessionCookie(t *testing.T, p page) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == "masspay_session" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", p.Header.Values("Set-Cookie"))
	return nil
}
