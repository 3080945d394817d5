//! `action "conductorone_segment_sync"`: forces a sync of a connector, then
//! follows its sync status until it ends, streaming what it sees.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::diag::{one_line, AttributePath, Diagnostic, Diagnostics};
use tfplugin::framework::{Context, Sink};
use tfplugin::typed::{Partial, TypedAction};

use crate::conductorone::{C1Client, Connector, ConnectorStatus};
use crate::glue::{c1_call, c1_error, cancellable, Shared};

/// Forces ConductorOne to sync a connector now, and waits for that sync to
/// end, reporting each status it sees. A sync that ends in error fails the
/// action with ConductorOne's message, so that running it after a token
/// rotation proves the new token works. Run it with
/// `terraform apply -invoke=action.conductorone_segment_sync.NAME`, or from a
/// resource's `lifecycle { action_trigger { ... } }`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentSyncAction")]
pub struct SegmentSyncModel {
    /// The ID of the ConductorOne app that holds the connector.
    #[schemars(extend("x-tf-required" = true, "x-tf-validate" = ["not_empty", "path_segment"]))]
    pub app_id: Option<String>,
    /// The ID of the connector to sync (a `conductorone_segment_integration`'s
    /// `id`).
    #[schemars(extend("x-tf-required" = true, "x-tf-validate" = ["not_empty", "path_segment"]))]
    pub connector_id: Option<String>,
    /// How long to wait for the sync to end, such as `90s`, `10m` or `1h`.
    /// Defaults to `10m`. When it passes, the action fails with the last
    /// status seen; the sync itself goes on in ConductorOne.
    #[schemars(extend("x-tf-validate" = [{"regex": {
        "pattern": "^[1-9][0-9]{0,5}(s|m|h)$",
        "message": "a whole number of seconds, minutes or hours, such as 90s, 10m or 1h"
    }}]))]
    pub timeout: Option<String>,
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
const FIRST_POLL: Duration = Duration::from_millis(250);
const MAX_POLL: Duration = Duration::from_secs(10);

pub struct SegmentSync {
    shared: Arc<Shared>,
}

impl SegmentSync {
    pub fn new(shared: Arc<Shared>) -> Self {
        SegmentSync { shared }
    }
}

fn at(field: &str) -> Option<AttributePath> {
    Some(AttributePath::new(field))
}

/// `90s`, `10m`, `1h` (the validator has checked the form).
fn parse_timeout(s: Option<&str>) -> Duration {
    let Some(s) = s else { return DEFAULT_TIMEOUT };
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: u64 = n.parse().unwrap_or(0);
    let secs = match unit {
        "h" => n.saturating_mul(3600),
        "m" => n.saturating_mul(60),
        _ => n,
    };
    Duration::from_secs(secs.max(1))
}

fn not_found(app_id: &str, id: &str) -> Diagnostic {
    Diagnostic::error(
        "Connector not found",
        format!("ConductorOne has no connector {id} in app {app_id} (deleted, or never made): nothing to sync."),
    )
    .at(AttributePath::new("connector_id"))
}

#[async_trait]
impl TypedAction for SegmentSync {
    type Config = SegmentSyncModel;

    fn type_name(&self) -> &'static str {
        "conductorone_segment_sync"
    }

    /// When the connector is known at plan time, checks that it exists, so
    /// that a wrong ID fails the plan rather than the apply.
    async fn plan(
        &self,
        ctx: &Context,
        config: &Partial<SegmentSyncModel>,
        diags: &mut Diagnostics,
    ) {
        let c = config.get();
        let (Some(app_id), Some(id)) = (&c.app_id, &c.connector_id) else {
            return;
        };
        if let Err(d) = self.connector(ctx, app_id, id).await {
            diags.push(d);
        }
    }

    async fn invoke(
        &self,
        ctx: &Context,
        config: SegmentSyncModel,
        progress: &mut Sink<String>,
        diags: &mut Diagnostics,
    ) {
        if let Err(d) = self.sync(ctx, &config, progress).await {
            diags.push(d);
        }
    }
}

