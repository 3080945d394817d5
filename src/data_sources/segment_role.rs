//! `conductorone_segment_role`: one Segment role, by ID or name.

use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::framework::{Context, DataSource};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use super::{
    cancellable, exactly_one, exactly_one_of_id_or_name, finish, model_of, schema_of,
    segment_error, segment_setup, state_of,
};
use crate::provider::Shared;

/// One role of the Segment workspace, found by exactly one of `id` or `name`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentRoleDataSource")]
pub struct SegmentRoleModel {
    /// The role's ID. Set this or `name`.
    #[schemars(extend("x-tf-computed" = true, "x-tf-optional" = true))]
    pub id: Option<String>,
    /// The role's exact name, such as `Workspace Owner`. Set this or `id`.
    #[schemars(extend("x-tf-computed" = true, "x-tf-optional" = true))]
    pub name: Option<String>,
    /// What the role allows.
    #[schemars(extend("x-tf-computed" = true))]
    pub description: Option<String>,
    /// A Segment Public API token to use instead of the provider's
    /// `segment_access_token`.
    #[schemars(extend("x-tf-sensitive" = true))]
    pub segment_access_token: Option<String>,
}

pub struct SegmentRole {
    shared: Arc<Shared>,
}

impl SegmentRole {
    pub fn new(shared: Arc<Shared>) -> Self {
        SegmentRole { shared }
    }

    async fn fetch(&self, ctx: &Context, config: &Value) -> Result<Value, Diagnostic> {
        let mut diags = Diagnostics::new();
        exactly_one_of_id_or_name(config, &mut diags);
        if let Some(d) = diags.into_iter().next() {
            return Err(d);
        }
        let mut model: SegmentRoleModel = model_of(config)?;
        let (client, token) = segment_setup(&self.shared, config)?;
        let roles = cancellable(ctx, client.roles(&token))
            .await?
            .map_err(|e| segment_error("Cannot read the Segment roles", &e))?;
        let (attr, want, found): (&str, &str, Vec<_>) = match (&model.id, &model.name) {
            (Some(id), _) => ("id", id, roles.iter().filter(|r| &r.id == id).collect()),
            (None, Some(name)) => (
                "name",
                name,
                roles.iter().filter(|r| &r.name == name).collect(),
            ),
            (None, None) => {
                return Err(Diagnostic::error(
                    "Missing attribute",
                    "Set exactly one of id or name.",
                ))
            }
        };
        let role = exactly_one(
            found,
            |r| r.id.as_str(),
            attr,
            want,
            ("role", "roles"),
            "roles",
            || {
                let mut names: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
                names.sort_unstable();
                format!("The roles are: {}.", names.join(", "))
            },
        )?;
        model.id = Some(role.id.clone());
        model.name = Some(role.name.clone());
        model.description = Some(role.description.clone().unwrap_or_default());
        state_of(&model, &self.schema())
    }
}

#[async_trait]
impl DataSource for SegmentRole {
    fn type_name(&self) -> &'static str {
        "conductorone_segment_role"
    }

    fn schema(&self) -> Schema {
        schema_of::<SegmentRoleModel>()
    }

    async fn validate(&self, _ctx: &Context, config: &Value, diags: &mut Diagnostics) {
        exactly_one_of_id_or_name(config, diags);
    }

    async fn read(&self, ctx: &Context, config: Value, diags: &mut Diagnostics) -> Value {
        finish(self.fetch(ctx, &config).await, diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::diag::AttributePath;

    #[test]
    fn schema() {
        let s = SegmentRole::new(Arc::default()).schema();
        for n in ["id", "name"] {
            let a = s.attribute(n).unwrap();
            assert!(a.optional && a.computed);
        }
        assert!(s.attribute("description").unwrap().computed);
    }

    #[test]
    fn exactly_one_of_id_or_name_is_checked() {
        let ty = SegmentRole::new(Arc::default()).schema().value_type();
        let mut both = Value::null_object(&ty);
        both.set_attr("id", Value::string("a"));
        both.set_attr("name", Value::string("b"));
        let mut d = Diagnostics::new();
        exactly_one_of_id_or_name(&both, &mut d);
        assert_eq!(
            d.iter().next().unwrap().path,
            Some(AttributePath::new("name"))
        );
        let mut d = Diagnostics::new();
        exactly_one_of_id_or_name(&Value::null_object(&ty), &mut d);
        assert!(d.has_errors());
        let mut unknown = Value::null_object(&ty);
        unknown.set_attr("id", Value::Unknown);
        let mut d = Diagnostics::new();
        exactly_one_of_id_or_name(&unknown, &mut d);
        assert!(d.is_empty(), "unknowns wait");
    }
}
