package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/google/uuid"

	"masspay"
)

var errInvalidCredentials = &masspay.Error{Code: "InvalidCredentials", Message: "Missing or invalid Authorization header."}

// Observer receives one call per request, for metrics. route is the pattern that served it
// ("GET /mass-payments/{id}"), so its values are bounded by the route map. It must not block.
type Observer interface {
	ObserveRequest(route, method string, status int, took time.Duration)
}

type nopObserver struct{}

func (nopObserver) ObserveRequest(string, string, int, time.Duration) {}

// requestInfo is what the middleware knows about a request, shared through its context so that
// handlers (the account, once authenticated) and the log lines of the request can fill and read it.
type requestInfo struct {
	id        string
	accountID string
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return ri
}

// noteAccount records the authenticated account of the request, for its log lines.
func noteAccount(ctx context.Context, accountID string) {
	if ri := requestInfoFrom(ctx); ri != nil {
		ri.accountID = accountID
	}
}

// requestLogHandler adds the request id and account id of the request to every record logged
// with its context (logger.InfoContext(r.Context(), ...)), wherever in the request it is logged.
type requestLogHandler struct{ slog.Handler }

func (h requestLogHandler) Handle(ctx context.Context, rec slog.Record) error {
	if ri := requestInfoFrom(ctx); ri != nil {
		rec.AddAttrs(slog.String("request_id", ri.id))
		if ri.accountID != "" {
			rec.AddAttrs(slog.String("account_id", ri.accountID))
		}
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestLogHandler{h.Handler.WithAttrs(as)}
}

func (h requestLogHandler) WithGroup(name string) slog.Handler {
	return requestLogHandler{h.Handler.WithGroup(name)}
}

// requestLogger returns logger whose records carry the request's ids (see requestLogHandler).
func requestLogger(logger *slog.Logger) *slog.Logger {
	if _, ok := logger.Handler().(requestLogHandler); ok {
		return logger
	}
	return slog.New(requestLogHandler{logger.Handler()})
}

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rw *recorder) WriteHeader(status int) {
	if rw.status == 0 {
		rw.status = status
	}
	rw.ResponseWriter.WriteHeader(status)
}

func (rw *recorder) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += int64(n)
	return n, err
}

func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// withRequest gives every response an X-Request-Id, puts the request's ids in its context, and
// when the request is done logs one line for it (method, route, status, duration, size, ids:
// never a header or a body) and reports it to the observer.
func (s *Server) withRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{id: uuid.NewString()}
		w.Header().Set("X-Request-Id", ri.id)
		rw := &recorder{ResponseWriter: w}
		// The ServeMux sets Pattern on the request it is given: this one.
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ri))
		defer func() {
			took := time.Since(start)
			status := rw.status
			if status == 0 {
				status = http.StatusOK
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			s.observer.ObserveRequest(route, r.Method, status, took)
			s.logger.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method),
				slog.String("route", route), slog.Int("status", status), durationMS(took), slog.Int64("bytes", rw.bytes))
		}()
		next.ServeHTTP(rw, r)
	})
}

// durationMS is a duration in milliseconds, as every log line gives durations.
func durationMS(d time.Duration) slog.Attr {
	return slog.Float64("duration_ms", float64(d.Microseconds())/1000)
}

// recoverer turns a panic into a 500 that shows no internals.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger.ErrorContext(r.Context(), "panic", slog.String("stack", string(debug.Stack())))
				s.writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
