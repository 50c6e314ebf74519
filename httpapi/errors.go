package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/google/uuid"

	"masspay"
)

// statusOf is the one table from Dwolla error codes to HTTP statuses.
var statusOf = map[string]int{
	masspay.ECodeBadRequest:           http.StatusBadRequest,
	masspay.ECodeValidation:           http.StatusBadRequest,
	masspay.ECodeDuplicateResource:    http.StatusBadRequest,
	masspay.ECodeMaxResources:         http.StatusBadRequest,
	masspay.ECodeNotFound:             http.StatusNotFound,
	masspay.ECodeForbidden:            http.StatusForbidden,
	masspay.ECodeInvalidResourceState: http.StatusForbidden,
	masspay.ECodeConflict:             http.StatusConflict,
	"InvalidCredentials":              http.StatusUnauthorized,
	"InvalidAccessToken":              http.StatusUnauthorized,
	"ExpiredAccessToken":              http.StatusUnauthorized,
	"InvalidVersion":                  http.StatusNotAcceptable,
	"MethodNotAllowed":                http.StatusMethodNotAllowed,
	"UnsupportedMediaType":            http.StatusUnsupportedMediaType,
	codeRequestTooLarge:               http.StatusRequestEntityTooLarge,
	codeTooManyRequests:               http.StatusTooManyRequests,
}

// writeError renders err in Dwolla's envelope. Anything that is not a *masspay.Error is an
// internal failure: it is logged with an error ID and the client sees only that ID.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := errors.AsType[*masspay.Error](err)
	if !ok {
		id := uuid.NewString()
		s.logger.ErrorContext(r.Context(), "request failed", slog.String("error_id", id), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Any("error", err))
		writeJSON(w, http.StatusInternalServerError, obj{"code": masspay.ECodeInternal,
			"message": "A server error occurred. Error ID: " + id})
		return
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusBadRequest
	}
	body := obj{"code": e.Code, "message": e.Message}
	if e.Code == masspay.ECodeValidation {
		errs := make([]obj, len(e.Fields))
		for i, f := range e.Fields {
			errs[i] = obj{"code": f.Code, "message": f.Message, "path": f.Path, "_links": obj{}}
		}
		body["_embedded"] = obj{"errors": errs}
	}
	if e.About != "" {
		body["_links"] = links{"about": s.link(e.About, resourceTypeOf(e.About))}
	}
	writeJSON(w, status, body)
}

// badRequest is Dwolla's BadRequest error with a specific message.
func badRequest(format string, args ...any) error {
	return masspay.Errorf(masspay.ECodeBadRequest, format, args...)
}
