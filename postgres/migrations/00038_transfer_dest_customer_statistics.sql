-- +goose Up
-- dest_customer_hash is a hash of dest_customer_id: equal hashes mean equal ids. Without being
-- told, the planner multiplies the two conditions of a customer's received transfers
-- (dest_customer_hash = h AND dest_customer_id = c) as if they were independent and expects a
-- customer to have received almost nothing, so it reads the whole branch and sorts it instead of
-- reading the index backward for a page. The functional dependency fixes the estimate.
CREATE STATISTICS transfers_dest_customer_dep (dependencies) ON dest_customer_hash, dest_customer_id FROM transfers;
-- Built now (a sample of the table), not at autovacuum's next analyze.
ANALYZE transfers;

