-- +goose Up
-- A mass payment item's transfer went into two indexes at a random place: by its receiving
-- customer's id and by its correlation id, 36 to 255 bytes each. A 64-bit hash of each (FNV-1a,
-- computed by masspay, 0 for none) makes those indexes a third of the size, so a chunk of
-- payments dirties that many fewer pages. Queries match the hash and then the text.
-- masspay fills the new columns of existing transfers in Go migration 00012 (sqlstore), and
-- 00010 builds the new indexes.
ALTER TABLE transfers ADD COLUMN dest_customer_hash BIGINT NOT NULL DEFAULT 0;
ALTER TABLE transfers ADD COLUMN correlation_hash BIGINT NOT NULL DEFAULT 0;
DROP INDEX transfers_dest_customer;
DROP INDEX transfers_correlation;
