//! The business day's signed volume per network (issue 12, the volume view): the same
//! reservations [`Store::signed_volume`] sums for the phase volume cap, each placed on the
//! network of the bundle (or canary) it reserved.

use jiff::Timestamp;

use crate::{instant_ns, Error, Result, Store};

impl Store {
    /// The volume (base units) reserved in `[from, to)` per network id (`erc20`, `trc20`),
    /// in network order; the amounts add up to [`Store::signed_volume`] of the same span.
    pub async fn signed_volume_by_network(&self, from: Timestamp, to: Timestamp) -> Result<Vec<(String, u128)>> {
        let (from, to) = (instant_ns(from)?, instant_ns(to)?);
        let rows = sqlx::query!(
            r#"SELECT v.rowid AS "row!", v.amount AS "amount!",
                      (SELECT s.network FROM signatures s WHERE s.bundle_id = v.bundle_id ORDER BY s.chunk, s.attempt LIMIT 1) AS "network: String"
               FROM volume_reservations v WHERE v.reserved_at_ns >= ? AND v.reserved_at_ns < ?"#,
            from,
            to
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        let mut totals: Vec<(String, u128)> = Vec::new();
        for row in rows {
            let corrupt = |detail: String| Error::Corrupt { table: "volume_reservations", row: row.row, detail };
            let amount: u128 = row.amount.parse().map_err(|_| corrupt(format!("amount {:?}", row.amount)))?;
            let network =
                row.network.clone().ok_or_else(|| corrupt("a volume reservation with no signature row (no network)".to_owned()))?;
            match totals.iter_mut().find(|(n, _)| *n == network) {
                Some((_, total)) => *total = total.checked_add(amount).ok_or_else(|| corrupt("volume overflows".to_owned()))?,
                None => totals.push((network, amount)),
            }
        }
        totals.sort();
        Ok(totals)
    }
}
