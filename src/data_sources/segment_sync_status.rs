//! `conductorone_segment_sync_status`: the health of a Segment connector's
//! syncs, read at every plan (the idiom for health: a data source asserted
//! on by a `check` block, never a resource attribute that changes on its
//! own).

use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::diag::{AttributePath, Diagnostic};
use tfplugin::framework::Context;
use tfplugin::typed::TypedDataSource;

use crate::conductorone::Connector;
use crate::glue::c1_call;
use crate::provider::Shared;

/// The state of a connector's syncs in ConductorOne, as of this plan: the
/// last sync's status and error, when it started and ended, and whether the
/// connector is paused. Read it in a `check` block to see a failed sync as a
/// warning at every plan, or in a `postcondition` to fail the plan.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentSyncStatusDataSource")]
pub struct SegmentSyncStatusModel {
    /// The ID of the ConductorOne app that holds the connector (the
    /// integration's `app_id`).
    #[schemars(extend("x-tf-required" = true, "x-tf-validate" = ["not_empty", "path_segment"]))]
    pub app_id: Option<String>,
    /// The connector's ID (the integration's `id`).
    #[schemars(extend("x-tf-required" = true, "x-tf-validate" = ["not_empty", "path_segment"]))]
    pub connector_id: Option<String>,
    /// The sync status: `SYNC_STATUS_RUNNING`, `SYNC_STATUS_DONE`,
    /// `SYNC_STATUS_ERROR`, `SYNC_STATUS_DISABLED`, or
    /// `SYNC_STATUS_UNSPECIFIED` before the first sync.
    #[schemars(extend("x-tf-computed" = true))]
    pub status: Option<String>,
    /// ConductorOne's message for the last sync's error; null when there is
    /// none.
    #[schemars(extend("x-tf-computed" = true))]
    pub last_error: Option<String>,
    /// When the current or last sync started (RFC 3339); null before the
    /// first.
    #[schemars(extend("x-tf-computed" = true))]
    pub started_at: Option<String>,
    /// When the last sync ended (RFC 3339); null while the first runs.
    #[schemars(extend("x-tf-computed" = true))]
    pub completed_at: Option<String>,
    /// Whether syncing is paused: no syncs run until the connector is
    /// resumed in ConductorOne.
    #[schemars(extend("x-tf-computed" = true))]
    pub paused: Option<bool>,
}

impl SegmentSyncStatusModel {
    fn filled_from(mut self, c: &Connector) -> Self {
        let st = c.status.clone().unwrap_or_default();
        let some = |s: String| Some(s).filter(|s| !s.is_empty());
        self.status = Some(some(st.status).unwrap_or_else(|| "SYNC_STATUS_UNSPECIFIED".into()));
        self.last_error = some(st.last_error);
        self.started_at = st.started_at.filter(|s| !s.is_empty());
        self.completed_at = st.completed_at.filter(|s| !s.is_empty());
        self.paused = Some(c.paused());
        self
    }
}

pub struct SegmentSyncStatus {
    shared: Arc<Shared>,
}

impl SegmentSyncStatus {
    pub fn new(shared: Arc<Shared>) -> Self {
        SegmentSyncStatus { shared }
    }
}

#[async_trait]
impl TypedDataSource for SegmentSyncStatus {
    type Model = SegmentSyncStatusModel;

    fn type_name(&self) -> &'static str {
        "conductorone_segment_sync_status"
    }

    async fn read(&self, ctx: &Context, m: Self::Model) -> Result<Self::Model, Diagnostic> {
        let c1 = self.shared.conductorone()?;
        let app_id = m.app_id.clone().unwrap_or_default();
        let id = m.connector_id.clone().unwrap_or_default();
        let at = Some(AttributePath::new("connector_id"));
        let read = c1.connector(&app_id, &id);
        let c = c1_call(ctx, "Cannot read the connector's sync status", at, read)
            .await?
            .ok_or_else(|| {
                Diagnostic::error(
                    "connector_id: no such connector; use the integration's id and app_id",
                    format!("ConductorOne has no connector {id:?} in app {app_id:?}."),
                )
                .at(AttributePath::new("connector_id"))
            })?;
        Ok(m.filled_from(&c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conductorone::ConnectorStatus;

    #[test]
    fn empty_values_are_null() {
        let c = Connector {
            status: Some(ConnectorStatus {
                status: "SYNC_STATUS_DONE".into(),
                completed_at: Some("2026-12-01T00:00:00Z".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let m = SegmentSyncStatusModel::default().filled_from(&c);
        assert_eq!(m.status.as_deref(), Some("SYNC_STATUS_DONE"));
        assert_eq!(m.last_error, None);
        assert_eq!(m.started_at, None);
        assert_eq!(m.paused, Some(false));
        let m = SegmentSyncStatusModel::default().filled_from(&Connector::default());
        assert_eq!(m.status.as_deref(), Some("SYNC_STATUS_UNSPECIFIED"));
    }

    #[test]
    fn schema() {
        let s = tfplugin::Schema::derive::<SegmentSyncStatusModel>().unwrap();
        assert!(s.attribute("app_id").unwrap().required);
        assert!(s.attribute("paused").unwrap().computed);
    }
}
