-- Never sign twice: one row per signature attempt of a payout chunk. Attempt 0 is the
-- original; a later attempt exists only as an explicit replacement of the previous one
-- (ERC-20 speed-up with the same nonce, TRC-20 after expiry while unbroadcast), with its
-- reason. A row is written (reserved) before the signer is asked, so two concurrent signers
-- of the same chunk cannot both proceed: the primary key lets exactly one insert win.
CREATE TABLE signatures (
    bundle_id TEXT NOT NULL,
    chunk INTEGER NOT NULL CHECK (chunk >= 0),
    attempt INTEGER NOT NULL CHECK (attempt >= 0),
    -- NULL for the original; 'speed-up' or 'expired' for a replacement.
    reason TEXT CHECK ((attempt = 0 AND reason IS NULL) OR (attempt > 0 AND reason IN ('speed-up', 'expired'))),
    state TEXT NOT NULL CHECK (state IN ('reserved', 'signed')),
    -- The chunk's network and amount (base units, decimal text): the phase volume cap counts
    -- the originals reserved in a business day.
    network TEXT NOT NULL CHECK (network IN ('erc20', 'trc20')),
    amount TEXT NOT NULL,
    signer TEXT NOT NULL,
    reserved_at TEXT NOT NULL,
    tx_hash TEXT,
    raw TEXT,
    signed_at TEXT,
    PRIMARY KEY (bundle_id, chunk, attempt)
);

CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
BEGIN
    SELECT RAISE(ABORT, 'signatures are never deleted');
END;

-- A signed row is final; only reserved → signed is allowed, once.
CREATE TRIGGER signatures_sign_once BEFORE UPDATE ON signatures
WHEN OLD.state <> 'reserved' OR NEW.state <> 'signed' OR NEW.bundle_id <> OLD.bundle_id OR NEW.chunk <> OLD.chunk OR NEW.attempt <> OLD.attempt
BEGIN
    SELECT RAISE(ABORT, 'a signed chunk is never signed again');
END;
