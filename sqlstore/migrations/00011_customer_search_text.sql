-- +goose Up
-- A customer search matched LOWER(name) LIKE the search lowercased by masspay. SQLite's LOWER
-- folds only ASCII, and PostgreSQL's follows the database's locale, so a search for "MÜLLER"
-- found "Müller" on one store and not the other. search_text holds the first name, last name,
-- email and business name, lowercased by masspay and separated by U+001F, for one LIKE that works
-- the same everywhere. masspay fills it for existing customers in Go migration 00013 (sqlstore).
ALTER TABLE customers ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
