//! `conductorone_segment_workspace`: the Segment workspace a token belongs to.

use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use tfplugin::diag::Diagnostics;
use tfplugin::framework::{Context, DataSource};
use tfplugin::schema::Schema;
use tfplugin::validate;
use tfplugin::value::Value;
use tfplugin::AttributePath;

use super::{segment_error, segment_setup};
use crate::provider::Shared;

/// The Segment workspace that the Segment access token belongs to (Segment
/// scopes every token to one workspace).
#[derive(JsonSchema)]
#[schemars(rename = "SegmentWorkspaceDataSource")]
#[allow(dead_code)] // Read through the schema; the fields document it.
pub struct SegmentWorkspaceModel {
    /// The workspace ID.
    #[schemars(extend("x-tf-computed" = true))]
    id: Option<String>,
    /// The workspace's display name.
    #[schemars(extend("x-tf-computed" = true))]
    name: Option<String>,
    /// The workspace's URL-friendly slug.
    #[schemars(extend("x-tf-computed" = true))]
    slug: Option<String>,
    /// A Segment Public API token to use instead of the provider's
    /// `segment_access_token`.
    #[schemars(extend("x-tf-sensitive" = true))]
    segment_access_token: Option<String>,
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
impl DataSource for SegmentWorkspace {
    fn type_name(&self) -> &'static str {
        "conductorone_segment_workspace"
    }

    fn schema(&self) -> Schema {
        Schema::derive::<SegmentWorkspaceModel>().unwrap_or_else(|e| panic!("{e}"))
    }

    async fn validate(&self, _ctx: &Context, config: &Value, diags: &mut Diagnostics) {
        validate::not_empty(
            config.attr("segment_access_token"),
            &AttributePath::new("segment_access_token"),
            diags,
        );
    }

    async fn read(&self, ctx: &Context, config: Value, diags: &mut Diagnostics) -> Value {
        let setup = segment_setup(&self.shared, &config);
        let (client, token) = match setup {
            Ok(s) => s,
            Err(d) => {
                diags.push(d);
                return Value::Null;
            }
        };
        let result = tokio::select! {
            r = client.workspace(&token) => r,
            () = ctx.cancel.cancelled() => {
                diags.error("Cancelled", "Terraform asked the provider to stop.");
                return Value::Null;
            }
        };
        match result {
            Ok(ws) => {
                let mut out = config;
                out.set_attr("id", Value::String(ws.id));
                out.set_attr("name", Value::String(ws.name));
                out.set_attr("slug", Value::String(ws.slug));
                out
            }
            Err(e) => {
                diags.push(segment_error("Cannot read the Segment workspace", &e));
                Value::Null
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema() {
        let s = SegmentWorkspace::new(Arc::default()).schema();
        for n in ["id", "name", "slug"] {
            let a = s.attribute(n).unwrap();
            assert!(a.computed && !a.optional);
        }
        let t = s.attribute("segment_access_token").unwrap();
        assert!(t.optional && t.sensitive);
    }
}
