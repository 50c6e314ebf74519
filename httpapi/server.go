// Package httpapi is masspay's Dwolla-compatible HTTP surface: routing, the Accept and
// Content-Type conventions, OAuth2 client credentials, HAL rendering and Dwolla's error envelope.
package httpapi

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"strings"

	"masspay/service"
)

// Config configures the HTTP surface.
type Config struct {
	// PublicURL is the base of every href and Location, e.g. "http://127.0.0.1:8080".
	PublicURL string
	// Ready reports whether the server is ready (GET /healthz answers 503 until it is).
	Ready func() bool
	// Readiness checks what serving needs beyond the process: GET /readyz answers 200 when it
	// returns nil (default: Ready alone).
	Readiness func(ctx context.Context) error
	// Observer is told of every request, for metrics (default: nobody).
	Observer Observer
	// Accepts is how many POST /mass-payments are read, decoded and accepted at once (default
	// DefaultAccepts); the others wait for a turn before their bodies are read. Each one in
	// hand holds its body and its decoded items: for a 5,000-item batch about 12 MiB of Go heap
	// (docs/storage.md, "Memory").
	Accepts int
}

// DefaultAccepts is Config.Accepts's default. Accepts write in one transaction each, and on
// SQLite one at a time: more in hand at once only holds more memory while they wait.
const DefaultAccepts = 2

// Server serves the API: the middleware chain (middleware.go) around the routes (routes.go).
type Server struct {
	hal
	logger *slog.Logger
	// auth resolves a bearer token to its principal (the service's Authenticate).
	auth     func(ctx context.Context, token string) (*service.Principal, error)
	observer Observer
	mux      router
	// notFound answers any unknown path (guard.go sends unclean paths there too).
	notFound http.Handler
	// site is the API alone inside its middleware (Site(nil)), built once, for ServeHTTP.
	site http.Handler
}

// router is the ServeMux, remembering the patterns registered on it (docs and tests compare
// them with Dwolla's spec).
type router struct {
	*http.ServeMux
	patterns *[]string
}

// Handle serves pattern with h, its request bodies bounded by defaultBodyMax.
func (m router) Handle(pattern string, h http.Handler) { m.HandleBody(pattern, defaultBodyMax, h) }

// HandleBody serves pattern with h, its request bodies bounded by maxBody bytes (bodyLimit).
func (m router) HandleBody(pattern string, maxBody int64, h http.Handler) {
	*m.patterns = append(*m.patterns, pattern)
	m.ServeMux.Handle(pattern, bodyLimit(maxBody, h))
}

// Patterns returns the "METHOD /path" patterns the API serves.
func (s *Server) Patterns() []string { return append([]string(nil), *s.mux.patterns...) }

// New returns the API's handler.
func New(cfg Config, svc *service.Service, logger *slog.Logger) *Server {
	// Every line logged with a request's context carries its ids (middleware.go).
	logger = requestLogger(logger)
	s := &Server{hal: newHAL(cfg.PublicURL), logger: logger, auth: svc.Authenticate, observer: cfg.Observer,
		mux: router{http.NewServeMux(), new([]string)}}
	if s.observer == nil {
		s.observer = nopObserver{}
	}
	ready := cfg.Ready
	if ready == nil {
		ready = func() bool { return true }
	}
	readiness := cfg.Readiness
	if readiness == nil {
		readiness = func(context.Context) error { return nil }
	}
	s.notFound = s.api(handleNotFound())
	accepts := make(chan struct{}, cmp.Or(cfg.Accepts, DefaultAccepts))
	addRoutes(s.mux, logger, s.hal, svc, ready, readiness, s.api, s.notFound, accepts)
	s.site = s.Site(nil)
	return s
}

// ServeHTTP runs the middleware chain and the router.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.site.ServeHTTP(w, r)
}

// Site returns the whole site's handler: mount(api), the API's routes with whatever is served
// beside them (the dashboard: app.Run mounts it), inside the API's middleware, so that every
// request, the API's or not, gets an X-Request-Id, one request log line and its metrics (by the
// pattern of whichever ServeMux served it), and a panic is a 500. A nil mount serves the API
// alone.
func (s *Server) Site(mount func(api http.Handler) http.Handler) http.Handler {
	var h http.Handler = s.guard(s.mux)
	if mount != nil {
		h = mount(h)
	}
	return s.withRequest(s.recoverer(h))
}

// RequestLogger returns logger whose records, logged with a request's context, carry the
// request's ids, as the API's own lines do: for handlers Site mounts beside the API.
func RequestLogger(logger *slog.Logger) *slog.Logger { return requestLogger(logger) }

// handlerFunc is an authenticated API handler: it returns an error instead of writing one. The
// handler makers (handle_*.go) return them; api wraps them into http.Handlers.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p *service.Principal) error

// api wraps an authenticated endpoint: Accept check, bearer auth, error rendering.
func (s *Server) api(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !acceptsHAL(r.Header.Values("Accept")) {
			writeJSON(w, http.StatusNotAcceptable, obj{"code": "InvalidVersion", "message": "Missing or invalid API version."})
			return
		}
		p, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		noteAccount(r.Context(), p.AccountID)
		ctx := context.WithValue(r.Context(), principalKey{}, p)
		if err := h(w, r.WithContext(ctx), p); err != nil {
			s.writeError(w, r, err)
		}
	})
}

type principalKey struct{}

// acceptsHAL reports whether an Accept header names Dwolla's versioned media type.
func acceptsHAL(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(mt), MediaType) {
				return true
			}
		}
	}
	return false
}

func (s *Server) authenticate(r *http.Request) (*service.Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, errInvalidCredentials
	}
	return s.auth(r.Context(), strings.TrimSpace(token))
}
