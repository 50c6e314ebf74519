-- +goose Up
-- Issue 15, smaller rows. An index of a SQLite table ends with the row's rowid already, and seq is
-- the rowid (INTEGER PRIMARY KEY): an index that lists seq as a column stores it twice. These are
-- the ones written with every mass payment item (its transfer, its two events, a webhook per
-- event and subscription); their entries are in the same order without it, and the lists read
-- them as before (TestListPlans). PostgreSQL has no rowid: its 00026 is its own.
DROP INDEX transfers_account;
CREATE INDEX transfers_account ON transfers (account_id);
DROP INDEX transfers_pending_bank;
CREATE INDEX transfers_pending_bank ON transfers (account_id) WHERE status = 'pending' AND bank;
DROP INDEX events_account_created;
CREATE INDEX events_account_created ON events (account_id, created);
DROP INDEX webhooks_subscription_created;
CREATE INDEX webhooks_subscription_created ON webhooks (subscription_id, created);
