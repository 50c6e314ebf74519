-- +goose Up
-- Live progress counts of a mass payment (itemCounts in the resource, issue 17): how many of its
-- items succeeded and failed so far. The store adds each chunk's outcomes in the chunk's own
-- transaction (ItemUpdateMany), so a read never counts items. Pending is item_count less both.
ALTER TABLE mass_payments ADD COLUMN items_succeeded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mass_payments ADD COLUMN items_failed INTEGER NOT NULL DEFAULT 0;
UPDATE mass_payments SET
  items_succeeded = (SELECT COUNT(*) FROM mass_payment_items i WHERE i.mass_payment_id = mass_payments.id AND i.status = 'success'),
  items_failed = (SELECT COUNT(*) FROM mass_payment_items i WHERE i.mass_payment_id = mass_payments.id AND i.status = 'failed');
