-- no-transaction
-- Signing integrity (issue 8). Rebuilding `signatures` needs foreign keys off (the
-- `broadcasts` rows keep referring to the same keys), which SQLite only allows outside a
-- transaction; the rebuild itself runs in one explicit transaction.
PRAGMA foreign_keys = OFF;

BEGIN;

-- The never-sign-twice registry, now bound to what was approved and reviewed:
-- * `kind` separates payout bundles (generated ids) from canary payouts (their own ids);
-- * `bundle_hash` is the approved bundle's EIP-712 hash and `content` the chunk's fixed
--   fields (network, chain, token, source, destination, amount, nonce / fee limit): a
--   replacement must carry the same values, so only fees (ERC-20) or the reference block,
--   timestamp and expiry (TRC-20) can change;
-- * `abandoned`: a signer failed after the reservation; the chunk can be signed again
--   (attempt + 1, reason 'retry' when nothing was ever signed for it);
-- * instants are integers (ns since the epoch) and compared as numbers.
CREATE TABLE signatures_v2 (
    bundle_id TEXT NOT NULL,
    chunk INTEGER NOT NULL CHECK (chunk >= 0),
    attempt INTEGER NOT NULL CHECK (attempt >= 0),
    reason TEXT CHECK ((attempt = 0 AND reason IS NULL) OR (attempt > 0 AND reason IN ('speed-up', 'expired', 'retry'))),
    state TEXT NOT NULL CHECK (state IN ('reserved', 'signed', 'abandoned')),
    kind TEXT NOT NULL CHECK (kind IN ('payout', 'canary')),
    bundle_hash TEXT NOT NULL,
    content TEXT NOT NULL,
    network TEXT NOT NULL CHECK (network IN ('erc20', 'trc20')),
    amount TEXT NOT NULL,
    signer TEXT NOT NULL,
    reserved_at_ns INTEGER NOT NULL,
    -- The signing hash of the reviewed unsigned bytes this attempt signs.
    review_hash TEXT,
    tx_hash TEXT,
    raw TEXT,
    signed_at_ns INTEGER,
    abandoned_reason TEXT,
    abandoned_at_ns INTEGER,
    PRIMARY KEY (bundle_id, chunk, attempt)
);

-- Rows of older stores keep their history; their instants lose the sub-second part, and
-- their empty binding means a chunk signed before this migration is never replaced.
INSERT INTO signatures_v2 (bundle_id, chunk, attempt, reason, state, kind, bundle_hash, content, network, amount, signer,
                           reserved_at_ns, tx_hash, raw, signed_at_ns)
SELECT bundle_id, chunk, attempt, reason, state,
       CASE WHEN bundle_id LIKE 'canary:%' THEN 'canary' ELSE 'payout' END, '', '', network, amount, signer,
       CAST(strftime('%s', substr(reserved_at, 1, 19)) AS INTEGER) * 1000000000, tx_hash, raw,
       CASE WHEN signed_at IS NULL THEN NULL ELSE CAST(strftime('%s', substr(signed_at, 1, 19)) AS INTEGER) * 1000000000 END
FROM signatures;

DROP TABLE signatures;
ALTER TABLE signatures_v2 RENAME TO signatures;

CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
BEGIN
    SELECT RAISE(ABORT, 'signatures are never deleted');
END;

-- A row changes once: reserved → signed, or reserved → abandoned; what it binds never changes.
CREATE TRIGGER signatures_sign_once BEFORE UPDATE ON signatures
WHEN OLD.state <> 'reserved' OR NEW.state NOT IN ('signed', 'abandoned')
  OR NEW.bundle_id <> OLD.bundle_id OR NEW.chunk <> OLD.chunk OR NEW.attempt <> OLD.attempt
  OR NEW.kind <> OLD.kind OR NEW.bundle_hash <> OLD.bundle_hash OR NEW.content <> OLD.content
  OR NEW.amount <> OLD.amount OR NEW.network <> OLD.network OR NEW.reserved_at_ns <> OLD.reserved_at_ns
BEGIN
    SELECT RAISE(ABORT, 'a signed chunk is never signed again');
