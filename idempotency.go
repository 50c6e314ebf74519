package masspay

import "time"

// Idempotency record states.
const (
	IdempotencyInFlight = "in-flight"
	IdempotencyDone     = "done"
)

// IdempotencyRecord remembers the outcome of a request sent with an Idempotency-Key.
type IdempotencyRecord struct {
	ApplicationID string
	Key           string
	Fingerprint   string
	Owner         string // the request holding it while in flight
	State         string
	Location      string // path of the created resource, e.g. /mass-payments/ID
	LockedUntil   time.Time
	Expires       time.Time
}
