// Package client calls a Dwolla v2 API, masspay's or Dwolla's own, using only what Dwolla
// documents: an application token from client credentials, HAL+JSON resources, Dwolla's error
// envelope (decoded into *Error), creates answered by 201 and a Location, Idempotency-Key, and
// paged lists. It is what `masspay pay` and its sibling commands talk through.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MediaType is Dwolla's media type, sent as Accept on every API call.
const MediaType = "application/vnd.dwolla.v1.hal+json"

// Client is one application's session with the API. It is safe for concurrent use.
type Client struct {
	base   *url.URL
	key    string
	secret string
	// HTTP sends the requests; New sets one with a 60 s timeout.
	HTTP *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

// New returns a client of the API at base (e.g. https://api-sandbox.dwolla.com) holding the
// application's key and secret. No request is sent until one is needed.
func New(base, key, secret string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("API URL %q: want http(s)://host[:port], e.g. https://api-sandbox.dwolla.com", base)
	}
	return &Client{base: u, key: key, secret: secret, HTTP: &http.Client{Timeout: 60 * time.Second}}, nil
}

// Base returns the API's base URL, without a trailing slash.
func (c *Client) Base() string { return c.base.String() }

// Href turns a path ("/funding-sources/ID") into an absolute href under the client's base.
func (c *Client) Href(path string) string { return c.base.String() + "/" + strings.TrimLeft(path, "/") }

// resolve makes the URL to call for href. Like Dwolla's SDKs, it re-roots an absolute href onto
// the client's base: the server may name itself differently (a --public-url, a proxy) than the
// address this client reaches it at.
func (c *Client) resolve(href string) string {
	if !strings.Contains(href, "://") {
		return c.Href(href)
	}
	u, err := url.Parse(href)
	if err != nil {
		return href
	}
	r := *c.base
	r.Path = strings.TrimRight(c.base.Path, "/") + u.Path
	r.RawQuery = u.RawQuery
	return r.String()
}

// Token fetches an application token if the client holds none that is still fresh. Calling it
// first checks the credentials before anything else is done.
func (c *Client) Token(ctx context.Context) error {
	_, err := c.bearer(ctx, false)
	return err
}

func (c *Client) bearer(ctx context.Context, renew bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !renew && c.token != "" && time.Now().Before(c.expires) {
		return c.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Href("/token"), strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(c.key, c.secret)
	status, _, body, err := c.send(req)
	if err != nil {
		return "", err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if jerr := json.Unmarshal(body, &tok); jerr != nil || status >= 400 || tok.Error != "" || tok.AccessToken == "" {
		e := &Error{Status: status, Code: tok.Error, Message: tok.Description}
		if jerr != nil || (e.Code == "" && status < 400) {
			e.Code, e.Message = "BadResponse", fmt.Sprintf("POST /token answered %d without a token", status)
		}
		if e.Code == "" {
			decodeError(status, body, e)
		}
		return "", e
	}
	// Renew a minute early, as Dwolla's SDKs do, so a token never expires mid-call.
	life := time.Duration(tok.ExpiresIn)*time.Second - time.Minute
	if life < 10*time.Second {
		life = 10 * time.Second
	}
	c.token, c.expires = tok.AccessToken, time.Now().Add(life)
	return c.token, nil
}

// Do calls method href with body (nil or a value encoded as JSON) and extra headers (name,
// value pairs). It returns the status and headers of a success (status < 400) and decodes its
// JSON body into out when out is not nil; an error answer is returned as *Error, a failure to
// reach the API as *UnreachableError.
func (c *Client) Do(ctx context.Context, method, href string, body, out any, headers ...string) (int, http.Header, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	renewed := false
	for attempt := 0; ; attempt++ {
		tok, err := c.bearer(ctx, false)
		if err != nil {
			return 0, nil, err
		}
		req, err := http.NewRequestWithContext(ctx, method, c.resolve(href), bytes.NewReader(payload))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Accept", MediaType)
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		status, hdr, resBody, err := c.send(req)
		if err != nil {
			return 0, nil, err
		}
		if status < 400 {
			if out != nil && len(resBody) > 0 {
				if err := json.Unmarshal(resBody, out); err != nil {
					return status, hdr, &Error{Status: status, Code: "BadResponse",
						Message: fmt.Sprintf("%s %s answered with a body that is not the expected JSON: %v", method, href, err)}
				}
			}
			return status, hdr, nil
		}
		e := &Error{Status: status}
		decodeError(status, resBody, e)
		switch {
		case status == http.StatusUnauthorized && !renewed && (e.Code == "ExpiredAccessToken" || e.Code == "InvalidAccessToken"):
			// The token ran out between calls: one fresh token, then the same request again.
			renewed = true
			c.mu.Lock()
			c.token = ""
			c.mu.Unlock()
			continue
		case (status == http.StatusTooManyRequests || status == http.StatusConflict) && attempt < 5:
			// 429: Dwolla's rate limit. 409: the same Idempotency-Key is still in flight (a
			// request of an earlier run the server has not finished). Both pass with time.
			if err := Sleep(ctx, retryAfter(hdr, attempt)); err != nil {
				return 0, nil, err
			}
			continue
		}
		return status, hdr, e
	}
}

// send performs one request and reads the whole answer.
func (c *Client) send(req *http.Request) (int, http.Header, []byte, error) {
	res, err := c.HTTP.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return 0, nil, nil, ctxErr
		}
		return 0, nil, nil, &UnreachableError{URL: c.base.String(), Err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, nil, &UnreachableError{URL: c.base.String(), Err: err}
	}
	return res.StatusCode, res.Header, b, nil
}

func retryAfter(h http.Header, attempt int) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 && s <= 30 {
		return time.Duration(s) * time.Second
	}
	return time.Duration(attempt+1) * 500 * time.Millisecond
}

