// Package masspay is the domain of a self-hosted mass payments engine that speaks Dwolla's v2 API.
//
// It holds the types (accounts, customers, funding sources, mass payments, items, transfers,
// ledger entries, events), their validation and state rules, the error type that the HTTP layer
// renders in Dwolla's envelope, money as integer cents, and the Store seam that the SQL backends
// implement. It does no I/O and imports nothing else from this module.
//
// Package map:
//
//	service/   use cases, one transaction each: accounts, customers, funding sources, mass payments
//	engine/    background processor: claims batches with a lease, processes items in chunks
//	sqlstore/  the Store on database/sql, shared by both backends (SQL written once, rebound)
//	sqlite/    opens sqlstore on an embedded SQLite file (modernc.org/sqlite, no cgo)
//	postgres/  opens sqlstore on PostgreSQL (pgx v5), several nodes
//	storetest/ the behavioural suite every Store must pass
//	httpapi/   Dwolla-compatible HTTP surface
//	cmd/masspay/ wiring: serve, apps create, verify
package masspay
