// Package httpapi is masspay's Dwolla-compatible HTTP surface: routing, the Accept and
// Content-Type conventions, OAuth2 client credentials, HAL rendering and Dwolla's error envelope.
package httpapi

import (
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
}

// Server serves the API.
type Server struct {
	svc    *service.Service
	logger *slog.Logger
	base   string
	ready  func() bool
	// readiness is Config.Readiness.
	readiness func(ctx context.Context) error
	observer  Observer
	mux       router
}

// router is the ServeMux, remembering the patterns registered on it (docs and tests compare
// them with Dwolla's spec).
type router struct {
	*http.ServeMux
	patterns *[]string
}

func (m router) Handle(pattern string, h http.Handler) {
	*m.patterns = append(*m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// Patterns returns the "METHOD /path" patterns the API serves.
func (s *Server) Patterns() []string { return append([]string(nil), *s.mux.patterns...) }

// New returns the API's handler.
func New(cfg Config, svc *service.Service, logger *slog.Logger) *Server {
	s := &Server{svc: svc, logger: requestLogger(logger), base: strings.TrimSuffix(cfg.PublicURL, "/"), ready: cfg.Ready,
		readiness: cfg.Readiness, observer: cfg.Observer, mux: router{http.NewServeMux(), new([]string)}}
	if s.ready == nil {
		s.ready = func() bool { return true }
	}
	if s.readiness == nil {
		s.readiness = func(context.Context) error { return nil }
	}
	if s.observer == nil {
		s.observer = nopObserver{}
	}
	s.routes()
	return s
}

// ServeHTTP runs the middleware chain and the router.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.withRequest(s.recoverer(s.mux)).ServeHTTP(w, r)
}

// handlerFunc is an authenticated API handler: it returns an error instead of writing one.
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
	return s.svc.Authenticate(r.Context(), strings.TrimSpace(token))
}
