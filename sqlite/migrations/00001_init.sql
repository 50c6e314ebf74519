-- +goose Up
-- Times are BIGINT microseconds since the Unix epoch (UTC) in both backends: portable, fixed
-- width and ordered. Money is BIGINT cents. Text columns that may be empty are NOT NULL DEFAULT ''.
CREATE TABLE accounts (
  id      TEXT PRIMARY KEY,
  name    TEXT NOT NULL,
  created BIGINT NOT NULL
);

CREATE TABLE applications (
  id          TEXT PRIMARY KEY,
  account_id  TEXT NOT NULL REFERENCES accounts(id),
  name        TEXT NOT NULL,
  key         TEXT NOT NULL UNIQUE,
  secret_hash TEXT NOT NULL,
  created     BIGINT NOT NULL
);

CREATE TABLE access_tokens (
  hash           TEXT PRIMARY KEY,
  application_id TEXT NOT NULL REFERENCES applications(id),
  account_id     TEXT NOT NULL,
  expires        BIGINT NOT NULL
);
CREATE INDEX access_tokens_expires ON access_tokens (expires);

CREATE TABLE customers (
  seq            INTEGER PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  account_id     TEXT NOT NULL REFERENCES accounts(id),
  first_name     TEXT NOT NULL,
  last_name      TEXT NOT NULL,
  email          TEXT NOT NULL,
  type           TEXT NOT NULL,
  status         TEXT NOT NULL,
  business_name  TEXT NOT NULL DEFAULT '',
  correlation_id TEXT NOT NULL DEFAULT '',
  details        TEXT NOT NULL DEFAULT '',
  created        BIGINT NOT NULL
);
CREATE INDEX customers_account ON customers (account_id, seq);
CREATE UNIQUE INDEX customers_email ON customers (account_id, email);
CREATE UNIQUE INDEX customers_correlation ON customers (account_id, correlation_id) WHERE correlation_id <> '';

CREATE TABLE funding_sources (
  seq               INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  account_id        TEXT NOT NULL REFERENCES accounts(id),
  customer_id       TEXT NOT NULL DEFAULT '',
  type              TEXT NOT NULL,
  status            TEXT NOT NULL,
  name              TEXT NOT NULL,
  bank_account_type TEXT NOT NULL DEFAULT '',
  routing_number    TEXT NOT NULL DEFAULT '',
  account_number    TEXT NOT NULL DEFAULT '',
  fingerprint       TEXT NOT NULL DEFAULT '',
  bank_name         TEXT NOT NULL DEFAULT '',
  channels          TEXT NOT NULL DEFAULT '',
  removed           BOOLEAN NOT NULL DEFAULT FALSE,
  balance           BIGINT NOT NULL DEFAULT 0 CHECK (type <> 'balance' OR balance >= 0),
  md_status         TEXT NOT NULL DEFAULT '',
  md_amount1        BIGINT NOT NULL DEFAULT 0,
  md_amount2        BIGINT NOT NULL DEFAULT 0,
  md_attempts       INTEGER NOT NULL DEFAULT 0,
  md_created        BIGINT NOT NULL DEFAULT 0,
  created           BIGINT NOT NULL
);
CREATE INDEX funding_sources_owner ON funding_sources (account_id, customer_id, seq);

CREATE TABLE transfers (
  seq                 INTEGER PRIMARY KEY,
  id                  TEXT NOT NULL UNIQUE,
  account_id          TEXT NOT NULL,
  source_id           TEXT NOT NULL,
  destination_id      TEXT NOT NULL,
  source_customer_id  TEXT NOT NULL DEFAULT '',
  dest_customer_id    TEXT NOT NULL DEFAULT '',
  amount              BIGINT NOT NULL CHECK (amount > 0),
  status              TEXT NOT NULL,
  posted              BOOLEAN NOT NULL DEFAULT FALSE,
  bank                BOOLEAN NOT NULL DEFAULT FALSE,
  funding_transfer_id TEXT NOT NULL DEFAULT '',
  mass_payment_id     TEXT NOT NULL DEFAULT '',
  item_id             TEXT NOT NULL DEFAULT '',
  correlation_id      TEXT NOT NULL DEFAULT '',
  metadata            TEXT NOT NULL DEFAULT '',
  clearing_source     TEXT NOT NULL DEFAULT '',
  clearing_dest       TEXT NOT NULL DEFAULT '',
  source_addenda      TEXT NOT NULL DEFAULT '',
  dest_addenda        TEXT NOT NULL DEFAULT '',
  processing_channel  TEXT NOT NULL DEFAULT '',
  failure_code        TEXT NOT NULL DEFAULT '',
  created             BIGINT NOT NULL
);
-- One transfer per mass payment item, enforced by the database as the last line against
-- paying an item twice.
CREATE UNIQUE INDEX transfers_item ON transfers (item_id) WHERE item_id <> '';
CREATE INDEX transfers_account ON transfers (account_id, seq);
CREATE INDEX transfers_funding ON transfers (funding_transfer_id) WHERE funding_transfer_id <> '';
CREATE INDEX transfers_pending_bank ON transfers (account_id, seq) WHERE status = 'pending' AND bank;
CREATE INDEX transfers_source_customer ON transfers (source_customer_id, seq) WHERE source_customer_id <> '';
CREATE INDEX transfers_dest_customer ON transfers (dest_customer_id, seq) WHERE dest_customer_id <> '';
CREATE INDEX transfers_correlation ON transfers (account_id, correlation_id) WHERE correlation_id <> '';

