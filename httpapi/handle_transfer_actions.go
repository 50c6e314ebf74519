package httpapi

import (
	"context"
	"net/http"

	"masspay"
	"masspay/service"
)

// listTransfers is the service's transfer list.
type listTransfers func(ctx context.Context, p *service.Principal, f masspay.TransferFilter) ([]*masspay.Transfer, int, error)

// handleAccountTransfers serves GET /accounts/{id}/transfers.
func handleAccountTransfers(h hal, list listTransfers) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		if r.PathValue("id") != p.AccountID {
			return masspay.NotFound("Account not found.")
		}
		return transferList(h, list, w, r, p, "/accounts/"+p.AccountID+"/transfers", "")
	}
}

// handleCustomerTransfers serves GET /customers/{id}/transfers.
func handleCustomerTransfers(h hal, list listTransfers) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		id := r.PathValue("id")
		return transferList(h, list, w, r, p, "/customers/"+id+"/transfers", id)
	}
}

// transferList answers a transfer list with Dwolla's filters (masspay.TransferFilterQuery).
func transferList(h hal, list listTransfers, w http.ResponseWriter, r *http.Request, p *service.Principal, path, customerID string) error {
	var f masspay.Fields
	filter := masspay.TransferFilterQuery(r.URL.Query(), customerID, &f)
	if err := f.Err(); err != nil {
		return err
	}
	page, total, err := list(r.Context(), p, filter)
	if err != nil {
		return err
	}
	writeList(h, w, r, path, "transfers", filter.Page, total, page, h.transferJSON)
	return nil
}

func handleTransferCancel(h hal, cancelTransfer byID[*masspay.Transfer]) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		if _, err := decodeChecked[masspay.TransferCancelInput](w, r); err != nil {
			return err
		}
		t, err := cancelTransfer(r.Context(), p, r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, h.transferJSON(t))
		return nil
	}
}

// failureJSON renders why a transfer failed: its return code and the bank that returned it.
func (h hal) failureJSON(fl *service.TransferFailure) obj {
	l := links{
		"self":                  h.link("/transfers/"+fl.Transfer.ID+"/failure", "failure"),
		"failed-funding-source": h.link("/funding-sources/"+fl.FundingSource.ID, "funding-source"),
	}
	if fl.FundingSource.CustomerID != "" {
		l["customer"] = h.link("/customers/"+fl.FundingSource.CustomerID, "customer")
	}
	return obj{"_links": l, "code": fl.Return.Code, "description": fl.Return.Description, "explanation": fl.Return.Explanation}
}

func handleSandboxSimulation(
	h hal,
	simulateClearing func(ctx context.Context, p *service.Principal) (int, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		n, err := simulateClearing(r.Context(), p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, obj{"_links": links{"self": h.link("/sandbox-simulations", "sandbox-simulation")}, "total": n})
		return nil
	}
}
