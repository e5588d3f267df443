//! Goal: no payout chunk is ever signed twice — the original is reserved durably before a
//! signer is asked, a second signature exists only as a recorded replacement (speed-up or
//! expired) of a signed attempt with its lineage, rows are never deleted or re-signed, and
//! of many threads racing to sign the same chunk exactly one gets to.

use std::sync::{Arc, Barrier};

use clubgate_store::{ChunkRef, Error, Store};
use jiff::Timestamp;

fn chunk(bundle_id: &str, index: u32) -> ChunkRef<'_> {
    ChunkRef { bundle_id, chunk: index, network: "erc20", amount: 250_000_000_000 }
}

fn now() -> Timestamp {
    "2026-12-07T10:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn a_chunk_is_signed_once_and_replaced_only_explicitly() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).await.unwrap();
    assert_eq!(store.reserve_signature(chunk("b-1", 0), None, "pkcs11:hsm/hot", now()).await.unwrap(), 0);
    let twice = store.reserve_signature(chunk("b-1", 0), None, "pkcs11:hsm/hot", now()).await.expect_err("reserved already");
    assert!(matches!(twice, Error::SignRefused { .. }) && twice.to_string().contains("already reserved"), "{twice}");
    let early = store.reserve_signature(chunk("b-1", 0), Some("speed-up"), "pkcs11:hsm/hot", now()).await.expect_err("not signed yet");
    assert!(early.to_string().contains("still being signed"), "{early}");
    store.record_signature("b-1", 0, 0, "0xaaa", "0x02aa", now()).await.unwrap();
    assert!(store.record_signature("b-1", 0, 0, "0xbbb", "0x02bb", now()).await.is_err(), "a signed attempt is final");
    let again = store.reserve_signature(chunk("b-1", 0), None, "pkcs11:hsm/hot", now()).await.expect_err("signed already");
    assert!(again.to_string().contains("already signed"), "{again}");
    let bogus = store.reserve_signature(chunk("b-1", 0), Some("because"), "pkcs11:hsm/hot", now()).await.expect_err("unknown reason");
    assert!(matches!(bogus, Error::SignRefused { .. }), "{bogus}");
    assert_eq!(store.reserve_signature(chunk("b-1", 0), Some("speed-up"), "pkcs11:hsm/hot", now()).await.unwrap(), 1);
    store.record_signature("b-1", 0, 1, "0xccc", "0x02cc", now()).await.unwrap();
    assert!(store.reserve_signature(chunk("b-2", 3), Some("expired"), "x", now()).await.is_err(), "nothing to replace");
    assert_eq!(store.reserve_signature(chunk("b-1", 1), None, "pkcs11:hsm/hot", now()).await.unwrap(), 0, "other chunks are independent");
    // Originals count towards the day's volume; the speed-up of chunk 0 does not.
    let day = ("2026-12-07T00:00:00Z".parse().unwrap(), "2026-12-08T00:00:00Z".parse().unwrap());
    assert_eq!(store.signed_volume(day.0, day.1).await.unwrap(), 2 * 250_000_000_000);
    let lineage = store.signature_attempts("b-1", 0).await.unwrap();
    assert_eq!(
        lineage,
        vec![(0, None, "signed".into(), Some("0xaaa".into())), (1, Some("speed-up".into()), "signed".into(), Some("0xccc".into()))]
    );

    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", dir.path().join("s.db").display())).await.unwrap();
    for statement in
        ["DELETE FROM signatures", "UPDATE signatures SET raw = 'x' WHERE attempt = 0", "UPDATE signatures SET state = 'reserved'"]
    {
        let error = sqlx::query(statement).execute(&pool).await.expect_err(statement);
        assert!(error.to_string().contains("never"), "{statement}: {error}");
    }
}

#[test]
fn racing_threads_get_exactly_one_signature() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.db");
    tokio::runtime::Runtime::new().unwrap().block_on(async { Store::open(&path).await.unwrap().close().await });
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (barrier, path) = (barrier.clone(), path.clone());
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async move {
                    // Each thread has its own store (its own connections), as separate
                    // windows or processes would.
                    let store = Store::open(&path).await.unwrap();
                    barrier.wait();
                    let outcome = store.reserve_signature(chunk("race", 0), None, &format!("signer-{i}"), now()).await;
                    store.close().await;
                    match outcome {
                        Ok(_) => true,
                        // The losers are told why, not handed a database error.
                        Err(Error::SignRefused { .. }) => false,
                        Err(other) => panic!("signer {i}: {other}"),
                    }
                })
            })
        })
        .collect();
    let winners = handles.into_iter().map(|h| h.join().unwrap()).filter(|won| *won).count();
    assert_eq!(winners, 1, "exactly one of {threads} concurrent signers may sign the chunk");
}
