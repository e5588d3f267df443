//! Goal: every ERC-20 chunk from a hot wallet gets its own nonce — consecutive from the
//! chain's pending nonce, the same one again for the same chunk (a speed-up replaces with the
//! same nonce), never one nonce for two chunks, even with threads racing.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use clubgate_store::Store;
use jiff::Timestamp;

fn now() -> Timestamp {
    "2026-12-07T10:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn nonces_are_consecutive_per_wallet_and_stable_per_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("n.db")).await.unwrap();
    let hot = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    assert_eq!(store.allocate_nonce(hot, "b-1", 0, 41, now()).await.unwrap(), 41, "a new wallet starts at the chain's pending nonce");
    assert_eq!(store.allocate_nonce(hot, "b-1", 1, 0, now()).await.unwrap(), 42);
    assert_eq!(store.allocate_nonce(hot, "b-2", 0, 0, now()).await.unwrap(), 43);
    assert_eq!(store.allocate_nonce(hot, "b-1", 0, 0, now()).await.unwrap(), 41, "the same chunk keeps its nonce");
    assert_eq!(
        store.allocate_nonce("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "b-3", 0, 7, now()).await.unwrap(),
        7,
        "wallets are independent"
    );
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", dir.path().join("n.db").display())).await.unwrap();
    for statement in ["UPDATE nonce_allocations SET nonce = 99", "DELETE FROM nonce_allocations"] {
        assert!(sqlx::query(statement).execute(&pool).await.is_err(), "{statement}");
    }
}

#[test]
fn racing_chunks_never_share_a_nonce() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.db");
    tokio::runtime::Runtime::new().unwrap().block_on(async { Store::open(&path).await.unwrap().close().await });
    let threads = 6;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (barrier, path) = (barrier.clone(), path.clone());
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async move {
                    let store = Store::open(&path).await.unwrap();
                    barrier.wait();
                    let mut nonces = Vec::new();
                    for chunk in 0..5 {
                        nonces.push(store.allocate_nonce("hot", &format!("b-{i}"), chunk, 0, now()).await.unwrap());
                    }
                    store.close().await;
                    nonces
                })
            })
        })
        .collect();
    let all: Vec<u64> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let distinct: BTreeSet<u64> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "no nonce given twice: {all:?}");
    assert_eq!(distinct, (0..30).collect(), "consecutive from 0");
}

/// Issue 12: the pending nonce read from the node wins when the wallet sent transactions
/// this store never saw; the store's own counter wins when it is ahead of the chain.
#[tokio::test]
async fn the_chain_pending_nonce_wins_when_ahead_and_the_store_counter_when_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).await.unwrap();
    let hot = "0xhot";
    assert_eq!(store.allocate_nonce(hot, "b-1", 0, 5, now()).await.unwrap(), 5);
    assert_eq!(store.allocate_nonce(hot, "b-1", 1, 3, now()).await.unwrap(), 6, "the store is ahead: its counter wins");
    assert_eq!(store.peek_nonce(hot, "b-2", 0, 9).await.unwrap(), 9, "the chain is ahead: its pending nonce wins");
    assert_eq!(store.allocate_nonce(hot, "b-2", 0, 9, now()).await.unwrap(), 9);
    assert_eq!(store.allocate_nonce(hot, "b-1", 0, 20, now()).await.unwrap(), 5, "a chunk keeps its own nonce");
}
