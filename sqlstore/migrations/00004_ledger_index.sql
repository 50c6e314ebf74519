-- +goose Up
-- Nothing looks ledger entries up by transfer but `masspay verify`, which reads them all at once;
-- the index cost two b-tree inserts per mass payment item.
DROP INDEX ledger_entries_transfer;
