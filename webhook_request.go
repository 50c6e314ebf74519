package masspay

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// WebhookSubscriptionInput is a POST /webhook-subscriptions body as decoded.
type WebhookSubscriptionInput struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
}

// Validate checks a new subscription: an absolute http(s) URL and a secret of at most 128
// characters.
func (in *WebhookSubscriptionInput) Validate(f *Fields) {
	switch {
	case in.URL == "":
		f.Add(FCodeRequired, "/url", "Url required.")
	case !validWebhookURL(in.URL):
		f.Add(FCodeInvalidFormat, "/url", "Url must be a valid url.")
	}
	switch {
	case in.Secret == "":
		f.Add(FCodeRequired, "/secret", "Secret required.")
	case utf8.RuneCountInString(in.Secret) > 128:
		f.Add(FCodeInvalidFormat, "/secret", "Secret must be 128 or fewer characters.")
	}
}

// validWebhookURL accepts absolute http and https URLs with a host.
func validWebhookURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || strings.ContainsAny(raw, " \t\r\n") {
		return false
	}
	return u.Scheme == "http" || u.Scheme == "https"
}

// WebhookSubscriptionUpdateInput is a POST /webhook-subscriptions/{id} body as decoded.
type WebhookSubscriptionUpdateInput struct {
	Paused *bool `json:"paused"`
}

// Validate checks that the update says whether the subscription is paused.
func (in *WebhookSubscriptionUpdateInput) Validate(f *Fields) {
	if in.Paused == nil {
		f.Add(FCodeRequired, "/paused", "Paused required.")
	}
}
