-- Per-hot-wallet ERC-20 nonces: each payout chunk gets one nonce, never reused by another
-- chunk; a replacement of the chunk (speed-up) gets the same nonce back.
CREATE TABLE nonce_allocations (
    wallet TEXT NOT NULL,
    nonce INTEGER NOT NULL CHECK (nonce >= 0),
    bundle_id TEXT NOT NULL,
    chunk INTEGER NOT NULL CHECK (chunk >= 0),
    allocated_at TEXT NOT NULL,
    PRIMARY KEY (wallet, nonce),
    UNIQUE (wallet, bundle_id, chunk)
);

CREATE TRIGGER nonce_allocations_never_change BEFORE UPDATE ON nonce_allocations
BEGIN
    SELECT RAISE(ABORT, 'a nonce allocation never changes');
END;

CREATE TRIGGER nonce_allocations_never_deleted BEFORE DELETE ON nonce_allocations
BEGIN
    SELECT RAISE(ABORT, 'a nonce allocation is never deleted');
END;
