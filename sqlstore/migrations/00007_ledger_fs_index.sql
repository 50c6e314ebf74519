-- +goose Up
-- Only `masspay verify` sums ledger entries by funding source, and it reads them all at once.
-- Each mass payment item posts an entry to its destination, a different one each time, so this
-- index cost a b-tree insert on a random page per item (and that page written at commit).
DROP INDEX ledger_entries_fs;
