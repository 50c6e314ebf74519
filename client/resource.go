package client

import (
	"context"
	"net/url"
	"strconv"
	"strings"
)

// Link is a HAL link; only its href matters to a client.
type Link struct {
	Href string `json:"href"`
}

// Links are a resource's _links by relation.
type Links map[string]Link

// Href returns the href of relation rel, or "".
func (l Links) Href(rel string) string { return l[rel].Href }

// Money is Dwolla's amount: a decimal string and a currency.
type Money struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

// FundingSource is the part of a funding source resource a payer needs.
type FundingSource struct {
	Links   Links  `json:"_links"`
	ID      string `json:"id"`
	Status  string `json:"status"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Removed bool   `json:"removed"`
}

// MassPayment is a mass payment resource, and (with only Links, Items, Metadata and
// CorrelationID set) the body that creates one.
type MassPayment struct {
	Links         Links             `json:"_links"`
	ID            string            `json:"id,omitempty"`
	Status        string            `json:"status,omitempty"`
	Created       string            `json:"created,omitempty"`
	Total         *Money            `json:"total,omitempty"`
	Items         []Item            `json:"items,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	CorrelationID string            `json:"correlationId,omitempty"`
	// ItemCounts is masspay's extension of the resource (docs/compatibility.md): the items
	// pending, succeeded and failed so far, exact at every chunk's commit. Dwolla's resource has
	// no such field; nil then, and Counts asks the item list instead.
	ItemCounts *ItemCounts `json:"itemCounts,omitempty"`
}

// Mass payment statuses, in Dwolla's spelling.
const (
	StatusDeferred   = "deferred"
	StatusPending    = "pending"
	StatusProcessing = "processing"
	StatusComplete   = "complete"
	StatusCancelled  = "cancelled"
)

// Item statuses.
const (
	ItemPending = "pending"
	ItemSuccess = "success"
	ItemFailed  = "failed"
)

// ItemCounts are how many of a mass payment's items are in each status.
type ItemCounts struct {
	Pending int `json:"pending"`
	Success int `json:"success"`
	Failed  int `json:"failed"`
}

// Done is the number of items attempted so far.
func (n ItemCounts) Done() int { return n.Success + n.Failed }

// Item is a mass payment item resource, and (without ID, Status and Embedded, with only the
// destination link) an item of a create request.
type Item struct {
	Links             Links              `json:"_links"`
	ID                string             `json:"id,omitempty"`
	Status            string             `json:"status,omitempty"`
	Amount            Money              `json:"amount"`
	Metadata          map[string]string  `json:"metadata,omitempty"`
	CorrelationID     string             `json:"correlationId,omitempty"`
	Clearing          *ItemClearing      `json:"clearing,omitempty"`
	AchDetails        *ItemAchDetails    `json:"achDetails,omitempty"`
	ProcessingChannel *ProcessingChannel `json:"processingChannel,omitempty"`
	Embedded          *ItemEmbedded      `json:"_embedded,omitempty"`
}

// ItemClearing is an item's clearing (destination only: next-available).
type ItemClearing struct {
	Destination string `json:"destination"`
}

// ItemAchDetails carries an item's ACH addenda.
type ItemAchDetails struct {
	Destination struct {
		Addenda struct {
			Values []string `json:"values"`
		} `json:"addenda"`
	} `json:"destination"`
}

// NewAddenda returns ACH details carrying one addenda value.
func NewAddenda(v string) *ItemAchDetails {
	a := &ItemAchDetails{}
	a.Destination.Addenda.Values = []string{v}
	return a
}

// ProcessingChannel is an item's requested processing channel.
type ProcessingChannel struct {
	Destination string `json:"destination"`
}

// ItemEmbedded holds the reason a failed item failed.
type ItemEmbedded struct {
	Errors []FieldError `json:"errors"`
}

// Failure returns the first reason the item failed, or a zero FieldError.
func (it *Item) Failure() FieldError {
	if it.Embedded == nil || len(it.Embedded.Errors) == 0 {
		return FieldError{}
	}
	return it.Embedded.Errors[0]
}

// ID returns the last path segment of an href: the id of the resource it names.
func ID(href string) string {
	href, _, _ = strings.Cut(href, "?")
	return href[strings.LastIndex(href, "/")+1:]
}

// FundingSource gets the funding source at href.
func (c *Client) FundingSource(ctx context.Context, href string) (*FundingSource, error) {
	var fs FundingSource
	return &fs, c.Get(ctx, href, nil, &fs)
}

// MassPayment gets the mass payment at href.
func (c *Client) MassPayment(ctx context.Context, href string) (*MassPayment, error) {
	var mp MassPayment
	return &mp, c.Get(ctx, href, nil, &mp)
}

// list is a page of a collection.
type list[T any] struct {
	Embedded map[string][]T `json:"_embedded"`
	Total    int            `json:"total"`
}

// pageSize is Dwolla's largest page.
const pageSize = 200

// Items returns every item of the mass payment at mpHref, in the order the API lists them,
// only those of the given statuses when any are named.
func (c *Client) Items(ctx context.Context, mpHref string, statuses ...string) ([]Item, error) {
	var out []Item
	for {
		q := url.Values{"limit": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(len(out))}, "status": statuses}
		var page list[Item]
		if err := c.Get(ctx, mpHref+"/items", q, &page); err != nil {
			return nil, err
		}
		got := page.Embedded["items"]
		out = append(out, got...)
		if len(got) == 0 || len(out) >= page.Total {
			return out, nil
		}
	}
}

// ItemTotal returns how many items of the mass payment at mpHref have the given status.
func (c *Client) ItemTotal(ctx context.Context, mpHref, status string) (int, error) {
	var page list[Item]
	err := c.Get(ctx, mpHref+"/items", url.Values{"limit": {"1"}, "status": {status}}, &page)
	return page.Total, err
}

// Counts returns how many items of mp are pending, succeeded and failed: the live counts of
// masspay's extension when the resource carries them, or else the totals of Dwolla's item list
// filtered by each status (three calls, which is what Dwolla's own API offers).
func (c *Client) Counts(ctx context.Context, mp *MassPayment) (ItemCounts, error) {
	if mp.ItemCounts != nil {
		return *mp.ItemCounts, nil
	}
	href := mp.Links.Href("self")
	var n ItemCounts
	var err error
	for _, s := range []struct {
		status string
		into   *int
	}{{ItemPending, &n.Pending}, {ItemSuccess, &n.Success}, {ItemFailed, &n.Failed}} {
		if *s.into, err = c.ItemTotal(ctx, href, s.status); err != nil {
			return n, err
		}
	}
	return n, nil
}

// MassPaymentsByCorrelationID returns the mass payments of the list at listHref (an account's or
// a customer's /mass-payments) that carry correlationID, newest first.
func (c *Client) MassPaymentsByCorrelationID(ctx context.Context, listHref, correlationID string) ([]MassPayment, error) {
	var page list[MassPayment]
	err := c.Get(ctx, listHref, url.Values{"correlationId": {correlationID}}, &page)
	return page.Embedded["mass-payments"], err
}
