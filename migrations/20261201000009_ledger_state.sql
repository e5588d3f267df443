-- What the desk reads from the pulled log (issue 10): commands by kind (approvals of a bundle
-- hash, signatures of a chunk, safe-mode switches), and the policy in force on the ledger.

CREATE INDEX ledger_records_kind ON ledger_records (kind, seq);

-- The ledger's policy (`GET /v1/policy`), one row per version seen: the treasury file's text
-- and its keccak256 hash (the file's fingerprint), and the seq of the record that put it in
-- force. The highest version is the policy this desk signs under while it follows the ledger.
CREATE TABLE ledger_policy (
    version INTEGER PRIMARY KEY CHECK (version >= 1),
    hash TEXT NOT NULL,
    treasury TEXT NOT NULL,
    in_force_seq INTEGER NOT NULL,
    fetched_at TEXT NOT NULL
);
