-- +goose Up
-- Ids compared byte by byte. Every id is TEXT, and on a database whose collation is not "C" or
-- "POSIX" (C.UTF-8 included, before PostgreSQL 17) each comparison of two of them, in every
-- b-tree descent of every index on an id, goes through the locale (varstr_cmp, strcoll) instead of
-- memcmp. The engine inserts some fifteen index entries per mass payment item, most keyed by ids;
-- COLLATE "C" makes those comparisons plain memcmp.
--
-- Every column named id or ending in _id gets it, on every table, so that two ids compared across
-- tables (joins, IN (SELECT ...)) have the same collation and each side's index still serves the
-- comparison. Equality is the same under any deterministic collation, and masspay orders by ids
-- only as a lock order (ORDER BY id), so nothing a client sees changes. Names, emails, the
-- customers' search text keep the database's collation.
--
-- The tables are not rewritten (same type), but each index on these columns is rebuilt, under the
-- table's lock: on a large store, expect this migration to take as long as building those indexes.
-- postgres/collation_test.go checks that every such column, including those of later migrations,
-- has the collation. SQLite compares TEXT with memcmp (BINARY) already: its 00040 is empty.
ALTER TABLE access_tokens
  ALTER COLUMN application_id TYPE TEXT COLLATE "C",
  ALTER COLUMN account_id TYPE TEXT COLLATE "C";
ALTER TABLE accounts
  ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE ach_corrections
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN transfer_id TYPE TEXT COLLATE "C",
  ALTER COLUMN funding_source_id TYPE TEXT COLLATE "C",
  ALTER COLUMN account_id TYPE TEXT COLLATE "C";
ALTER TABLE ach_entries
  ALTER COLUMN transfer_id TYPE TEXT COLLATE "C",
  ALTER COLUMN file_id TYPE TEXT COLLATE "C",
  ALTER COLUMN individual_id TYPE TEXT COLLATE "C";
ALTER TABLE ach_files
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN window_id TYPE TEXT COLLATE "C",
  ALTER COLUMN company_id TYPE TEXT COLLATE "C";
ALTER TABLE ach_returns
  ALTER COLUMN transfer_id TYPE TEXT COLLATE "C";
ALTER TABLE ach_windows
  ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE applications
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN account_id TYPE TEXT COLLATE "C";
ALTER TABLE customers
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN account_id TYPE TEXT COLLATE "C",
  ALTER COLUMN correlation_id TYPE TEXT COLLATE "C";
ALTER TABLE events
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN account_id TYPE TEXT COLLATE "C",
  ALTER COLUMN customer_id TYPE TEXT COLLATE "C",
  ALTER COLUMN resource_id TYPE TEXT COLLATE "C",
  ALTER COLUMN correlation_id TYPE TEXT COLLATE "C";
ALTER TABLE funding_sources
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN account_id TYPE TEXT COLLATE "C",
  ALTER COLUMN customer_id TYPE TEXT COLLATE "C";
ALTER TABLE idempotency_keys
  ALTER COLUMN application_id TYPE TEXT COLLATE "C";
ALTER TABLE ledger_entries
  ALTER COLUMN funding_source_id TYPE TEXT COLLATE "C",
  ALTER COLUMN transfer_id TYPE TEXT COLLATE "C";
ALTER TABLE mass_payment_items
  ALTER COLUMN mass_payment_id TYPE TEXT COLLATE "C",
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN destination_id TYPE TEXT COLLATE "C",
  ALTER COLUMN correlation_id TYPE TEXT COLLATE "C",
  ALTER COLUMN transfer_id TYPE TEXT COLLATE "C";
ALTER TABLE mass_payments
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN account_id TYPE TEXT COLLATE "C",
  ALTER COLUMN customer_id TYPE TEXT COLLATE "C",
  ALTER COLUMN source_id TYPE TEXT COLLATE "C",
  ALTER COLUMN correlation_id TYPE TEXT COLLATE "C",
  ALTER COLUMN funding_transfer_id TYPE TEXT COLLATE "C";
ALTER TABLE transfers
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN account_id TYPE TEXT COLLATE "C",
  ALTER COLUMN source_id TYPE TEXT COLLATE "C",
  ALTER COLUMN destination_id TYPE TEXT COLLATE "C",
  ALTER COLUMN source_customer_id TYPE TEXT COLLATE "C",
  ALTER COLUMN dest_customer_id TYPE TEXT COLLATE "C",
  ALTER COLUMN funding_transfer_id TYPE TEXT COLLATE "C",
  ALTER COLUMN mass_payment_id TYPE TEXT COLLATE "C",
  ALTER COLUMN item_id TYPE TEXT COLLATE "C",
  ALTER COLUMN correlation_id TYPE TEXT COLLATE "C";
ALTER TABLE webhook_attempts
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN webhook_id TYPE TEXT COLLATE "C";
ALTER TABLE webhook_retries
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN webhook_id TYPE TEXT COLLATE "C";
ALTER TABLE webhook_subscriptions
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN account_id TYPE TEXT COLLATE "C";
ALTER TABLE webhooks
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN subscription_id TYPE TEXT COLLATE "C",
  ALTER COLUMN account_id TYPE TEXT COLLATE "C",
  ALTER COLUMN event_id TYPE TEXT COLLATE "C";
