package dashboard

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"masspay/service"
)

type signInView struct {
	Key    string
	Next   string
	CSRF   string
	Notice string
	Error  string
}

func (signInView) title() (string, string) { return "Sign in", "" }

// signInNotices are the reasons the sign-in page can give (a fixed set: nothing from the URL
// is shown as is).
var signInNotices = map[string]string{
	"expired":   "Your session expired. Sign in again to continue.",
	"signedout": "You are signed out.",
}

// safeNext keeps a post-sign-in destination only when it is a dashboard page of this site.
func safeNext(next string) string {
	if strings.HasPrefix(next, Prefix+"/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return Prefix + "/"
}

func (d *Dashboard) handleSignInForm(w http.ResponseWriter, r *http.Request) {
	if _, _, err := d.session(r); err == nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	d.signInPage(w, r, http.StatusOK, signInView{Next: r.URL.Query().Get("next"),
		Notice: signInNotices[r.URL.Query().Get("reason")]})
}

// signInPage renders the form with a fresh CSRF value, also set as a cookie: the POST must carry
// both, equal, which a page of another origin cannot arrange (login CSRF).
func (d *Dashboard) signInPage(w http.ResponseWriter, r *http.Request, status int, v signInView) {
	v.CSRF = newID()
	v.Next = safeNext(v.Next)
	d.setCookie(w, signinCookie, v.CSRF, time.Hour)
	d.render(w, r, status, "signin", nil, v)
}

// handleSignIn checks an application's key and secret with the same use case as POST /token and
// keeps the token it issues as the session, so the session lives as long as the token.
func (d *Dashboard) handleSignIn(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(signinCookie)
	if err != nil || !sameSecret(r.PostFormValue(csrfField), c.Value) {
		d.render(w, r, http.StatusForbidden, "error", nil, errorView{Title: "Form expired",
			Message: "The sign-in form was not sent from this site's sign-in page, or it is too old. Open the sign-in page again."})
		return
	}
	key, secret, next := strings.TrimSpace(r.PostFormValue("key")), r.PostFormValue("secret"), r.PostFormValue("next")
	token, ttl, err := d.svc.IssueTokenFrom(r.Context(), r.RemoteAddr, key, secret)
	if throttled, ok := errors.AsType[*service.ThrottledError](err); ok {
		// The API's token throttle: guesses here and at POST /token are counted together.
		secs := throttled.RetryAfter()
		w.Header().Set("Retry-After", secs)
		d.signInPage(w, r, http.StatusTooManyRequests, signInView{Key: key, Next: next,
			Error: "Too many failed sign-ins from this address or for this key. Wait " + secs + " seconds, then try again."})
		return
	}
	if errors.Is(err, service.ErrInvalidClient) || (err == nil && key == "") {
		d.signInPage(w, r, http.StatusUnauthorized, signInView{Key: key, Next: next,
			Error: "The key and secret do not match an application. Use the key and secret printed by `masspay serve` or `masspay apps create`."})
		return
	}
	if err != nil {
		d.fail(w, r, nil, err)
		return
	}
	d.clearCookie(w, signinCookie)
	d.setCookie(w, sessionCookie, token, ttl)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// handleSignOut revokes the session's token, so the cookie is worthless even if it was copied.
func (d *Dashboard) handleSignOut(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := d.svc.RevokeToken(r.Context(), s.token); err != nil {
		return err
	}
	d.clearCookie(w, sessionCookie)
	http.Redirect(w, r, Prefix+"/signin?reason=signedout", http.StatusSeeOther)
	return nil
}