END;

-- The phase volume cap: a payout bundle's whole amount is reserved against the business day
-- when its first chunk is signed, in the same transaction as that chunk's reservation.
-- Canary payouts count too (no cap). Append-only.
CREATE TABLE volume_reservations (
    bundle_id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('payout', 'canary')),
    -- Base units, decimal text (u128).
    amount TEXT NOT NULL,
    reserved_at_ns INTEGER NOT NULL
);

CREATE INDEX volume_reservations_by_instant ON volume_reservations (reserved_at_ns);

INSERT INTO volume_reservations (bundle_id, kind, amount, reserved_at_ns)
SELECT bundle_id, kind, CAST(SUM(CAST(amount AS INTEGER)) AS TEXT), MIN(reserved_at_ns)
FROM signatures WHERE attempt = 0 GROUP BY bundle_id, kind;

CREATE TRIGGER volume_reservations_no_update BEFORE UPDATE ON volume_reservations
BEGIN SELECT RAISE(ABORT, 'volume reservations are append-only'); END;
CREATE TRIGGER volume_reservations_no_delete BEFORE DELETE ON volume_reservations
BEGIN SELECT RAISE(ABORT, 'volume reservations are append-only'); END;

-- What you see is what you sign: a review fixes the exact unsigned bytes of a chunk (nonce,
-- fees, reference block, timestamp, expiry) under their signing hash; signing names the
-- hash and refuses other bytes or an expired review. Append-only.
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The same bytes reviewed again (same nonce and fees) have the same hash: the latest
    -- review of a hash is the one in force.
    review_hash TEXT NOT NULL,
    bundle_id TEXT NOT NULL,
    chunk INTEGER NOT NULL CHECK (chunk >= 0),
    -- NULL for the original (or its retry), else 'speed-up' / 'expired'.
    replace TEXT CHECK (replace IS NULL OR replace IN ('speed-up', 'expired')),
    unsigned_hex TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    reviewed_at_ns INTEGER NOT NULL,
    expires_at_ns INTEGER NOT NULL
);

CREATE INDEX reviews_by_hash ON reviews (review_hash, id);

CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;

-- A nonce allocated to a chunk whose signing was abandoned before anything was signed with
-- it is released; the chunk's retry (or, failing that, the wallet's next chunk) takes it back.
ALTER TABLE nonce_allocations ADD COLUMN released_at_ns INTEGER;

DROP TRIGGER nonce_allocations_never_change;
CREATE TRIGGER nonce_allocations_release_or_reclaim BEFORE UPDATE ON nonce_allocations
WHEN NEW.wallet <> OLD.wallet OR NEW.nonce <> OLD.nonce
  OR NOT ((OLD.released_at_ns IS NULL AND NEW.released_at_ns IS NOT NULL AND NEW.bundle_id = OLD.bundle_id AND NEW.chunk = OLD.chunk)
       OR (OLD.released_at_ns IS NOT NULL AND NEW.released_at_ns IS NULL))
BEGIN
    SELECT RAISE(ABORT, 'a nonce allocation changes only by release and reclaim');
END;

-- The policy a store signs under: the fingerprint of the treasury file. The first one is bound
-- on first use; another one, once anything was signed, only as a launch IC decision with
-- its reason. Append-only; the latest row is in force.
CREATE TABLE policy_bindings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint TEXT NOT NULL,
    bound_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    bound_at_ns INTEGER NOT NULL
);

CREATE TRIGGER policy_bindings_no_update BEFORE UPDATE ON policy_bindings
BEGIN SELECT RAISE(ABORT, 'policy bindings are append-only'); END;
CREATE TRIGGER policy_bindings_no_delete BEFORE DELETE ON policy_bindings
BEGIN SELECT RAISE(ABORT, 'policy bindings are append-only'); END;

-- Changing T0 or the plan once a payout of the launch was signed is a launch IC action
-- with its reason.
ALTER TABLE launch_settings ADD COLUMN reason TEXT;

PRAGMA foreign_key_check;

COMMIT;

PRAGMA foreign_keys = ON;
