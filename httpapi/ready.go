package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// handleReadyz answers 200 when the server is up and check passes (the store answers a query
// and its schema is current), 503 otherwise: a load balancer sends traffic only to a node that
// can serve it. The reason is logged, never shown.
func handleReadyz(logger *slog.Logger, up func() bool, check func(context.Context) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up() {
			writeJSON(w, http.StatusServiceUnavailable, obj{"status": "starting"})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := check(ctx); err != nil {
			logger.WarnContext(r.Context(), "not ready", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, obj{"status": "unavailable"})
			return
		}
		writeJSON(w, http.StatusOK, obj{"status": "ready"})
	})
}
