package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"masspay"
)

// MediaType is Dwolla's versioned HAL media type, used for every response but /token's.
const MediaType = "application/vnd.dwolla.v1.hal+json"

// link is a HAL link object.
type link struct {
	Href         string `json:"href"`
	Type         string `json:"type,omitempty"`
	ResourceType string `json:"resource-type,omitempty"`
}

type links map[string]link

// obj is a JSON object rendered in key order by encoding/json.
type obj = map[string]any

// hal renders resources as HAL documents whose hrefs are absolute, built from the public URL.
type hal struct {
	base string // the public URL, without a trailing slash
}

func newHAL(publicURL string) hal { return hal{base: strings.TrimSuffix(publicURL, "/")} }

// link returns an absolute HAL link to path.
func (h hal) link(path, resourceType string) link {
	return link{Href: h.base + path, Type: MediaType, ResourceType: resourceType}
}

// money renders cents as Dwolla's amount object.
func money(cents int64) obj {
	return obj{"value": masspay.FormatAmount(cents), "currency": masspay.Currency}
}

// annotate adds a resource's client-given metadata and correlationId to its document, each
// only when it has one.
func annotate(out obj, metadata map[string]string, correlationID string) {
	if len(metadata) > 0 {
		out["metadata"] = metadata
	}
	if correlationID != "" {
		out["correlationId"] = correlationID
	}
}

// addenda renders one side of achDetails.
func addenda(value string) obj { return obj{"addenda": obj{"values": []string{value}}} }

// timestamp renders t as RFC 3339 in UTC with milliseconds, as Dwolla does.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// writeJSON writes v with the HAL media type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":"ServerError","message":"A server error occurred."}`)
	}
	w.Header().Set("Content-Type", MediaType)
	w.WriteHeader(status)
	w.Write(b)
}

// created answers 201 with an empty body and an absolute Location.
func (h hal) created(w http.ResponseWriter, path string) {
	w.Header().Set("Location", h.base+path)
	w.Header().Set("Content-Type", MediaType)
	w.WriteHeader(http.StatusCreated)
}

// collection renders a HAL collection with paging links: first and last always, next and prev
// when those pages exist. Other query parameters (filters) are kept on every link.
func (h hal) collection(r *http.Request, path, embedName string, p masspay.Page, total int, items []obj) obj {
	qs := r.URL.Query()
	at := func(offset int) link {
		v := url.Values{}
		for k, vals := range qs {
			if k != "limit" && k != "offset" {
				v[k] = vals
			}
		}
		v.Set("limit", strconv.Itoa(p.Limit))
		v.Set("offset", strconv.Itoa(offset))
		return link{Href: h.base + path + "?" + v.Encode(), Type: MediaType, ResourceType: embedName}
	}
	last := 0
	if total > 0 {
		last = (total - 1) / p.Limit * p.Limit
	}
	l := links{"self": at(p.Offset), "first": at(0), "last": at(last)}
	if p.Offset+p.Limit < total {
		l["next"] = at(p.Offset + p.Limit)
	}
	if p.Offset > 0 {
		l["prev"] = at(max(0, p.Offset-p.Limit))
	}
	if items == nil {
		items = []obj{}
	}
	return obj{"_links": l, "_embedded": obj{embedName: items}, "total": total}
}

// writeList renders list, one page of a total, as a HAL collection at path.
func writeList[T any](h hal, w http.ResponseWriter, r *http.Request, path, embedName string, p masspay.Page, total int, list []T, render func(T) obj) {
	items := make([]obj, len(list))
	for i, v := range list {
		items[i] = render(v)
	}
	writeJSON(w, http.StatusOK, h.collection(r, path, embedName, p, total, items))
}
