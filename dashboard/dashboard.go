// Package dashboard is the web dashboard `masspay serve` serves at /dashboard on the API's own
// address: sign-in with an application's key and secret, the account's balances and mass
// payments with live progress, one batch's items and failures, its actions (start, cancel,
// results CSV), transfers, and the health of webhook subscriptions.
//
// A session is an access token of the application that signed in, issued by the same use case as
// POST /token, kept in an HttpOnly, SameSite=Strict cookie: it expires with the token, and it
// sees exactly what that token would through the API, because every page calls the same service
// use cases as the API's handlers. Every action is a POST carrying a CSRF token derived from the
// session. Pages are server-rendered html/template with embedded CSS and a little JavaScript,
// under a Content-Security-Policy that allows nothing but the dashboard's own files.
package dashboard

import (
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"masspay"
	"masspay/service"
)

// Prefix is where the dashboard is served.
const Prefix = "/dashboard"

// Config configures the dashboard.
type Config struct {
	// PublicURL is the API's public base URL: the base of the hrefs in the results CSV. An https
	// URL makes the session cookie Secure.
	PublicURL string
	// Poll is how often a page asks for the progress of its unfinished batches (default 1 s).
	Poll time.Duration
}

//go:embed templates/*.html static/*
var files embed.FS

// Dashboard serves the dashboard's pages.
type Dashboard struct {
	svc    *service.Service
	logger *slog.Logger
	base   string
	secure bool
	poll   time.Duration
	pages  map[string]*pageTemplate
	assets map[string]string // file name to a version (hash prefix) for cache busting
	mux    *http.ServeMux
}

// New returns the dashboard's handler. It serves paths under Prefix only; see Mount.
func New(cfg Config, svc *service.Service, logger *slog.Logger) *Dashboard {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	base := strings.TrimSuffix(cfg.PublicURL, "/")
	d := &Dashboard{svc: svc, logger: logger, base: base, secure: strings.HasPrefix(base, "https://"),
		poll: cmp.Or(cfg.Poll, time.Second), mux: http.NewServeMux()}
	d.assets = assetVersions()
	d.pages = parsePages(d.funcs())
	d.routes()
	return d
}

// Mount serves the dashboard under Prefix and everything else with api.
//
// The split is by prefix, not through a ServeMux, so that the API sees every other path as it
// came: a ServeMux would redirect an unclean path (//, ., ..) to its cleaned form, which the API
// answers as an unknown path instead (docs/security.md). An unclean dashboard path goes to the
// API too.
func Mount(api http.Handler, d *Dashboard) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if (p == Prefix || strings.HasPrefix(p, Prefix+"/")) && !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
			d.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// routes is the map of the dashboard.
func (d *Dashboard) routes() {
	m := d.mux
	m.Handle("GET "+Prefix+"/static/{file}", http.HandlerFunc(d.handleStatic))
	m.HandleFunc("GET "+Prefix, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/", http.StatusMovedPermanently)
	})
	m.Handle("GET "+Prefix+"/signin", http.HandlerFunc(d.handleSignInForm))
	m.Handle("POST "+Prefix+"/signin", http.HandlerFunc(d.handleSignIn))
	m.Handle("POST "+Prefix+"/signout", d.action(d.handleSignOut))

	m.Handle("GET "+Prefix+"/{$}", d.page(d.handleOverview))
	m.Handle("GET "+Prefix+"/progress", d.page(d.handleProgress))
	m.Handle("GET "+Prefix+"/mass-payments/{id}", d.page(d.handleMassPayment))
	m.Handle("GET "+Prefix+"/mass-payments/{id}/results.csv", d.page(d.handleResultsCSV))
	m.Handle("POST "+Prefix+"/mass-payments/{id}/start", d.action(d.handleMassPaymentStatus(masspay.MassPaymentPending)))
	m.Handle("POST "+Prefix+"/mass-payments/{id}/cancel", d.action(d.handleMassPaymentStatus(masspay.MassPaymentCancelled)))
	m.Handle("GET "+Prefix+"/transfers/{id}", d.page(d.handleTransfer))
	m.Handle("GET "+Prefix+"/webhooks", d.page(d.handleWebhooks))
	m.Handle("POST "+Prefix+"/webhooks/{id}/retry", d.action(d.handleWebhookRetry))
	m.Handle(Prefix+"/", d.page(func(w http.ResponseWriter, r *http.Request, s *session) error {
		return masspay.NotFound("Page not found.")
	}))
}

// ServeHTTP sets the headers every dashboard response carries and routes the request.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, formMax)
	}
	if err := r.ParseForm(); err != nil {
		status, msg := http.StatusBadRequest, "The form could not be read."
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			status, msg = http.StatusRequestEntityTooLarge, "The form is too large."
		}
		d.render(w, r, status, "error", nil, errorView{Title: "Bad request", Message: msg})
		return
	}
	if !formText(r) {
		d.render(w, r, http.StatusBadRequest, "error", nil, errorView{Title: "Bad request",
			Message: "The address and the form fields must be UTF-8 text without NUL characters."})
		return
	}
	d.mux.ServeHTTP(w, r)
}

// formMax bounds a form the dashboard reads: its largest is a few hundred bytes.
const formMax = 64 << 10

