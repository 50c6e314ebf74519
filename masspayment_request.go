package masspay

import (
	"fmt"
	"net/url"
	"strings"
)

// MassPaymentInput is a POST /mass-payments body as decoded: every value as the client sent it,
// not yet judged.
type MassPaymentInput struct {
	Links struct {
		Source Href `json:"source"`
	} `json:"_links"`
	Items         *[]ItemInput      `json:"items,max=5000"` // nil: absent; longer than MaxItems: not decoded
	Status        string            `json:"status"`
	Metadata      map[string]string `json:"metadata"`
	CorrelationID string            `json:"correlationId"`
	Clearing      struct {
		Source string `json:"source"`
	} `json:"clearing"`
	ACHDetails struct {
		Source AddendaInput `json:"source"`
	} `json:"achDetails"`
}

// AddendaInput is achDetails.<side> of a request: addenda.values, nil when absent.
type AddendaInput struct {
	Addenda struct {
		Values *[]string `json:"values"`
	} `json:"addenda"`
}

// ItemInput is one item of a MassPaymentInput.
type ItemInput struct {
	Links struct {
		Destination Href `json:"destination"`
	} `json:"_links"`
	Amount struct {
		Value    *AmountText `json:"value"`
		Currency string      `json:"currency"`
	} `json:"amount"`
	Metadata      map[string]string `json:"metadata"`
	CorrelationID string            `json:"correlationId"`
	Clearing      struct {
		Source      any    `json:"source"` // not allowed on an item, whatever its value
		Destination string `json:"destination"`
	} `json:"clearing"`
	ACHDetails struct {
		Destination AddendaInput `json:"destination"`
	} `json:"achDetails"`
	ProcessingChannel struct {
		Destination string `json:"destination"`
	} `json:"processingChannel"`
}

// MassPaymentRequest is a validated mass payment request: amounts in cents, ids extracted.
type MassPaymentRequest struct {
	SourceID       string
	Deferred       bool
	Metadata       map[string]string
	CorrelationID  string
	ClearingSource string
	Addenda        string
	Items          []*Item
	Total          int64
}

