-- +goose Up
-- Issue 15: the event list and a subscription's webhook list are always read within a window of
-- creation times (the retention, startDate, endDate), newest first. Indexed on the time, the
-- window is a range of the index and the page and its count read only the rows inside it, however
-- much history lies before it; indexed on seq, both walked back through every older row.
DROP INDEX events_account;
CREATE INDEX events_account_created ON events (account_id, created, seq);
DROP INDEX webhooks_subscription;
CREATE INDEX webhooks_subscription_created ON webhooks (subscription_id, created, seq);
