//! Load: 200 integrations applied at `-parallelism=50` while the sandbox
//! answers 5% of all API requests (ConductorOne, its token endpoint and
//! Segment) with 429 and `Retry-After: 1`, and another 5% with 503, at
//! random. The apply converges in one run: exactly 200 apps and connectors,
//! none left pending, an empty plan, and no more successful token requests
//! than provider processes.

use std::time::Instant;

use serde_json::json;

use crate::harness::{count_provider_starts, each_terraform, WorkDir};
use crate::sandbox::Sandbox;
use crate::segment_integration::resource_count;

const N: usize = 200;

#[test]
fn two_hundred_integrations_under_rate_limits_and_server_errors() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        let starts = count_provider_starts(&wd);
        wd.config(&resource_count(N, sb.var("SEGMENT_ACCESS_TOKEN")));
        sb.clear_faults();
        sb.fault(&json!({ "path": "*", "status": 429, "retry_after": 1, "rate": 0.05 }));
        sb.fault(&json!({ "path": "*", "status": 503, "rate": 0.05 }));
        let before = sb.requests().len();
        let t = Instant::now();
        let out = wd.run(&["apply", "-auto-approve", "-parallelism=50", "-no-color"]);
        let took = t.elapsed();
        sb.clear_faults();
        out.success();
        let log: Vec<_> = sb.requests().into_iter().skip(before).collect();
        let count = |f: &dyn Fn(&serde_json::Value) -> bool| log.iter().filter(|r| f(r)).count();
        let (c429, c503) = (
            count(&|r| r["status"] == 429),
            count(&|r| r["status"] == 503),
        );
        let tokens_ok = count(&|r| r["path"] == "/auth/v1/token" && r["status"] == 200);
        let tokens_all = count(&|r| r["path"] == "/auth/v1/token");
        let segment = count(&|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/segment"))
        });
        let processes = std::fs::read_to_string(&starts).unwrap().lines().count();
        eprintln!(
            "load under Terraform {}: {N} integrations in {:.1} s; {} requests ({segment} Segment), \
             {c429} answered 429, {c503} answered 503; {tokens_ok} tokens issued ({tokens_all} token \
             requests) for {processes} provider processes",
            tf.version,
            took.as_secs_f64(),
            log.len()
        );
        assert!(c429 > 0 && c503 > 0, "the faults fired");
        let connectors = sb.connectors();
        assert_eq!(connectors.len(), N, "connectors");
        assert_eq!(sb.apps().len(), N, "apps, none orphaned");
        let pending = |v: &serde_json::Value| {
            v["description"]
                .as_str()
                .unwrap_or("")
                .contains("terraform-pending")
        };
        assert!(!connectors.iter().any(pending), "a connector left pending");
        assert!(!sb.apps().iter().any(pending), "an app left pending");
        assert!(
            tokens_ok >= 1 && tokens_ok <= processes,
            "{tokens_ok} tokens for {processes} processes"
        );
        let plan = wd.run(&["plan", "-detailed-exitcode", "-refresh=false", "-no-color"]);
        assert_eq!(plan.code, 0, "{}", plan.all());
        refresh_reads_each_connector_once(&sb, &wd);
        wd.run(&["destroy", "-auto-approve", "-parallelism=50"])
            .success();
        assert!(sb.connectors().is_empty() && sb.apps().is_empty());
    });
}

/// A refreshing no-change plan of healthy integrations makes one request per
/// connector (its read, which brings the sync's health too) and the token
/// requests, nothing else; no warning, exit code 0.
fn refresh_reads_each_connector_once(sb: &Sandbox, wd: &WorkDir) {
    sb.clear_requests();
    let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let all = plan.all();
    let warned = all.matches("Warning: ").count()
        - all
            .matches("Warning: Provider development overrides")
            .count();
    assert_eq!(warned, 0, "{all}");
    let log = sb.requests();
    let is_read = |r: &serde_json::Value| {
        let p = r["path"].as_str().unwrap_or("");
        r["method"] == "GET" && p.starts_with("/api/v1/apps/") && p.contains("/connectors/")
    };
    let reads = log.iter().filter(|r| is_read(r)).count();
    let other: Vec<_> = log
        .iter()
        .filter(|r| !is_read(r) && r["path"] != "/auth/v1/token")
        .collect();
    eprintln!(
        "refreshing plan of {N}: {} requests, {reads} connector reads",
        log.len()
    );
    assert_eq!(reads, N, "one read per connector");
    assert!(other.is_empty(), "other requests: {other:?}");
}
