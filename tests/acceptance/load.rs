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
        wd.run(&["destroy", "-auto-approve", "-parallelism=50"])
            .success();
        assert!(sb.connectors().is_empty() && sb.apps().is_empty());
    });
}
