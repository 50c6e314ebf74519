package httpapi

import (
	"context"
	"net/http"

	"masspay/service"
)

// byID is a use case on one resource of the caller, named by its id.
type byID[T any] func(ctx context.Context, p *service.Principal, id string) (T, error)

// handleByID serves a route whose answer is one resource: do runs on the path's {id} and render
// shows the result with 200 (GET /transfers/{id}, DELETE /webhook-subscriptions/{id}...).
func handleByID[T any](do byID[T], render func(T) obj) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		v, err := do(r.Context(), p, r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, render(v))
		return nil
	}
}
