-- +goose Up
-- Real ACH, part 2 (docs/ach.md): what comes back from the bank, and uploads to it.
-- ach_imports records every return/NOC file imported, by SHA-256 (a second import of the same
-- bytes changes nothing), with its bytes and summary. ach_returns holds one row per returned
-- entry (one side of a transfer, hence the key): applied, or held while a late return of a debit
-- waits for the balance to cover it. ach_corrections holds notifications of change (Addenda98)
-- against the funding source of the entry; masspay shows them and never rewrites the bank.
-- ach_files.uploaded is when a file reached the bank over SFTP (0: not yet).
CREATE TABLE ach_imports (
  sha256      TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  content     TEXT NOT NULL,
  matched     INTEGER NOT NULL,
  already     INTEGER NOT NULL,
  unmatched   INTEGER NOT NULL,
  corrections INTEGER NOT NULL,
  held        INTEGER NOT NULL,
  report      TEXT NOT NULL DEFAULT '',
  imported    BIGINT NOT NULL
);
CREATE INDEX ach_imports_imported ON ach_imports (imported);

CREATE TABLE ach_returns (
  transfer_id    TEXT NOT NULL,
  debit          BOOLEAN NOT NULL,
  import_sha256  TEXT NOT NULL,
  trace          TEXT NOT NULL,
  code           TEXT NOT NULL,
  return_trace   TEXT NOT NULL,
  information    TEXT NOT NULL DEFAULT '',
  held           BOOLEAN NOT NULL DEFAULT FALSE,
  created        BIGINT NOT NULL,
  PRIMARY KEY (transfer_id, debit)
);
CREATE INDEX ach_returns_held ON ach_returns (created) WHERE held;

CREATE TABLE ach_corrections (
  id                TEXT PRIMARY KEY,
  import_sha256     TEXT NOT NULL,
  transfer_id       TEXT NOT NULL,
  debit             BOOLEAN NOT NULL,
  funding_source_id TEXT NOT NULL,
  account_id        TEXT NOT NULL,
  trace             TEXT NOT NULL,
  code              TEXT NOT NULL,
  corrected_data    TEXT NOT NULL,
  created           BIGINT NOT NULL,
  UNIQUE (transfer_id, debit)
);
CREATE INDEX ach_corrections_created ON ach_corrections (created);
CREATE INDEX ach_corrections_funding_source ON ach_corrections (funding_source_id);

ALTER TABLE ach_files ADD COLUMN uploaded BIGINT NOT NULL DEFAULT 0;
CREATE INDEX ach_files_unuploaded ON ach_files (created) WHERE written AND uploaded = 0;
CREATE INDEX ach_entries_trace_only ON ach_entries (trace);
