//! `conductorone_segment_roles`: every role of the Segment workspace.

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
    segment_setup, state_of, RoleModel,
};
use crate::provider::Shared;

/// The roles of the Segment workspace that the token belongs to. Every page
/// is read; the list is sorted by name, then ID.
#[derive(Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentRolesDataSource")]
pub struct SegmentRolesModel {
    /// Only roles whose name matches this regular expression (Rust `regex`
    /// syntax, unanchored: use `^...$` for a whole-name match).
    pub name_regex: Option<String>,
    /// A Segment Public API token to use instead of the provider's
    /// `segment_access_token`.
    #[schemars(extend("x-tf-sensitive" = true))]
    pub segment_access_token: Option<String>,
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

    async fn fetch(&self, ctx: &Context, config: &Value) -> Result<Value, Diagnostic> {
        let mut model: SegmentRolesModel = model_of(config)?;
        let (client, token) = segment_setup(&self.shared, config)?;
        let roles = cancellable(ctx, client.roles(&token))
            .await?
            .map_err(|e| segment_error("Cannot read the Segment roles", &e))?;
        model.roles = Some(matching_sorted(&roles, config, |r| RoleModel::from(r))?);
        state_of(&model, &self.schema())
    }
}

#[async_trait]
impl DataSource for SegmentRoles {
    fn type_name(&self) -> &'static str {
        "conductorone_segment_roles"
    }

    fn schema(&self) -> Schema {
        schema_of::<SegmentRolesModel>()
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

    #[test]
    fn schema() {
        let s = SegmentRoles::new(Arc::default()).schema();
        assert!(s.attribute("roles").unwrap().computed);
        assert!(s.attribute("name_regex").unwrap().optional);
    }
}
