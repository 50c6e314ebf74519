package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"masspay"
	"masspay/service"
)

// codeTooManyRequests is Dwolla's code of a 429.
const codeTooManyRequests = "TooManyRequests"

// handleToken is OAuth2 client credentials. The key and secret arrive as HTTP Basic (Dwolla's
// docs, the Ruby and TypeScript SDKs), as form fields (the Node, Python and C# SDKs) or, as the
// legacy docs allowed, in a JSON body. Answers are application/json in the OAuth shape: SDKs
// detect failure by an "error" key, so a success never carries one and a failure always does.
// Failed attempts are throttled per client address and per key (service.IssueTokenFrom).
func handleToken(
	logger *slog.Logger,
	issueToken func(ctx context.Context, remoteAddr, key, secret string) (string, time.Duration, error),
) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		oauthError := func(status int, code, desc string) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
		}
		form := map[string]string{}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mt {
		case "application/json":
			var body map[string]any
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				oauthError(http.StatusBadRequest, "invalid_request", "The request body is not valid JSON.")
				return
			}
			for k, v := range body {
				if s, ok := v.(string); ok {
					form[k] = s
				}
			}
		default:
			if err := r.ParseForm(); err != nil {
				oauthError(http.StatusBadRequest, "invalid_request", "The request body could not be parsed.")
				return
			}
			for k := range r.PostForm {
				form[k] = r.PostForm.Get(k)
			}
		}
		if gt := form["grant_type"]; gt != "client_credentials" {
			if gt == "" {
				oauthError(http.StatusBadRequest, "invalid_request", "grant_type is required.")
			} else {
				oauthError(http.StatusBadRequest, "unsupported_grant_type", "Only grant_type=client_credentials is supported.")
			}
			return
		}
		key, secret, basic := r.BasicAuth()
		if !basic {
			key, secret = form["client_id"], form["client_secret"]
		}
		if strings.TrimSpace(key) == "" || secret == "" {
			oauthError(http.StatusUnauthorized, "invalid_client", "Missing client credentials.")
			return
		}
		if !masspay.ValidText(key) || !masspay.ValidText(secret) {
			oauthError(http.StatusUnauthorized, "invalid_client", "Invalid client credentials.")
			return
		}
		token, ttl, err := issueToken(r.Context(), r.RemoteAddr, key, secret)
		if throttled, ok := errors.AsType[*service.ThrottledError](err); ok {
			// Both shapes in one body: the OAuth error SDKs look for and Dwolla's envelope.
			secs := throttled.RetryAfter()
			w.Header().Set("Retry-After", secs)
			w.Header().Set("Cache-Control", "no-store")
			writeJSON(w, http.StatusTooManyRequests, obj{"code": codeTooManyRequests, "error": codeTooManyRequests,
				"message":           "Too many failed token requests. Please wait " + secs + " seconds before re-attempting the request.",
				"error_description": "Too many failed token requests."})
			return
		}
		if errors.Is(err, service.ErrInvalidClient) {
			oauthError(http.StatusUnauthorized, "invalid_client", "Invalid client credentials.")
			return
		}
		if err != nil {
			logger.ErrorContext(r.Context(), "issue token", "error", err)
			oauthError(http.StatusInternalServerError, "server_error", "A server error occurred.")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(map[string]any{"access_token": token, "token_type": "bearer", "expires_in": int(ttl.Seconds())})
	})
}
