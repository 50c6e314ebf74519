-- +goose Up
-- A deactivated customer remembers the status it had, which reactivation gives back.
ALTER TABLE customers ADD COLUMN prior_status TEXT NOT NULL DEFAULT '';
