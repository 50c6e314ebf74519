-- +goose Up
-- Real ACH (--clearing ach, docs/ach.md). ach_settings holds the originator's settings that
-- `masspay serve` was started with, so that `masspay ach cutoff` beside it needs only the store.
-- ach_windows records each closed cutoff window (one row per window, whichever node closes it);
-- ach_files each NACHA file with its bytes, so that a file committed but not yet on disk (a crash
-- between the two) is written again from the store; ach_entries each entry: one side of a
-- transfer, in exactly one file (the primary key).
CREATE TABLE ach_settings (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  settings TEXT NOT NULL,
  updated  BIGINT NOT NULL
);

CREATE TABLE ach_windows (
  id        TEXT PRIMARY KEY,
  cutoff    BIGINT NOT NULL,
  closed    BIGINT NOT NULL,
  file_name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ach_windows_cutoff ON ach_windows (cutoff);

CREATE TABLE ach_files (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE,
  file_date         TEXT NOT NULL,
  modifier          TEXT NOT NULL,
  window_id         TEXT NOT NULL,
  sha256            TEXT NOT NULL,
  entry_count       INTEGER NOT NULL,
  debit_total       BIGINT NOT NULL,
  credit_total      BIGINT NOT NULL,
  odfi              TEXT NOT NULL,
  company_name      TEXT NOT NULL,
  company_id        TEXT NOT NULL,
  entry_description TEXT NOT NULL,
  content           TEXT NOT NULL,
  written           BOOLEAN NOT NULL DEFAULT FALSE,
  created           BIGINT NOT NULL,
  UNIQUE (file_date, modifier)
);
CREATE INDEX ach_files_created ON ach_files (created);
CREATE INDEX ach_files_unwritten ON ach_files (created) WHERE NOT written;

CREATE TABLE ach_entries (
  transfer_id    TEXT NOT NULL,
  debit          BOOLEAN NOT NULL,
  file_id        TEXT NOT NULL REFERENCES ach_files(id),
  file_date      TEXT NOT NULL,
  trace_seq      INTEGER NOT NULL,
  trace          TEXT NOT NULL,
  individual_id  TEXT NOT NULL,
  sec            TEXT NOT NULL,
  amount         BIGINT NOT NULL,
  routing_number TEXT NOT NULL,
  name           TEXT NOT NULL,
  addenda        TEXT NOT NULL DEFAULT '',
  effective_date TEXT NOT NULL,
  process_date   TEXT NOT NULL,
  processed      BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (transfer_id, debit)
);
CREATE UNIQUE INDEX ach_entries_trace ON ach_entries (file_date, trace_seq);
CREATE INDEX ach_entries_file ON ach_entries (file_id);
CREATE INDEX ach_entries_individual ON ach_entries (individual_id);
CREATE INDEX ach_entries_due ON ach_entries (process_date) WHERE NOT processed;
