//! `conductorone_segment_groups`: every user group of the Segment workspace.

use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::framework::{Context, DataSource};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use super::{
    cancellable, finish, matching_sorted, model_of, name_regex, schema_of, segment_error,
    segment_setup, state_of, GroupModel,
};
use crate::provider::Shared;

/// The user groups of the Segment workspace that the token belongs to, with
/// their roles. Every page is read; the list is sorted by name, then ID, so
/// plans stay stable.
#[derive(Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentGroupsDataSource")]
pub struct SegmentGroupsModel {
    /// Only groups whose name matches this regular expression (Rust `regex`
    /// syntax, unanchored: use `^...$` for a whole-name match).
    pub name_regex: Option<String>,
    /// A Segment Public API token to use instead of the provider's
    /// `segment_access_token`.
    #[schemars(extend("x-tf-sensitive" = true))]
    pub segment_access_token: Option<String>,
    /// The groups.
    #[schemars(extend("x-tf-computed" = true))]
    pub groups: Option<Vec<GroupModel>>,
}

pub struct SegmentGroups {
    shared: Arc<Shared>,
}

impl SegmentGroups {
    pub fn new(shared: Arc<Shared>) -> Self {
        SegmentGroups { shared }
    }

    async fn fetch(&self, ctx: &Context, config: &Value) -> Result<Value, Diagnostic> {
        let mut model: SegmentGroupsModel = model_of(config)?;
        let (client, token) = segment_setup(&self.shared, config)?;
        let groups = cancellable(ctx, client.groups(&token))
            .await?
            .map_err(|e| segment_error("Cannot read the Segment user groups", &e))?;
        let out = matching_sorted(&groups, config, |g| GroupModel::from(g))?;
        tracing::debug!(
            groups = out.len(),
            read = groups.len(),
            "read Segment user groups"
        );
        model.groups = Some(out);
        state_of(&model, &self.schema())
    }
}

#[async_trait]
impl DataSource for SegmentGroups {
    fn type_name(&self) -> &'static str {
        "conductorone_segment_groups"
    }

    fn schema(&self) -> Schema {
        schema_of::<SegmentGroupsModel>()
    }

    async fn validate(&self, _ctx: &Context, config: &Value, diags: &mut Diagnostics) {
        name_regex(config, diags);
    }

    async fn read(&self, ctx: &Context, config: Value, diags: &mut Diagnostics) -> Value {
        finish(self.fetch(ctx, &config).await, diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::schema::AttributeType;

    #[test]
    fn schema() {
        let s = SegmentGroups::new(Arc::default()).schema();
        let groups = s.attribute("groups").unwrap();
        assert!(groups.computed && !groups.optional);
        let AttributeType::Nested { attributes, .. } = &groups.ty else {
            panic!("nested")
        };
        let names: Vec<&str> = attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["id", "member_count", "name", "permissions"]);
        assert!(s.attribute("name_regex").unwrap().optional);
        assert!(s.attribute("segment_access_token").unwrap().sensitive);
    }
}