// Validate judges every field of in, collecting every problem with its JSON-pointer path into f,
// and returns the request when there is none. itemLimit is the largest amount of one item.
func (in *MassPaymentInput) Validate(itemLimit int64, f *Fields) *MassPaymentRequest {
	req := &MassPaymentRequest{Metadata: in.Metadata, CorrelationID: in.CorrelationID, ClearingSource: in.Clearing.Source}
	if href := in.Links.Source.Href; href == "" {
		f.Add(FCodeRequired, "/_links/source/href", "Source required.")
	} else if id, ok := HrefID(href, "funding-sources"); ok {
		req.SourceID = id
	} else {
		f.Add(FCodeInvalidFormat, "/_links/source/href", "Source must be a funding source URL (.../funding-sources/{id}).")
	}
	switch in.Status {
	case "":
	case string(MassPaymentDeferred):
		req.Deferred = true
	default:
		f.Add(FCodeInvalid, "/status", "Invalid status. The only status allowed at creation is deferred.")
	}
	validMetadata(in.Metadata, "/metadata", f)
	if in.CorrelationID != "" && !ValidCorrelationID(in.CorrelationID) {
		f.Add(FCodeInvalidFormat, "/correlationId", "Correlation id must be at least one character and up to 255 characters when supplied.")
	}
	switch in.Clearing.Source {
	case "", "standard", "next-available":
	default:
		f.Add(FCodeInvalid, "/clearing/source", "Invalid clearing type. Allowed types are standard, next-available.")
	}
	req.Addenda = in.ACHDetails.Source.valid("/achDetails/source/addenda/values", f)
	switch {
	case in.Items == nil:
		f.Add(FCodeRequired, "/items", "Items required.")
		return nil
	case len(*in.Items) == 0:
		f.Add(FCodeInvalid, "/items", "Items must contain at least one item.")
		return nil
	case len(*in.Items) > MaxItems:
		f.Add(FCodeInvalid, "/items", "Items exceeded maximum count of %d.", MaxItems)
		return nil
	}
	items := *in.Items
	req.Items = make([]*Item, len(items))
	for i := range items {
		it := &items[i]
		p := fmt.Sprintf("/items/%d", i)
		item := &Item{Idx: i, Metadata: it.Metadata, CorrelationID: it.CorrelationID, Status: ItemPending,
			ClearingDestination: it.Clearing.Destination, ProcessingChannel: it.ProcessingChannel.Destination}
		req.Items[i] = item
		if href := it.Links.Destination.Href; href == "" {
			f.Add(FCodeRequired, p+"/_links/destination/href", "Destination required.")
		} else if id, ok := HrefID(href, "funding-sources"); ok {
			item.DestinationID = id
		} else {
			f.Add(FCodeInvalidFormat, p+"/_links/destination/href", "Destination must be a funding source URL (.../funding-sources/{id}).")
		}
		switch {
		case it.Amount.Value == nil:
			f.Add(FCodeRequired, p+"/amount/value", "Amount required.")
		default:
			cents, err := ParseAmount(string(*it.Amount.Value))
			switch {
			case err != nil || cents == 0:
				f.Add(FCodeInvalidFormat, p+"/amount/value", "Invalid amount. The supplied amount must be a positive number.")
			case cents > itemLimit:
				f.Add(FCodeInvalid, p+"/amount/value", "Invalid amount. The supplied amount is greater than your transaction limit.")
			default:
				item.Amount = cents
				req.Total += cents
			}
		}
		switch it.Amount.Currency {
		case Currency:
		case "":
			f.Add(FCodeRequired, p+"/amount/currency", "Currency required.")
		default:
			f.Add(FCodeInvalid, p+"/amount/currency", "Invalid currency. The only currency supported is USD.")
		}
		validMetadata(it.Metadata, p+"/metadata", f)
		if it.CorrelationID != "" && !ValidCorrelationID(it.CorrelationID) {
			f.Add(FCodeInvalidFormat, p+"/correlationId", "Invalid job item correlation ID.")
		}
		if it.Clearing.Source != nil {
			f.Add(FCodeNotAllowed, p+"/clearing/source", "Source clearing is not allowed on an item; set clearing.source on the mass payment.")
		}
		if d := it.Clearing.Destination; d != "" && d != "next-available" {
			f.Add(FCodeInvalid, p+"/clearing/destination", "Invalid clearing type. The only destination clearing type allowed is next-available.")
		}
		item.Addenda = it.ACHDetails.Destination.valid(p+"/achDetails/destination/addenda/values", f)
		switch it.ProcessingChannel.Destination {
		case "", "instant", "real-time-payments":
		default:
			f.Add(FCodeInvalid, p+"/processingChannel/destination", "Invalid processing channel. Allowed values are instant, real-time-payments.")
		}
	}
	if len(*f) > 0 {
		return nil
	}
	return req
}

// Metadata limits: at most 10 pairs, keys and values under 255 characters (Dwolla).
const (
	maxMetadataPairs = 10
	maxMetadataLen   = 254
)

func validMetadata(m map[string]string, path string, f *Fields) {
	if m == nil {
		return
	}
	ok := len(m) <= maxMetadataPairs
	for k, v := range m {
		if k == "" || len([]rune(k)) > maxMetadataLen || len([]rune(v)) > maxMetadataLen {
			ok = false
		}
	}
	if !ok {
		f.Add(FCodeInvalid, path, "Invalid metadata. Metadata holds at most %d pairs; keys and values are under 255 characters.", maxMetadataPairs)
	}
}

// valid checks addenda values when they were sent: exactly one value of at most 80 characters
// from NACHA's allowed set. It returns the value.
func (a AddendaInput) valid(path string, f *Fields) string {
	if a.Addenda.Values == nil {
		return ""
	}
	values := *a.Addenda.Values
	if len(values) != 1 || len(values[0]) == 0 || len(values[0]) > 80 || !addendaChars(values[0]) {
		f.Add(FCodeInvalidFormat, path, "Ach addenda entries can be up to 80 characters when supplied.")
		return ""
	}
	return values[0]
}

func addendaChars(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune(" -_.~!*'();:@&=+$,/?%#[]", r):
		default:
			return false
		}
	}
	return true
}

// HrefID extracts the id from an href to /<collection>/<id>, absolute (any host: SDKs re-root
// hrefs onto their own base) or a bare path. An id is always ValidText.
func HrefID(href, collection string) (string, bool) {
	path := href
	if strings.Contains(href, "://") {
		u, err := url.Parse(href)
		if err != nil {
			return "", false
		}
		path = u.Path
	}
	rest, ok := strings.CutPrefix(strings.TrimSuffix(path, "/"), "/"+collection+"/")
	if !ok || rest == "" || strings.Contains(rest, "/") || !ValidText(rest) {
		return "", false
	}
	return rest, true
}

// MustID returns the last segment of a path such as "/mass-payments/ID".
func MustID(path string) string { return path[strings.LastIndex(path, "/")+1:] }

