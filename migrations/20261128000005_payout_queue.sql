-- The payout queue of the window: bundles as their canonical JSON document (the same form
-- `clubgate payout bundle` writes) with their EIP-712 hash, and the approvals collected for
-- them. Both are append-only: a bundle is never edited (a changed payout is a new bundle
-- with a new hash), an approval is never withdrawn by editing it.
CREATE TABLE payout_bundles (
    bundle_id TEXT PRIMARY KEY NOT NULL CHECK (length(bundle_id) BETWEEN 1 AND 128),
    hash TEXT NOT NULL,
    document TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE payout_approvals (
    bundle_id TEXT NOT NULL REFERENCES payout_bundles (bundle_id),
    approver TEXT NOT NULL,
    signature TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    PRIMARY KEY (bundle_id, approver)
);

CREATE TRIGGER payout_bundles_no_update BEFORE UPDATE ON payout_bundles
BEGIN SELECT RAISE(ABORT, 'payout bundles are append-only'); END;
CREATE TRIGGER payout_bundles_no_delete BEFORE DELETE ON payout_bundles
BEGIN SELECT RAISE(ABORT, 'payout bundles are append-only'); END;
CREATE TRIGGER payout_approvals_no_update BEFORE UPDATE ON payout_approvals
BEGIN SELECT RAISE(ABORT, 'payout approvals are append-only'); END;
CREATE TRIGGER payout_approvals_no_delete BEFORE DELETE ON payout_approvals
BEGIN SELECT RAISE(ABORT, 'payout approvals are append-only'); END;
