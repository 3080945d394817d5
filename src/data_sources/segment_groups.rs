//! `conductorone_segment_groups`: every user group of the Segment workspace.

use crate::secret::Secret;
use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::diag::Diagnostic;
use tfplugin::framework::Context;
use tfplugin::typed::TypedDataSource;

use super::{cancellable, matching_sorted, segment_error, segment_setup, GroupModel};
use crate::provider::Shared;

/// The user groups of the Segment workspace that the token belongs to, with
/// their roles. Every page is read; the list is sorted by name, then ID, so
/// plans stay stable.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentGroupsDataSource")]
pub struct SegmentGroupsModel {
    /// Only groups whose name matches this regular expression (Rust `regex`
    /// syntax, unanchored: use `^...$` for a whole-name match).
    #[schemars(extend("x-tf-validate" = ["valid_regex"]))]
    pub name_regex: Option<String>,
    /// A Segment Public API token to use instead of the provider's
    /// `segment_access_token`.
    #[schemars(extend("x-tf-sensitive" = true, "x-tf-validate" = ["not_empty"]))]
    pub segment_access_token: Option<Secret>,
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
}

#[async_trait]
impl TypedDataSource for SegmentGroups {
    type Model = SegmentGroupsModel;

    fn type_name(&self) -> &'static str {
        "conductorone_segment_groups"
    }

    async fn read(&self, ctx: &Context, mut m: Self::Model) -> Result<Self::Model, Diagnostic> {
        let (client, token) = segment_setup(&self.shared, m.segment_access_token.as_ref())?;
        let groups = cancellable(ctx, self.shared.reads().groups(&client, &token))
            .await?
            .map_err(|e| segment_error("Cannot read the Segment user groups", &e))?;
        let out = matching_sorted(&groups, m.name_regex.as_deref(), |g| GroupModel::from(g))?;
        tracing::debug!(
            groups = out.len(),
            read = groups.len(),
            "read Segment user groups"
        );
        m.groups = Some(out);
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::schema::AttributeType;

    #[test]
    fn schema() {
        let s = tfplugin::Schema::derive::<SegmentGroupsModel>().unwrap();
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