impl SegmentSync {
    fn c1(&self) -> Result<C1Client, Diagnostic> {
        self.shared.conductorone()
    }

    async fn connector(
        &self,
        ctx: &Context,
        app_id: &str,
        id: &str,
    ) -> Result<Connector, Diagnostic> {
        let c1 = self.c1()?;
        let read = c1.connector(app_id, id);
        c1_call(ctx, "Cannot read the connector", at("connector_id"), read)
            .await?
            .ok_or_else(|| not_found(app_id, id))
    }

    async fn sync(
        &self,
        ctx: &Context,
        config: &SegmentSyncModel,
        progress: &mut Sink<String>,
    ) -> Result<(), Diagnostic> {
        let app_id = config.app_id.as_deref().unwrap_or_default();
        let id = config.connector_id.as_deref().unwrap_or_default();
        let timeout = parse_timeout(config.timeout.as_deref());
        let before = self.connector(ctx, app_id, id).await?;
        if before.paused() {
            return Err(Diagnostic::error(
                "The connector is paused: no sync runs until it is resumed",
                format!(
                    "Connector {id} in app {app_id} is paused in ConductorOne{}; a sync requested now would wait \
                     until it is resumed. Resume it in ConductorOne, then run this action again.",
                    before
                        .sync_disabled_at
                        .as_deref()
                        .map(|t| format!(" (since {t})"))
                        .unwrap_or_default()
                ),
            )
            .at(AttributePath::new("connector_id")));
        }
        let c1 = self.c1()?;
        match cancellable(ctx, c1.force_sync(app_id, id)).await? {
            Err(e) if e.is_not_found() => return Err(not_found(app_id, id)),
            Err(e) => return Err(c1_error("Cannot start a sync", &e, at("connector_id"))),
            Ok(()) => {}
        }
        let what = format!("connector {id} ({:?}) in app {app_id}", before.display_name);
        progress.send(format!("Sync requested for {what}.")).await;
        let follow = Follow {
            before: before.status.unwrap_or_default(),
            deadline: Instant::now()
                .checked_add(timeout)
                .unwrap_or_else(|| Instant::now() + DEFAULT_TIMEOUT),
            timeout: config.timeout.clone().unwrap_or_else(|| "10m".into()),
            what,
        };
        self.follow(ctx, &follow, progress, (app_id, id)).await
    }
}

/// What following a sync needs to know.
struct Follow {
    /// The status before the sync was requested.
    before: ConnectorStatus,
    deadline: Instant,
    timeout: String,
    what: String,
}

impl Follow {
    /// Whether `now` is the end of the sync we asked for: one that started
    /// after the request (RUNNING seen, or a new start time) and has ended.
    fn ended(&self, now: &ConnectorStatus, seen_running: bool) -> bool {
        let started = seen_running || now.started_at != self.before.started_at;
        let over = matches!(
            now.status.as_str(),
            "SYNC_STATUS_DONE" | "SYNC_STATUS_ERROR" | "SYNC_STATUS_DISABLED"
        );
        started && over
    }

    fn outcome(&self, st: &ConnectorStatus) -> Result<String, Diagnostic> {
        let when = st.completed_at.as_deref().unwrap_or("an unknown time");
        match st.status.as_str() {
            "SYNC_STATUS_DONE" => Ok(format!("Sync finished: SYNC_STATUS_DONE at {when}.")),
            status => Err(Diagnostic::error(
                "Connector sync failed",
                format!(
                    "The sync of {} ended with {status} at {when}: {}",
                    self.what,
                    if st.last_error.is_empty() {
                        "ConductorOne gave no reason."
                    } else {
                        &st.last_error
                    }
                ),
            )),
        }
    }

    fn timed_out(&self, st: &ConnectorStatus) -> Diagnostic {
        let started = st.started_at.as_deref().unwrap_or("not yet");
        Diagnostic::error(
            format!("Connector sync did not finish within {}", self.timeout),
            format!(
                "The sync of {} was still not over when the timeout passed: last status {} (started {started}). The sync goes on in ConductorOne; raise `timeout` to wait longer.",
                self.what,
                if st.status.is_empty() { "unknown".to_string() } else { one_line(&st.status) },
            ),
        )
        .at(AttributePath::new("timeout"))
    }
}

