-- +goose Up
-- The request holding an in-flight Idempotency-Key, so that only it can complete the key: a
-- request whose lock ran out and was taken over can no longer commit a second batch.
ALTER TABLE idempotency_keys ADD COLUMN owner TEXT NOT NULL DEFAULT '';
