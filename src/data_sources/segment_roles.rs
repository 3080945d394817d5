//! `conductorone_segment_roles`: every role of the Segment workspace.

use crate::secret::Secret;
use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::diag::Diagnostic;
use tfplugin::framework::Context;
use tfplugin::typed::TypedDataSource;

use super::{cancellable, matching_sorted, segment_error, segment_setup, RoleModel};
use crate::provider::Shared;

/// The roles of the Segment workspace that the token belongs to. Every page
/// is read; the list is sorted by name, then ID.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentRolesDataSource")]
pub struct SegmentRolesModel {
    /// Only roles whose name matches this regular expression (Rust `regex`
    /// syntax, unanchored: use `^...$` for a whole-name match).
    #[schemars(extend("x-tf-validate" = ["valid_regex"]))]
    pub name_regex: Option<String>,
    /// A Segment Public API token to use instead of the provider's
    /// `segment_access_token`.
    #[schemars(extend("x-tf-sensitive" = true, "x-tf-validate" = ["not_empty"]))]
    pub segment_access_token: Option<Secret>,
    /// The roles.
    #[schemars(extend("x-tf-computed" = true))]
    pub roles: Option<Vec<RoleModel>>,
}

pub struct SegmentRoles {
    shared: Arc<Shared>,
}

impl SegmentRoles {
    pub fn new(shared: Arc<Shared>) -> Self {
        SegmentRoles { shared }
    }
}

#[async_trait]
impl TypedDataSource for SegmentRoles {
    type Model = SegmentRolesModel;

    fn type_name(&self) -> &'static str {
        "conductorone_segment_roles"
    }

    async fn read(&self, ctx: &Context, mut m: Self::Model) -> Result<Self::Model, Diagnostic> {
        let (client, token) = segment_setup(&self.shared, m.segment_access_token.as_ref())?;
        let roles = cancellable(ctx, self.shared.reads().roles(&client, &token))
            .await?
            .map_err(|e| segment_error("Cannot read the Segment roles", &e))?;
        m.roles = Some(matching_sorted(&roles, m.name_regex.as_deref(), |r| {
            RoleModel::from(r)
        })?);
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema() {
        let s = tfplugin::Schema::derive::<SegmentRolesModel>().unwrap();
        assert!(s.attribute("roles").unwrap().computed);
        assert!(s.attribute("name_regex").unwrap().optional);
    }
}
