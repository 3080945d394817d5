//! `conductorone_segment_workspace`: the Segment workspace a token belongs to.

use crate::secret::Secret;
use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::diag::Diagnostic;
use tfplugin::framework::Context;
use tfplugin::typed::TypedDataSource;

use super::{cancellable, segment_error, segment_setup};
use crate::provider::Shared;

/// The Segment workspace that the Segment access token belongs to (Segment
/// scopes every token to one workspace).
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentWorkspaceDataSource")]
pub struct SegmentWorkspaceModel {
    /// The workspace ID.
    #[schemars(extend("x-tf-computed" = true))]
    pub id: Option<String>,
    /// The workspace's display name.
    #[schemars(extend("x-tf-computed" = true))]
    pub name: Option<String>,
    /// The workspace's URL-friendly slug.
    #[schemars(extend("x-tf-computed" = true))]
    pub slug: Option<String>,
    /// A Segment Public API token to use instead of the provider's
    /// `segment_access_token`.
    #[schemars(extend("x-tf-sensitive" = true, "x-tf-validate" = ["not_empty"]))]
    pub segment_access_token: Option<Secret>,
}

pub struct SegmentWorkspace {
    shared: Arc<Shared>,
}

impl SegmentWorkspace {
    pub fn new(shared: Arc<Shared>) -> Self {
        SegmentWorkspace { shared }
    }
}

#[async_trait]
impl TypedDataSource for SegmentWorkspace {
    type Model = SegmentWorkspaceModel;

    fn type_name(&self) -> &'static str {
        "conductorone_segment_workspace"
    }

    async fn read(&self, ctx: &Context, mut m: Self::Model) -> Result<Self::Model, Diagnostic> {
        let (client, token) = segment_setup(&self.shared, m.segment_access_token.as_ref())?;
        let ws = cancellable(ctx, self.shared.reads().workspace(&client, &token))
            .await?
            .map_err(|e| segment_error("Cannot read the Segment workspace", &e))?;
        m.id = Some(ws.id);
        m.name = Some(ws.name);
        m.slug = Some(ws.slug);
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema() {
        let s = tfplugin::Schema::derive::<SegmentWorkspaceModel>().unwrap();
        for n in ["id", "name", "slug"] {
            let a = s.attribute(n).unwrap();
            assert!(a.computed && !a.optional);
        }
        let t = s.attribute("segment_access_token").unwrap();
        assert!(t.optional && t.sensitive);
    }
}
