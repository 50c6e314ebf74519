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
// hrefs onto their own base) or a bare path.
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
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	return rest, true
}

// MustID returns the last segment of a path such as "/mass-payments/ID".
func MustID(path string) string { return path[strings.LastIndex(path, "/")+1:] }

// MassPaymentUpdateInput is a POST /mass-payments/{id} body as decoded: only status may be sent.
type MassPaymentUpdateInput struct {
	Keys   Keys
	Status string `json:"status"`
}

// Validate checks the update: no member but status, and a status a client may ask for (pending
// to process a deferred mass payment, cancelled to drop it).
func (in *MassPaymentUpdateInput) Validate(f *Fields) {
	for _, k := range in.Keys {
		if k != "status" {
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