impl SegmentSync {
    async fn follow(
        &self,
        ctx: &Context,
        f: &Follow,
        progress: &mut Sink<String>,
        (app_id, id): (&str, &str),
    ) -> Result<(), Diagnostic> {
        let mut poll = FIRST_POLL;
        let mut last = f.before.clone();
        let mut seen_running = false;
        loop {
            let left = f.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(f.timed_out(&last));
            }
            cancellable(ctx, tokio::time::sleep(poll.min(left))).await?;
            poll = (poll * 2).min(MAX_POLL);
            let c = self.connector(ctx, app_id, id).await?;
            let st = c.status.unwrap_or_default();
            seen_running |= st.status == "SYNC_STATUS_RUNNING";
            if f.ended(&st, seen_running) {
                let done = f.outcome(&st)?;
                progress.send(done).await;
                return Ok(());
            }
            if st.status != last.status || st.started_at != last.started_at {
                progress
                    .send(format!("Sync status: {}.", one_line(&st.status)))
                    .await;
            }
            last = st;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout(None), DEFAULT_TIMEOUT);
        assert_eq!(parse_timeout(Some("90s")), Duration::from_secs(90));
        assert_eq!(parse_timeout(Some("10m")), Duration::from_secs(600));
        assert_eq!(parse_timeout(Some("2h")), Duration::from_secs(7200));
    }

    fn status(status: &str, started: &str, error: &str) -> ConnectorStatus {
        ConnectorStatus {
            status: status.into(),
            last_error: error.into(),
            started_at: Some(started.into()),
            completed_at: Some("2026-11-29T10:00:09Z".into()),
        }
    }

    fn follow() -> Follow {
        Follow {
            before: status("SYNC_STATUS_DONE", "2026-11-28T00:00:00Z", ""),
            deadline: Instant::now(),
            timeout: "1m".into(),
            what: "connector c1 (\"Segment\") in app a1".into(),
        }
    }

    /// Only the end of the sync asked for counts: the status from before the
    /// request (DONE, same start) does not.
    #[test]
    fn the_requested_sync_ends_once_it_started_after_the_request() {
        let f = follow();
        assert!(!f.ended(&f.before, false), "the old sync's DONE");
        let new_done = status("SYNC_STATUS_DONE", "2026-11-29T10:00:00Z", "");
        assert!(f.ended(&new_done, false), "a newer start, then DONE");
        assert!(f.ended(&f.before, true), "RUNNING seen, then DONE");
        let running = status("SYNC_STATUS_RUNNING", "2026-11-29T10:00:00Z", "");
        assert!(!f.ended(&running, true));
    }

    #[test]
    fn an_error_ending_fails_with_conductorones_reason() {
        let f = follow();
        let done = status("SYNC_STATUS_DONE", "2026-11-29T10:00:00Z", "");
        assert!(f
            .outcome(&done)
            .unwrap()
            .contains("SYNC_STATUS_DONE at 2026-11-29T10:00:09Z"));
        let failed = status(
            "SYNC_STATUS_ERROR",
            "2026-11-29T10:00:00Z",
            "Segment refused the token (HTTP 401).",
        );
        let d = f.outcome(&failed).unwrap_err();
        assert_eq!(d.summary, "Connector sync failed");
        assert!(
            d.detail.contains("connector c1") && d.detail.contains("HTTP 401"),
            "{}",
            d.detail
        );
        let t = f.timed_out(&status("SYNC_STATUS_RUNNING", "2026-11-29T10:00:00Z", ""));
        assert!(
            t.summary.contains("within 1m") && t.detail.contains("last status SYNC_STATUS_RUNNING")
        );
    }

    #[test]
    fn schema_derives() {
        let s = tfplugin::Schema::derive::<SegmentSyncModel>().unwrap();
        let req: Vec<_> = s
            .attributes
            .iter()
            .filter(|a| a.required)
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(req, ["app_id", "connector_id"]);
    }
}