CREATE TABLE ledger_entries (
  seq               INTEGER PRIMARY KEY,
  funding_source_id TEXT NOT NULL,
  transfer_id       TEXT NOT NULL,
  amount            BIGINT NOT NULL,
  created           BIGINT NOT NULL
);
CREATE INDEX ledger_entries_fs ON ledger_entries (funding_source_id);
CREATE INDEX ledger_entries_transfer ON ledger_entries (transfer_id);

CREATE TABLE mass_payments (
  seq                 INTEGER PRIMARY KEY,
  id                  TEXT NOT NULL UNIQUE,
  account_id          TEXT NOT NULL,
  customer_id         TEXT NOT NULL DEFAULT '',
  source_id           TEXT NOT NULL,
  source_type         TEXT NOT NULL,
  status              TEXT NOT NULL,
  total               BIGINT NOT NULL,
  item_count          INTEGER NOT NULL,
  metadata            TEXT NOT NULL DEFAULT '',
  correlation_id      TEXT NOT NULL DEFAULT '',
  clearing_source     TEXT NOT NULL DEFAULT '',
  addenda             TEXT NOT NULL DEFAULT '',
  funding_transfer_id TEXT NOT NULL DEFAULT '',
  next_idx            INTEGER NOT NULL DEFAULT 0,
  lease_owner         TEXT NOT NULL DEFAULT '',
  lease_until         BIGINT NOT NULL DEFAULT 0,
  created             BIGINT NOT NULL,
  completed           BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX mass_payments_account ON mass_payments (account_id, customer_id, seq);
CREATE INDEX mass_payments_work ON mass_payments (seq) WHERE status IN ('pending', 'processing');

-- Items are keyed by (mass_payment_id, idx): their order, the engine's cursor and the item pages
-- all walk that key.
CREATE TABLE mass_payment_items (
  mass_payment_id      TEXT NOT NULL,
  idx                  INTEGER NOT NULL,
  id                   TEXT NOT NULL,
  destination_id       TEXT NOT NULL,
  amount               BIGINT NOT NULL CHECK (amount > 0),
  metadata             TEXT NOT NULL DEFAULT '',
  correlation_id       TEXT NOT NULL DEFAULT '',
  clearing_destination TEXT NOT NULL DEFAULT '',
  addenda              TEXT NOT NULL DEFAULT '',
  processing_channel   TEXT NOT NULL DEFAULT '',
  status               TEXT NOT NULL,
  transfer_id          TEXT NOT NULL DEFAULT '',
  error_code           TEXT NOT NULL DEFAULT '',
  error_message        TEXT NOT NULL DEFAULT '',
  error_path           TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (mass_payment_id, idx)
);
CREATE UNIQUE INDEX mass_payment_items_id ON mass_payment_items (id);

CREATE TABLE events (
  seq            INTEGER PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  account_id     TEXT NOT NULL,
  customer_id    TEXT NOT NULL DEFAULT '',
  topic          TEXT NOT NULL,
  resource_type  TEXT NOT NULL,
  resource_id    TEXT NOT NULL,
  correlation_id TEXT NOT NULL DEFAULT '',
  created        BIGINT NOT NULL
);
CREATE INDEX events_account ON events (account_id, seq);

CREATE TABLE idempotency_keys (
  application_id TEXT NOT NULL,
  key            TEXT NOT NULL,
  fingerprint    TEXT NOT NULL,
  state          TEXT NOT NULL,
  location       TEXT NOT NULL DEFAULT '',
  locked_until   BIGINT NOT NULL,
  expires        BIGINT NOT NULL,
  PRIMARY KEY (application_id, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires);
