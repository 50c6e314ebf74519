-- +goose Up
-- See 00009.
CREATE INDEX transfers_dest_customer ON transfers (dest_customer_hash, seq) WHERE dest_customer_hash <> 0;
CREATE INDEX transfers_correlation ON transfers (correlation_hash, seq) WHERE correlation_hash <> 0;