// MassPaymentUpdateInput is a POST /mass-payments/{id} body as decoded: only status may be
// changed. Clients that send the resource back (the community Go client echoes total and
// totalFees, empty) may send its read-only members too: a member empty or equal to the mass
// payment's is ignored, any other value refused (docs/compatibility.md).
type MassPaymentUpdateInput struct {
	Keys   Keys
	Status string `json:"status"`
	// The read-only members, as sent (ReadOnlyChanges judges them).
	ID            any `json:"id"`
	Created       any `json:"created"`
	Total         any `json:"total"`
	TotalFees     any `json:"totalFees"`
	CorrelationID any `json:"correlationId"`
	Metadata      any `json:"metadata"`
	Links         any `json:"_links"`
	Embedded      any `json:"_embedded"`
	ItemCounts    any `json:"itemCounts"`
	Clearing      any `json:"clearing"`
	ACHDetails    any `json:"achDetails"`
}

// massPaymentReadOnly are the members of a mass payment a client may echo back in an update.
var massPaymentReadOnly = map[string]bool{"id": true, "created": true, "total": true, "totalFees": true,
	"correlationId": true, "metadata": true, "_links": true, "_embedded": true, "itemCounts": true,
	"clearing": true, "achDetails": true}

// Validate checks the update: no member but status and the read-only ones, and a status a client
// may ask for (pending to process a deferred mass payment, cancelled to drop it).
func (in *MassPaymentUpdateInput) Validate(f *Fields) {
	for _, k := range in.Keys {
		if k != "status" && !massPaymentReadOnly[k] {
			f.Add(FCodeNotAllowed, Pointer("", k), "Only status can be updated on a mass payment.")
		}
	}
	switch {
	case len(*f) > 0:
	case in.Status == "":
		f.Add(FCodeRequired, "/status", "Status required.")
	case MassPaymentStatus(in.Status) != MassPaymentPending && MassPaymentStatus(in.Status) != MassPaymentCancelled:
		f.Add(FCodeInvalid, "/status", "Invalid status. Allowed types are pending, cancelled.")
	}
}

// ReadOnlyChanges reports, as NotAllowed, each read-only member of the update that is neither
// empty (absent, null, "", or an object or array of empty values) nor equal to mp's own: id,
// correlationId, metadata, total and totalFees are compared; the others (links, counts, dates,
// clearing) are accepted only empty.
func (in *MassPaymentUpdateInput) ReadOnlyChanges(mp *MassPayment, f *Fields) {
	check := func(key string, v any, same func(any) bool) {
		if !emptyJSON(v) && (same == nil || !same(v)) {
			f.Add(FCodeNotAllowed, "/"+key, "Only status can be updated on a mass payment.")
		}
	}
	check("id", in.ID, func(v any) bool { return v == mp.ID })
	check("correlationId", in.CorrelationID, func(v any) bool { return v == mp.CorrelationID })
	check("metadata", in.Metadata, func(v any) bool { return sameMetadata(v, mp.Metadata) })
	check("total", in.Total, func(v any) bool { return sameAmount(v, mp.Total) })
	check("totalFees", in.TotalFees, func(v any) bool { return sameAmount(v, 0) })
	check("created", in.Created, nil)
	check("_links", in.Links, nil)
	check("_embedded", in.Embedded, nil)
	check("itemCounts", in.ItemCounts, nil)
	check("clearing", in.Clearing, nil)
	check("achDetails", in.ACHDetails, nil)
}

// emptyJSON reports whether a decoded JSON value carries nothing: null, "", or an object or
// array whose values are all empty.
func emptyJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case map[string]any:
		for _, e := range x {
			if !emptyJSON(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !emptyJSON(e) {
				return false
			}
		}
		return true
	}
	return false
}

// sameAmount reports whether v is the amount object {"value": ..., "currency": "USD"} of cents.
func sameAmount(v any, cents int64) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 2 || m["currency"] != Currency {
		return false
	}
	var text string
	switch x := m["value"].(type) {
	case string:
		text = x
	case fmt.Stringer: // a JSON number's literal text
		text = x.String()
	}
	c, err := ParseAmount(text)
	return err == nil && c == cents
}

// sameMetadata reports whether v is the object of exactly the pairs of md.
func sameMetadata(v any, md map[string]string) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != len(md) {
		return false
	}
	for k, x := range m {
		if got, ok := md[k]; !ok || x != any(got) {
			return false
		}
	}
	return true
}
