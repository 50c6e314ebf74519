-- +goose Up
-- Webhook subscriptions and the outbox of their deliveries. A webhook row is written in the
-- transaction that writes its event; next_at > 0 marks it due, lease_until keeps two workers
-- (or two nodes) from sending it at once, and an expired lease makes it due again.
CREATE TABLE webhook_subscriptions (
  seq                  INTEGER PRIMARY KEY,
  id                   TEXT NOT NULL UNIQUE,
  account_id           TEXT NOT NULL,
  url                  TEXT NOT NULL,
  secret               TEXT NOT NULL,
  paused               BOOLEAN NOT NULL DEFAULT FALSE,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_success         BIGINT NOT NULL DEFAULT 0,
  created              BIGINT NOT NULL
);
CREATE INDEX webhook_subscriptions_account ON webhook_subscriptions (account_id, seq);

CREATE TABLE webhooks (
  seq             INTEGER PRIMARY KEY,
  id              TEXT NOT NULL UNIQUE,
  subscription_id TEXT NOT NULL,
  account_id      TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  topic           TEXT NOT NULL,
  retries         INTEGER NOT NULL DEFAULT 0,
  next_at         BIGINT NOT NULL DEFAULT 0,
  lease_until     BIGINT NOT NULL DEFAULT 0,
  created         BIGINT NOT NULL
);
CREATE INDEX webhooks_subscription ON webhooks (subscription_id, seq);
CREATE INDEX webhooks_due ON webhooks (next_at) WHERE next_at > 0;

CREATE TABLE webhook_attempts (
  seq              INTEGER PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  webhook_id       TEXT NOT NULL,
  request_time     BIGINT NOT NULL,
  url              TEXT NOT NULL,
  request_headers  TEXT NOT NULL,
  request_body     TEXT NOT NULL,
  response_time    BIGINT NOT NULL,
  response_headers TEXT NOT NULL,
  status_code      INTEGER NOT NULL,
  response_body    TEXT NOT NULL
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, seq);

CREATE TABLE webhook_retries (
  seq        INTEGER PRIMARY KEY,
  id         TEXT NOT NULL UNIQUE,
  webhook_id TEXT NOT NULL,
  created    BIGINT NOT NULL
);
CREATE INDEX webhook_retries_webhook ON webhook_retries (webhook_id, seq);
