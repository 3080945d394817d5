//! The resource's model: its schema, docs page and per-attribute behaviour
//! all derive from this one declaration.

use crate::secret::Secret;
use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::value::Number;

use crate::conductorone::ConnectorOf;
use crate::segment::Workspace;

/// Registers Segment as a connector in ConductorOne so that ConductorOne
/// syncs the workspace's users, groups and roles. Before anything is created
/// or a token is changed, the token is checked against Segment's Public API
/// (it must read the workspace, its users, groups and roles, as the
/// connector will), during `terraform plan` when its value is known, and
/// again during apply.
///
/// Use `segment_access_token_wo` (Terraform 1.11 and later) to keep the token
/// out of the plan and the state; bump `segment_access_token_wo_version` to
/// send a new token. Import an existing connector with
/// `terraform import conductorone_segment_integration.NAME APP_ID/CONNECTOR_ID`.
///
/// ConductorOne never returns the token, so a token changed outside Terraform
/// cannot be detected; owners and name are refreshed, and a connector deleted
/// outside Terraform is planned again. The state holds only what Terraform
/// manages: the sync's health, which changes on its own, is read at every
/// refresh and shown as a warning when the last sync failed or the connector
/// is paused; read it as values with the `conductorone_segment_sync_status`
/// data source. A create writes the Segment
/// workspace its token was checked against (slug and ID) in the connector's
/// description, so that an import can show it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentIntegrationResource")]
pub struct SegmentIntegrationModel {
    /// The connector's ID.
    #[schemars(extend("x-tf-computed" = true, "x-tf-plan" = ["use_state_for_unknown"]))]
    pub id: Option<String>,
    /// The ID of the ConductorOne app the connector belongs to. When not set,
    /// the resource creates an app named `app_display_name` and deletes it on
    /// destroy; the plan warns when ConductorOne already has a Segment app
    /// (such as the one your identity provider made) and names it. Changing
    /// it replaces the connector; removing it from the configuration keeps
    /// the connector where it is.
    #[schemars(extend(
        "x-tf-optional" = true,
        "x-tf-computed" = true,
        "x-tf-plan" = ["use_state_for_unknown", "requires_replace"],
        "x-tf-validate" = ["not_empty", "path_segment"]
    ))]
    pub app_id: Option<String>,
    /// The name of the app this resource creates when `app_id` is not set.
    /// Defaults to `Segment`; null when the app is not the resource's own.
    #[schemars(extend(
        "x-tf-optional" = true,
        "x-tf-computed" = true,
        "x-tf-validate" = ["not_empty", {"conflicts_with": ["app_id"]}]
    ))]
    pub app_display_name: Option<String>,
    /// Whether this resource created the app (no `app_id` given) and so
    /// deletes it on destroy.
    #[schemars(extend("x-tf-computed" = true, "x-tf-plan" = ["use_state_for_unknown"]))]
    pub managed_app: Option<bool>,
    /// The connector's name in ConductorOne. Defaults to `Segment`.
    #[schemars(extend(
        "x-tf-optional" = true,
        "x-tf-computed" = true,
        "x-tf-default" = "Segment",
        "x-tf-validate" = ["not_empty"]
    ))]
    pub display_name: Option<String>,
    /// The connector's owners: ConductorOne user IDs, each of an existing,
    /// enabled user (checked during plan, which also warns about an owner
    /// holding neither the Connector Administrator nor the Super
    /// Administrator role). Defaults to the caller of the API, as
    /// ConductorOne reports it (credentials that are no user leave the owners
    /// to ConductorOne, and the plan warns). A set: order never makes a
    /// difference. Removing it from the configuration keeps the current
    /// owners.
    #[schemars(extend(
        "x-tf-optional" = true,
        "x-tf-computed" = true,
        "x-tf-plan" = ["use_state_for_unknown"],
        "x-tf-validate" = [{"min_items": 1}, "not_empty", "path_segment"]
    ))]
    pub user_ids: Option<BTreeSet<String>>,
    /// A Segment Public API token with the Workspace Owner access level. Kept
    /// (marked sensitive) in the state; for Terraform older than 1.11. Prefer
    /// `segment_access_token_wo`. Conflicts with it. With neither, the
    /// connector waits for its owner to enter a token in ConductorOne.
    #[schemars(extend(
        "x-tf-sensitive" = true,
        "x-tf-validate" = ["not_empty", {"conflicts_with": ["segment_access_token_wo"]}]
    ))]
    pub segment_access_token: Option<Secret>,
    /// A Segment Public API token with the Workspace Owner access level,
    /// write-only: never in the plan or the state. Sent when the connector is
    /// created and whenever `segment_access_token_wo_version` changes. Needs
    /// Terraform 1.11 or later; with older Terraform, use
    /// `segment_access_token`.
    #[schemars(extend(
        "x-tf-sensitive" = true,
        "x-tf-write-only" = true,
        "x-tf-write-only-fallback" = "segment_access_token",
        "x-tf-validate" = ["not_empty"]
    ))]
    pub segment_access_token_wo: Option<Secret>,
    /// A number to change whenever `segment_access_token_wo` should be sent
    /// again (such as after rotating the token). Any number, kept exactly
    /// (`2`, `20261129`, `0.1`, `1e400`).
    #[schemars(extend("x-tf-validate" = [{"also_requires": ["segment_access_token_wo"]}]))]
    pub segment_access_token_wo_version: Option<Number>,
    /// The ID of the Segment workspace the token belongs to.
    #[schemars(extend("x-tf-computed" = true, "x-tf-plan" = ["use_state_for_unknown"]))]
    pub segment_workspace_id: Option<String>,
    /// The slug of the Segment workspace the token belongs to.
    #[schemars(extend("x-tf-computed" = true, "x-tf-plan" = ["use_state_for_unknown"]))]
    pub segment_workspace_slug: Option<String>,
    /// When the connector was created (RFC 3339).
    #[schemars(extend("x-tf-computed" = true, "x-tf-plan" = ["use_state_for_unknown"]))]
    pub created_at: Option<String>,
}