// Sleep waits for d, or until ctx is done (and then returns its error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Get calls GET href with query parameters and decodes the resource into out.
func (c *Client) Get(ctx context.Context, href string, query url.Values, out any) error {
	if len(query) > 0 {
		sep := "?"
		if strings.Contains(href, "?") {
			sep = "&"
		}
		href += sep + query.Encode()
	}
	_, _, err := c.Do(ctx, http.MethodGet, href, nil, out)
	return err
}

// Create POSTs body to path under an Idempotency-Key (none when key is "") and returns the
// Location of the resource: the new one, or, for a replayed key, the one the first request made.
func (c *Client) Create(ctx context.Context, path string, body any, key string) (string, error) {
	var hdr []string
	if key != "" {
		hdr = []string{"Idempotency-Key", key}
	}
	status, h, err := c.Do(ctx, http.MethodPost, path, body, nil, hdr...)
	if err != nil {
		return "", err
	}
	loc := h.Get("Location")
	if status != http.StatusCreated || loc == "" {
		return "", &Error{Status: status, Code: "BadResponse", Message: fmt.Sprintf("POST %s answered %d without a Location", path, status)}
	}
	return loc, nil
}

// Error is an error answer of the API: Dwolla's envelope ({code, message, _embedded.errors}) or,
// from /token, an OAuth error ({error, error_description}).
type Error struct {
	Status  int
	Code    string
	Message string
	Errors  []FieldError
}

// FieldError is one entry of a ValidationError, or the reason a mass payment item failed.
type FieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Path    string `json:"path"`
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.Status, e.Code)
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for i, f := range e.Errors {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s %s: %s", f.Path, f.Code, f.Message)
		if i == len(e.Errors)-1 {
			b.WriteString(")")
		}
	}
	return b.String()
}

// Unauthorized reports whether the API refused the credentials or the token.
func (e *Error) Unauthorized() bool {
	return e.Status == http.StatusUnauthorized || strings.HasPrefix(e.Code, "invalid_client") || e.Code == "unauthorized_client"
}

// decodeError fills e from an error body, whichever of the two shapes it has.
func decodeError(status int, body []byte, e *Error) {
	var env struct {
		Code        string `json:"code"`
		Message     string `json:"message"`
		OAuth       string `json:"error"`
		Description string `json:"error_description"`
		Embedded    struct {
			Errors []FieldError `json:"errors"`
		} `json:"_embedded"`
	}
	if json.Unmarshal(body, &env) != nil || (env.Code == "" && env.OAuth == "") {
		e.Code = http.StatusText(status)
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > 200 || strings.ContainsAny(e.Message, "\n<") {
			e.Message = "(a body that is not Dwolla's error envelope)"
		}
		return
	}
	e.Code, e.Message, e.Errors = env.Code, env.Message, env.Embedded.Errors
	if env.Code == "" {
		e.Code, e.Message = env.OAuth, env.Description
	}
}

// UnreachableError is a request that got no answer: nothing listens, the name does not resolve,
// the connection broke, or the answer took too long.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	cause := e.Err
	var op *net.OpError
	if errors.As(cause, &op) {
		cause = op.Err
	}
	var sys *os.SyscallError
	if errors.As(cause, &sys) {
		cause = sys.Err
	}
	var dns *net.DNSError
	if errors.As(e.Err, &dns) {
		cause = dns
	}
	if ne, ok := e.Err.(net.Error); ok && ne.Timeout() {
		cause = errors.New("no answer in time")
	}
	return fmt.Sprintf("cannot reach the API at %s: %v", e.URL, cause)
}

func (e *UnreachableError) Unwrap() error { return e.Err }
