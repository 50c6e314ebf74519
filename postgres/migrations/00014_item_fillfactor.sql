-- +goose Up
-- The engine writes each item's outcome (status, transfer, error) once, in place. With room left
-- on the item's page the new version of the row goes there (a HOT update: no index entry is
-- written), instead of to a new page with a new entry in each of the table's two indexes. Half of
-- each page is left free for it; pages written from now on.
ALTER TABLE mass_payment_items SET (fillfactor = 50);