impl SegmentIntegrationModel {
    /// The token the configuration sets, whichever attribute holds it.
    pub fn token(&self) -> Option<&Secret> {
        self.segment_access_token_wo
            .as_ref()
            .or(self.segment_access_token.as_ref())
    }

    /// True when this change sends a (new) token, or removes it.
    pub fn token_changes_from(&self, prior: Option<&Self>) -> bool {
        prior.is_none_or(|p| {
            p.segment_access_token != self.segment_access_token
                || p.segment_access_token_wo_version != self.segment_access_token_wo_version
        })
    }

    /// Records the workspace a token was checked against (or none).
    pub fn set_workspace(&mut self, ws: Option<&Workspace>) {
        self.segment_workspace_id = ws.map(|w| w.id.clone());
        self.segment_workspace_slug = ws.map(|w| w.slug.clone());
    }

    /// This model refreshed from `c`, for what ConductorOne can tell.
    #[must_use]
    pub fn refreshed<C>(&self, c: &ConnectorOf<C>) -> Self {
        let mut m = self.clone();
        m.id = Some(c.id.clone());
        m.app_id = Some(c.app_id.clone());
        m.display_name = Some(c.display_name.clone());
        m.user_ids = Some(c.user_ids.iter().cloned().collect());
        m.created_at.clone_from(&c.created_at);
        m.segment_access_token_wo = None;
        m
    }

    /// A connector found in ConductorOne (imported, or listed for import),
    /// in an app that is not the resource's own. The workspace comes from
    /// the note its create wrote in the description, when there is one:
    /// after that only a token checked by Terraform changes it.
    #[must_use]
    pub fn imported<C>(c: &ConnectorOf<C>) -> Self {
        let base = SegmentIntegrationModel {
            managed_app: Some(false),
            ..Default::default()
        };
        let mut m = base.refreshed(c);
        if let Some((id, slug)) = workspace_from_note(&c.description) {
            m.segment_workspace_id = Some(id);
            m.segment_workspace_slug = Some(slug);
        }
        m
    }

    /// The state of a resource whose connector is gone but whose own app
    /// remains: the next plan makes the connector again in that app.
    #[must_use]
    pub fn without_connector(&self) -> Self {
        SegmentIntegrationModel {
            id: None,
            created_at: None,
            ..self.clone()
        }
    }
}

/// The identity of a `conductorone_segment_integration` (Terraform 1.12+):
/// the connector, named by its app and its own ID. Both are required in an
/// `import` block's `identity`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SegmentIntegrationIdentity {
    /// The ID of the ConductorOne app that holds the connector.
    pub app_id: String,
    /// The ID of the connector.
    pub connector_id: String,
}

/// The connector description a create writes, recording the workspace its
/// token was checked against; read back into `segment_workspace_id` and
/// `segment_workspace_slug` on import (ConductorOne's own code never updates
/// a description, so a token sent later does not change it).
pub fn workspace_note(ws: Option<&Workspace>) -> String {
    ws.map(|ws| {
        format!(
            "Segment workspace {} ({}); token checked by Terraform.",
            ws.slug, ws.id
        )
    })
    .unwrap_or_default()
}

fn workspace_from_note(description: &str) -> Option<(String, String)> {
    let rest = description.strip_prefix("Segment workspace ")?;
    let (slug, rest) = rest.split_once(" (")?;
    let (id, _) = rest.split_once(')')?;
    (!slug.is_empty() && !id.is_empty()).then(|| (id.to_string(), slug.to_string()))
}

#[cfg(test)]
mod tests {
    use tfplugin::schema::Schema;

    use super::*;

    #[test]
    fn schema_is_derived_from_the_model() {
        let s = Schema::derive::<SegmentIntegrationModel>().unwrap();
        let wo = s.attribute("segment_access_token_wo").unwrap();
        assert!(wo.write_only && wo.sensitive && wo.optional && !wo.computed);
        let t = s.attribute("segment_access_token").unwrap();
        assert!(t.sensitive && !t.write_only);
        let app_id = tfplugin::typed::path_of(|m: &mut SegmentIntegrationModel| &mut m.app_id);
        let app = s.attribute(&app_id.to_string()).unwrap();
        assert!(app.optional && app.computed);
        assert!(s.attribute("id").unwrap().computed);
        assert!(!s.attribute("id").unwrap().optional);
    }

    #[test]
    fn workspace_note_round_trips() {
        let ws = Workspace {
            id: "ws_1".into(),
            name: "n".into(),
            slug: "acme".into(),
        };
        assert_eq!(
            workspace_from_note(&workspace_note(Some(&ws))),
            Some(("ws_1".into(), "acme".into()))
        );
        assert_eq!(workspace_from_note("hand-written"), None);
        assert_eq!(workspace_note(None), "");
    }
}
