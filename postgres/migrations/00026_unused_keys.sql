-- +goose Up
-- Issue 15, smaller rows: two b-trees written with every mass payment item that no query reads.
-- events_pkey indexed seq, which nothing looks an event up by (by id, or the account's list on
-- events_account_created): the event's id, unique and never empty, becomes its primary key in
-- place of that index and of events_id_key. ledger_entries_pkey indexed seq too, and the ledger is
-- only read whole, by `masspay verify`; its entries are only ever inserted, never updated or
-- deleted, so the table needs no key (seq stays, numbering the entries in order). Each index
-- cost about 22 bytes and a b-tree insert per row, two rows per item. SQLite's 00026 is its own
-- (there, seq is the rowid, which costs nothing).
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (id);
ALTER TABLE events DROP CONSTRAINT events_id_key;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_pkey;
