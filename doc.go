// Package masspay is the domain of a self-hosted mass payments engine that speaks Dwolla's v2 API.
//
// It holds the types (accounts, customers, funding sources, mass payments, items, transfers,
// ledger entries, events), the request inputs and their checks, typed statuses with their
// transitions, the rules on who may send, receive, fund and be paid, the error type that the HTTP layer
// renders in Dwolla's envelope, money as integer cents, and the Store seam that the SQL backends
// implement. It does no I/O and imports nothing else from this module.
//
// docs/architecture.md is the one-page map: packages, the path of a mass payment from request to
// webhook, and where each kind of rule lives.
//
// Package map:
//
//	service/     use cases, one transaction each: accounts, customers, funding sources, mass
//	             payments and idempotency, webhook subscriptions, clearing; the outbox (Publish)
//	engine/      background processor: claims batches with a lease, processes items in chunks
//	webhook/     outbox worker: claims due deliveries, signs, sends, retries on Dwolla's schedule
//	sqlstore/    the Store written once over a Driver per backend; shared SQL and migrations (goose)
//	sqlite/      the SQLite driver: database/sql on an embedded file (modernc.org/sqlite, no cgo)
//	postgres/    the PostgreSQL driver: pgx natively (COPY), advisory-locked migrations, LISTEN/NOTIFY
//	nacha/       NACHA files with moov-io/ach, the Fed calendar, cutoff windows, effective dates
//	storetest/   the behavioural suite every Store must pass
//	httpapi/     the Dwolla-compatible HTTP surface (routes.go is the map of the API)
//	dashboard/   the web dashboard at /dashboard: sessions, batches, progress, webhooks health
//	metrics/     Prometheus figures: fills the observer interfaces of httpapi, engine and webhook
//	app/         wiring: opens the store, runs the API and the workers (used by cmd and tests)
//	apptest/     end-to-end test harness: a real server on 127.0.0.1:0, SQLite or PostgreSQL
//	contract/    validates responses against Dwolla's OpenAPI document, with its corrections
//	bench/       the benchmark behind `masspay bench`
//	client/      a client of Dwolla's v2 API (masspay's or Dwolla's): token, HAL, errors, paging
//	resultcsv/   the results CSV (one row per payment), written by payout and by the dashboard
//	payout/      CSV file to mass payments and back, through client: pay, results, retry-failed
//	cmd/masspay/ the binary: serve, apps create, verify, ach cutoff|ls, bench, version, pay, results, retry-failed
package masspay
