package masspay

import (
	"time"

	"github.com/google/uuid"
)

// Account is Dwolla's "Main account": the owner of applications, customers and its own
// funding sources.
type Account struct {
	ID      string
	Name    string
	Created time.Time
}

// Application holds the client credentials of one account. The secret is stored only as a hash.
type Application struct {
	ID         string
	AccountID  string
	Name       string
	Key        string
	SecretHash string
	Created    time.Time
}

// AccessToken is a bearer token issued by POST /token, stored by the hash of its value.
type AccessToken struct {
	Hash          string
	ApplicationID string
	AccountID     string
	Expires       time.Time
}

// NewID returns a new resource id: a UUID of version 7, whose leading bits are its creation time.
// Ids made one after another then sort together, so the unique indexes on them grow at one end
// instead of at random places (the engine writes thousands of rows a second). Nothing is given
// away: every resource already shows its creation time in `created`.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }
