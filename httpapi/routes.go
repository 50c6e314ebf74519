package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"masspay/service"
)

// addRoutes is the map of the API: every route, with the handler that serves it. Each handler is
// made from only what it uses: the HAL renderer h and the service's use cases it calls.
func addRoutes(m router, logger *slog.Logger, h hal, svc *service.Service, ready func() bool, readiness func(context.Context) error,
	api func(handlerFunc) http.Handler, notFound http.Handler, accepts chan struct{}) {
	m.Handle("GET /healthz", handleHealthz(ready))
	m.Handle("GET /readyz", handleReadyz(logger, ready, readiness))
	m.Handle("POST /token", handleToken(logger, svc.IssueTokenFrom))

	m.Handle("GET /{$}", api(handleRoot(h)))
	m.Handle("GET /accounts/{id}", api(handleByID(svc.GetAccount, h.accountJSON)))

	m.Handle("POST /customers", api(handleCustomerCreate(h, svc.CreateCustomer)))
	m.Handle("GET /customers", api(handleCustomerList(h, svc.ListCustomers)))
	m.Handle("GET /customers/{id}", api(handleByID(svc.GetCustomer, h.customerJSON)))
	m.Handle("POST /customers/{id}", api(handleCustomerUpdate(h, svc.UpdateCustomer)))

	m.Handle("POST /funding-sources", api(handleFundingSourceCreate(h, svc.CreateFundingSource)))
	m.Handle("POST /customers/{id}/funding-sources", api(handleFundingSourceCreate(h, svc.CreateFundingSource)))
	m.Handle("GET /accounts/{id}/funding-sources", api(handleFundingSourceList(h, "account", svc.ListAccountFundingSources)))
	m.Handle("GET /customers/{id}/funding-sources", api(handleFundingSourceList(h, "customer", svc.ListCustomerFundingSources)))
	m.Handle("GET /funding-sources/{id}", api(handleByID(svc.GetFundingSource, h.fundingSourceJSON)))
	m.Handle("POST /funding-sources/{id}", api(handleFundingSourceUpdate(h, svc.UpdateFundingSource)))
	m.Handle("GET /funding-sources/{id}/balance", api(handleByID(svc.GetBalance, h.balanceJSON)))
	m.Handle("POST /funding-sources/{id}/micro-deposits", api(handleMicroDepositsPost(h, svc.InitiateMicroDeposits, svc.VerifyMicroDeposits)))
	m.Handle("GET /funding-sources/{id}/micro-deposits", api(handleByID(svc.GetMicroDeposits, h.microDepositsJSON)))

	m.HandleBody("POST /mass-payments", massPaymentBodyMax, api(handleMassPaymentCreate(h, accepts, svc.CreateMassPayment)))
	m.Handle("GET /mass-payments/{id}", api(handleByID(svc.GetMassPayment, h.massPaymentJSON)))
	m.Handle("POST /mass-payments/{id}", api(handleMassPaymentUpdate(h, svc.UpdateMassPayment)))
	m.Handle("GET /mass-payments/{id}/items", api(handleMassPaymentItemsList(h, svc.ListMassPaymentItems)))
	m.Handle("GET /mass-payment-items/{id}", api(handleByID(svc.GetMassPaymentItem, h.itemJSON)))
	m.Handle("GET /accounts/{id}/mass-payments", api(handleMassPaymentsList(h, svc.ListMassPayments)))
	m.Handle("GET /customers/{id}/mass-payments", api(handleMassPaymentsList(h, svc.ListMassPayments)))

	m.Handle("GET /transfers/{id}", api(handleByID(svc.GetTransfer, h.transferJSON)))
	m.Handle("GET /accounts/{id}/transfers", api(handleAccountTransfers(h, svc.ListTransfers)))
	m.Handle("GET /customers/{id}/transfers", api(handleCustomerTransfers(h, svc.ListTransfers)))
	m.Handle("POST /transfers/{id}", api(handleTransferCancel(h, svc.CancelTransfer)))
	m.Handle("GET /transfers/{id}/failure", api(handleByID(svc.GetTransferFailure, h.failureJSON)))
	m.Handle("POST /sandbox-simulations", api(handleSandboxSimulation(h, svc.SimulateClearing)))

	m.Handle("GET /events", api(handleEventList(h, svc.ListEvents)))
	m.Handle("GET /events/{id}", api(handleByID(svc.GetEvent, h.renderEvent)))

	m.Handle("POST /webhook-subscriptions", api(handleSubscriptionCreate(h, svc.CreateWebhookSubscription)))
	m.Handle("GET /webhook-subscriptions", api(handleSubscriptionList(h, svc.ListWebhookSubscriptions)))
	m.Handle("GET /webhook-subscriptions/{id}", api(handleByID(svc.GetWebhookSubscription, h.renderSubscription)))
	m.Handle("POST /webhook-subscriptions/{id}", api(handleSubscriptionUpdate(h, svc.PauseWebhookSubscription)))
	m.Handle("DELETE /webhook-subscriptions/{id}", api(handleByID(svc.DeleteWebhookSubscription, h.renderSubscription)))
	m.Handle("GET /webhook-subscriptions/{id}/webhooks", api(handleWebhookList(h, svc.ListWebhooks)))
	m.Handle("GET /webhooks/{id}", api(handleByID(svc.GetWebhook, h.renderWebhook)))
	m.Handle("POST /webhooks/{id}/retries", api(handleWebhookRetry(h, svc.RetryWebhook)))
	m.Handle("GET /webhooks/{id}/retries", api(handleWebhookRetryList(h, svc.ListWebhookRetries)))
	m.Handle("GET /webhooks/{id}/retries/{retryId}", api(handleWebhookRetryGet(h, svc.ListWebhookRetries)))

	m.Handle("/", notFound)
}

// resourceTypeOf names the HAL resource-type of a path such as "/funding-sources/ID".
func resourceTypeOf(path string) string {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")[0]
	switch seg {
	case "accounts":
		return "account"
	case "customers":
		return "customer"
	case "funding-sources":
		return "funding-source"
	case "transfers":
		return "transfer"
	case "mass-payments":
		return "mass-payment"
	case "mass-payment-items":
		return "mass-payment-item"
	case "events":
		return "event"
	case "webhook-subscriptions":
		return "webhook-subscription"
	case "webhooks":
		return "webhook"
	}
	return seg
}
