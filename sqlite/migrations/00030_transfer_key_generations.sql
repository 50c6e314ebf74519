-- +goose Up
-- Issue 15: the two indexes keyed by a value that is random per item (the receiving customer's
-- hash, the correlation id's hash) took each new transfer at a random place in the whole index.
-- Once the index outgrew a chunk's keys, a chunk of 1,000 payments dirtied about 1,000 of its
-- pages, each written whole to the WAL at commit and again into the database at the checkpoint:
-- the writer wrote 2,600 pages per 5,000-item batch on a fresh store and 7,550 at 200,000 items
-- of history. Led by the transfer's generation (seq / 16384), each index takes its inserts in the
-- newest generation's range, at most 16,384 entries (about 100 pages) whatever the history.
-- A lookup seeks once per generation (keyedSeqs in sqlstore/transfer.go): 61 seeks at 1,000,000
-- transfers. PostgreSQL's 00030 is the same but lists seq: here an index entry ends with the
-- rowid, which seq is (00026), and the entries are in the same order without it.
DROP INDEX transfers_dest_customer;
DROP INDEX transfers_correlation;
CREATE INDEX transfers_dest_customer ON transfers ((seq / 16384), dest_customer_hash) WHERE dest_customer_hash <> 0;
CREATE INDEX transfers_correlation ON transfers ((seq / 16384), correlation_hash) WHERE correlation_hash <> 0;
