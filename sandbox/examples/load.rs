//! Load generator for the sandbox benchmark: `load URL TOKEN SECONDS CONCURRENCY`.
//! Sends GETs with the bearer token over keep-alive connections and prints
//! the request rate. Used by bench/sandbox.sh.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, token, secs, conc] = args.as_slice() else {
        eprintln!("usage: load URL TOKEN SECONDS CONCURRENCY");
        std::process::exit(2);
    };
    let secs: u64 = secs.parse().unwrap_or(5);
    let conc: usize = conc.parse().unwrap_or(8);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(conc)
        .build()
        .expect("client");
    let ok = Arc::new(AtomicU64::new(0));
    let bad = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        let (ok, bad, bytes) = (ok.clone(), bad.clone(), bytes.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                match client.get(&url).bearer_auth(&token).send().await {
                    Ok(r) if r.status().is_success() => {
                        let b = r.bytes().await.map(|b| b.len()).unwrap_or(0);
                        bytes.fetch_add(b as u64, Ordering::Relaxed);
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        bad.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let el = start.elapsed().as_secs_f64();
    let n = ok.load(Ordering::Relaxed);
    println!(
        "requests={n} errors={} seconds={el:.2} rate={:.0}/s avg_body={}B",
        bad.load(Ordering::Relaxed),
        n as f64 / el,
        bytes.load(Ordering::Relaxed).checked_div(n).unwrap_or(0)
    );
}
