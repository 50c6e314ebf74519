-- +goose Up
-- Issue 15: the two indexes keyed by a value that is random per item (the receiving customer's
-- hash, the correlation id's hash) took each new transfer at a random place in the whole index,
-- so that at depth a chunk of 1,000 payments dirtied about 1,000 of its pages. Led by the
-- transfer's generation (seq / 16384), each index takes its inserts in the newest generation's
-- range, at most 16,384 entries, whatever the history; a lookup seeks once per generation
-- (keyedSeqs in sqlstore/transfer.go). SQLite's 00030 is the same without seq, which is its rowid
-- (the figures are there and in docs/storage.md, "At depth"). The expression is spelled as the
-- query spells it: the planner uses an expression index only then.
DROP INDEX transfers_dest_customer;
DROP INDEX transfers_correlation;
CREATE INDEX transfers_dest_customer ON transfers ((seq / 16384), dest_customer_hash, seq) WHERE dest_customer_hash <> 0;
CREATE INDEX transfers_correlation ON transfers ((seq / 16384), correlation_hash, seq) WHERE correlation_hash <> 0;
