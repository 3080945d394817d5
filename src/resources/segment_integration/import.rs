//! Import by `APP_ID/CONNECTOR_ID`: only a Segment connector is adopted, and
//! its app is never the resource's own (destroy leaves it).

use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::framework::Context;

use super::{c1_call, pending, send_update, Model, SegmentIntegration, SEGMENT_CATALOG_ID};
use crate::conductorone::{C1Client, Connector, ConnectorUpdate};

/// The app and connector IDs of an import ID.
fn parse_id(id: &str) -> Result<(&str, &str), Diagnostic> {
    id.split_once('/')
        .filter(|(a, c)| [a, c].iter().all(|s| !matches!(**s, "" | "." | "..")) && !c.contains('/'))
        .ok_or_else(|| {
            let shown: String = id.chars().take(120).collect();
            let more = if shown.len() < id.len() { "…" } else { "" };
            Diagnostic::error(
                "Invalid import ID",
                format!("Expected APP_ID/CONNECTOR_ID (the ConductorOne app and connector IDs), got {shown:?}{more}."),
            )
        })
}

/// Checks an import ID as `terraform import` would (for the fuzz harness).
#[doc(hidden)]
pub fn check_import_id(id: &str) -> bool {
    parse_id(id).is_ok()
}

impl SegmentIntegration {
    pub(super) async fn adopt(
        &self,
        ctx: &Context,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Model> {
        match self.adopt_connector(ctx, id).await {
            Ok(m) => Some(m),
            Err(d) => {
                diags.push(d);
                None
            }
        }
    }

    async fn adopt_connector(&self, ctx: &Context, id: &str) -> Result<Model, Diagnostic> {
        let (app_id, connector_id) = parse_id(id)?;
        let c1 = self.c1()?;
        let read = c1.connector(app_id, connector_id);
        let c = c1_call(ctx, "Cannot read the ConductorOne connector", None, read)
            .await?
            .ok_or_else(|| {
                Diagnostic::error(
                    "Cannot import: no such connector",
                    format!("ConductorOne has no connector {connector_id} in app {app_id}."),
                )
            })?;
        if c.catalog_id != SEGMENT_CATALOG_ID {
            return Err(Diagnostic::error(
                "Cannot import: not a Segment connector",
                format!(
                    "Connector {connector_id} ({:?}) is of connector catalog {}, not Segment ({SEGMENT_CATALOG_ID}). Import it with the resource for its own type.",
                    c.display_name, c.catalog_id
                ),
            ));
        }
        let c = clear_markers(ctx, &c1, c).await?;
        Ok(Model::imported(&c))
    }
}

/// An imported connector, or its app, may carry the marker of an interrupted
/// create (`pending.rs`): once imported they are tracked, so the marker goes,
/// lest another resource's create adopt them too.
async fn clear_markers(
    ctx: &Context,
    c1: &C1Client,
    c: Connector,
) -> Result<Connector, Diagnostic> {
    const SUMMARY: &str = "Cannot clear the pending marker of an imported object";
    let app = c1_call(ctx, SUMMARY, None, c1.app(&c.app_id)).await?;
    if let Some(app) = app.filter(|a| pending::is_pending(&a.description)) {
        let description = pending::strip(&app.description);
        let cleared = c1.set_app_description(&app.id, &description);
        c1_call(ctx, SUMMARY, None, cleared).await?;
    }
    if !pending::is_pending(&c.display_name) {
        return Ok(c);
    }
    // The marker is in the name: `UpdateDelegated` sets the name without it.
    let update = ConnectorUpdate::NameAndOwners {
        display_name: pending::strip(&c.display_name),
        user_ids: c.user_ids.clone(),
    };
    send_update(ctx, c1, &c, &update, SUMMARY, None).await
}

#[cfg(test)]
mod tests {
    use super::parse_id;

    #[test]
    fn import_ids() {
        assert_eq!(parse_id("a/c").unwrap(), ("a", "c"));
        for bad in ["", "a", "a/", "/c", "a/c/d"] {
            assert!(parse_id(bad).is_err(), "{bad}");
        }
    }
}
