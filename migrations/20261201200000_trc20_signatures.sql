-- The signature of each signed TRC-20 attempt (issue 12). The registry's `raw` keeps a
-- TRC-20 transaction's raw_data (what was reviewed and what its txID hashes); broadcasting
-- it from the desk needs the 65-byte r‖s‖v signature too. Written in the transaction that
-- records the attempt as signed; append-only.
CREATE TABLE trc20_signatures (
    bundle_id TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (bundle_id, chunk, attempt),
    FOREIGN KEY (bundle_id, chunk, attempt) REFERENCES signatures (bundle_id, chunk, attempt)
);

CREATE TRIGGER trc20_signatures_no_update BEFORE UPDATE ON trc20_signatures
BEGIN SELECT RAISE(ABORT, 'TRC-20 signatures are append-only'); END;
CREATE TRIGGER trc20_signatures_no_delete BEFORE DELETE ON trc20_signatures
BEGIN SELECT RAISE(ABORT, 'TRC-20 signatures are append-only'); END;