// formText reports whether the path, the query and the form's fields (names and values) are all
// masspay.ValidText, as the API requires of its paths, queries and bodies.
func formText(r *http.Request) bool {
	if !masspay.ValidText(r.URL.Path) {
		return false
	}
	for k, vs := range r.Form {
		if !masspay.ValidText(k) || slices.ContainsFunc(vs, func(v string) bool { return !masspay.ValidText(v) }) {
			return false
		}
	}
	return true
}

// Cookies.
const (
	sessionCookie = "masspay_session"
	signinCookie  = "masspay_signin" // the sign-in form's CSRF value (double submit)
	csrfField     = "csrf"
)

// session is a signed-in application.
type session struct {
	*service.Principal
	token string
	csrf  string
}

// csrfToken derives a session's CSRF token from its (secret) session token: a page from
// another origin can neither read the cookie nor compute the token.
func csrfToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("masspay dashboard csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func sameSecret(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// errSignIn says the request has no valid session.
var errSignIn = errors.New("sign in")

// session returns the request's session, or errSignIn (with the reason, for the sign-in page).
func (d *Dashboard) session(r *http.Request) (*session, string, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, "", errSignIn
	}
	p, err := d.svc.Authenticate(r.Context(), c.Value)
	switch {
	case masspay.ErrorCode(err) == service.ErrExpiredAccessToken.Code:
		return nil, "expired", errSignIn
	case masspay.ErrorCode(err) == service.ErrInvalidAccessToken.Code:
		return nil, "", errSignIn
	case err != nil:
		return nil, "", err
	}
	return &session{Principal: p, token: c.Value, csrf: csrfToken(c.Value)}, "", nil
}

// handler is a page or action of a signed-in session; it returns an error instead of writing one.
type handler func(w http.ResponseWriter, r *http.Request, s *session) error

// page wraps a GET handler: without a session it sends the browser to sign in (and a script
// asking for JSON gets a 401).
func (d *Dashboard) page(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, reason, err := d.session(r)
		if errors.Is(err, errSignIn) {
			d.clearCookie(w, sessionCookie)
			if wantsJSON(r) {
				writeJSONStatus(w, http.StatusUnauthorized, map[string]string{"error": "signed out"})
				return
			}
			q := "?next=" + urlQueryEscape(r.URL.RequestURI())
			if reason != "" {
				q += "&reason=" + reason
			}
			http.Redirect(w, r, Prefix+"/signin"+q, http.StatusSeeOther)
			return
		}
		if err == nil {
			w.Header().Set("Cache-Control", "no-store")
			err = h(w, r, s)
		}
		if err != nil {
			d.fail(w, r, s, err)
		}
	})
}

// action wraps a POST handler: it needs a session and the session's CSRF token in the form.
func (d *Dashboard) action(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _, err := d.session(r)
		if errors.Is(err, errSignIn) {
			d.clearCookie(w, sessionCookie)
			d.render(w, r, http.StatusForbidden, "error", nil, errorView{Title: "Signed out",
				Message: "Your session has ended. Sign in again, then repeat what you were doing."})
			return
		}
		if err == nil && !sameSecret(r.PostFormValue(csrfField), s.csrf) {
			d.render(w, r, http.StatusForbidden, "error", s, errorView{Title: "Form expired",
				Message: "This form was not sent from the dashboard page it belongs to (its security token is missing or stale). Reload the page and try again."})
			return
		}
		if err == nil {
			err = h(w, r, s)
		}
		if err != nil {
			d.fail(w, r, s, err)
		}
	})
}

// fail renders an error: a NotFound as 404, another domain error with its message, anything else
// as 500 (logged once here, with an id the page shows).
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	e, ok := errors.AsType[*masspay.Error](err)
	if !ok {
		id := newID()
		d.logger.ErrorContext(r.Context(), "dashboard request failed", slog.String("error_id", id),
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
		d.render(w, r, http.StatusInternalServerError, "error", s, errorView{Title: "Something went wrong",
			Message: "The server could not complete this request. Error ID: " + id})
		return
	}
	if e.Code == masspay.ECodeNotFound {
		d.render(w, r, http.StatusNotFound, "error", s, errorView{Title: "Not found", Message: e.Message})
		return
	}
	// As the API answers: a request the rules refuse is a 400, a state conflict a 409.
	status, msg := http.StatusConflict, e.Message
	if e.Code == masspay.ECodeValidation || e.Code == masspay.ECodeBadRequest {
		status = http.StatusBadRequest
	}
	for _, f := range e.Fields {
		msg = f.Message
	}
	d.render(w, r, status, "error", s, errorView{Title: "Not allowed", Message: msg})
}

func (d *Dashboard) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Prefix, MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: d.secure, SameSite: http.SameSiteStrictMode})
}

func (d *Dashboard) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, Secure: d.secure, SameSite: http.SameSiteStrictMode})
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// handleStatic serves the embedded CSS and JavaScript. A request naming the current version
// (?v=) may be cached for good.
func (d *Dashboard) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	v, ok := d.assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("v") == v {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, files, "static/"+name)
}

// assetVersions hashes every static file once.
func assetVersions() map[string]string {
	out := map[string]string{}
	entries, _ := fs.ReadDir(files, "static")
	for _, e := range entries {
		b, _ := fs.ReadFile(files, "static/"+e.Name())
		h := sha256.Sum256(b)
		out[e.Name()] = hex.EncodeToString(h[:4])
	}
	return out
}
