//! `conductorone_segment_role`: one Segment role, by ID or name.

use crate::secret::Secret;
use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::diag::Diagnostic;
use tfplugin::framework::Context;
use tfplugin::typed::TypedDataSource;

use super::{cancellable, exactly_one, segment_error, segment_setup, Lookup};
use crate::provider::Shared;

/// One role of the Segment workspace, found by exactly one of `id` or `name`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentRoleDataSource")]
pub struct SegmentRoleModel {
    /// The role's ID. Set this or `name`.
    #[schemars(extend(
        "x-tf-computed" = true,
        "x-tf-optional" = true,
        "x-tf-validate" = ["not_empty", "path_segment", {"exactly_one_of": ["name"]}]
    ))]
    pub id: Option<String>,
    /// The role's exact name, such as `Workspace Owner`. Set this or `id`.
    #[schemars(extend("x-tf-computed" = true, "x-tf-optional" = true, "x-tf-validate" = ["not_empty"]))]
    pub name: Option<String>,
    /// What the role allows.
    #[schemars(extend("x-tf-computed" = true))]
    pub description: Option<String>,
    /// A Segment Public API token to use instead of the provider's
    /// `segment_access_token`.
    #[schemars(extend("x-tf-sensitive" = true, "x-tf-validate" = ["not_empty"]))]
    pub segment_access_token: Option<Secret>,
}

pub struct SegmentRole {
    shared: Arc<Shared>,
}

impl SegmentRole {
    pub fn new(shared: Arc<Shared>) -> Self {
        SegmentRole { shared }
    }
}

#[async_trait]
impl TypedDataSource for SegmentRole {
    type Model = SegmentRoleModel;

    fn type_name(&self) -> &'static str {
        "conductorone_segment_role"
    }

    async fn read(&self, ctx: &Context, mut m: Self::Model) -> Result<Self::Model, Diagnostic> {
        let (client, token) = segment_setup(&self.shared, m.segment_access_token.as_ref())?;
        let roles = cancellable(ctx, self.shared.reads().roles(&client, &token))
            .await?
            .map_err(|e| segment_error("Cannot read the Segment roles", &e))?;
        let lookup = Lookup::of(m.id.as_deref(), m.name.as_deref());
        let found: Vec<_> = roles
            .iter()
            .filter(|r| lookup.matches(&r.id, &r.name))
            .collect();
        let (attr, want) = lookup.attr_and_value();
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
        m.id = Some(role.id.clone());
        m.name = Some(role.name.clone());
        m.description = Some(role.description.clone().unwrap_or_default());
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::diag::{AttributePath, Diagnostics};
    use tfplugin::value::Value;

    fn exactly_one_of_id_or_name(config: &Value, diags: &mut Diagnostics) {
        let schema = tfplugin::Schema::derive::<SegmentRoleModel>().unwrap();
        tfplugin::rules::validate(&schema, config, diags);
    }

    #[test]
    fn schema() {
        let s = tfplugin::Schema::derive::<SegmentRoleModel>().unwrap();
        for n in ["id", "name"] {
            let a = s.attribute(n).unwrap();
            assert!(a.optional && a.computed);
        }
        assert!(s.attribute("description").unwrap().computed);
    }

    #[test]
    fn exactly_one_of_id_or_name_is_checked() {
        let ty = tfplugin::Schema::derive::<SegmentRoleModel>()
            .unwrap()
            .value_type();
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
