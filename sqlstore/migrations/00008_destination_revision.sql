-- +goose Up
-- A counter moved by every change that can alter whether a funding source may receive a payment
-- (the source removed, its customer's status changed). The engine reads a chunk's destinations
-- ahead of the chunk's transaction, with this counter; in the transaction, an unchanged counter
-- proves the destinations it read are still current.
CREATE TABLE revisions (
  name TEXT PRIMARY KEY,
  n    BIGINT NOT NULL
);
INSERT INTO revisions (name, n) VALUES ('destinations', 0);
