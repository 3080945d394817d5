//! `conductorone_segment_group`: one Segment user group, by ID or name, with
//! its members' emails.

use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::framework::{Context, DataSource};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use super::{
    cancellable, exactly_one, exactly_one_of_id_or_name, finish, model_of, schema_of,
    segment_error, segment_setup, state_of, GroupModel, PermissionModel,
};
use crate::provider::Shared;
use crate::segment::SegmentError;

/// One user group of the Segment workspace, found by exactly one of `id` or
/// `name`, with its roles and its members' emails (every page).
#[derive(Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentGroupDataSource")]
pub struct SegmentGroupModel {
    /// The group's ID. Set this or `name`.
    #[schemars(extend("x-tf-computed" = true, "x-tf-optional" = true))]
    pub id: Option<String>,
    /// The group's exact name. Set this or `id`.
    #[schemars(extend("x-tf-computed" = true, "x-tf-optional" = true))]
    pub name: Option<String>,
    /// How many users are in the group.
    #[schemars(extend("x-tf-computed" = true))]
    pub member_count: Option<i64>,
    /// The roles the group's members get, and on what.
    #[schemars(extend("x-tf-computed" = true))]
    pub permissions: Option<Vec<PermissionModel>>,
    /// The members' emails, sorted.
    #[schemars(extend("x-tf-computed" = true))]
    pub member_emails: Option<Vec<String>>,
    /// A Segment Public API token to use instead of the provider's
    /// `segment_access_token`.
    #[schemars(extend("x-tf-sensitive" = true))]
    pub segment_access_token: Option<String>,
}

pub struct SegmentGroup {
    shared: Arc<Shared>,
}

impl SegmentGroup {
    pub fn new(shared: Arc<Shared>) -> Self {
        SegmentGroup { shared }
    }

    async fn fetch(&self, ctx: &Context, config: &Value) -> Result<Value, Diagnostic> {
        let mut diags = Diagnostics::new();
        exactly_one_of_id_or_name(config, &mut diags);
        if let Some(d) = diags.into_iter().next() {
            return Err(d);
        }
        let mut model: SegmentGroupModel = model_of(config)?;
        let (client, token) = segment_setup(&self.shared, config)?;
        let group = match (&model.id, &model.name) {
            (Some(id), _) => match cancellable(ctx, client.group(&token, id)).await? {
                Ok(g) => g,
                Err(SegmentError::NotFound { .. }) => {
                    return Err(Diagnostic::error(
                        "No such Segment group",
                        format!("No user group in the workspace has id {id:?}."),
                    )
                    .at(AttributePath::new("id")))
                }
                Err(e) => return Err(segment_error("Cannot read the Segment user group", &e)),
            },
            (None, Some(name)) => {
                let groups = cancellable(ctx, client.groups(&token))
                    .await?
                    .map_err(|e| segment_error("Cannot read the Segment user groups", &e))?;
                let found: Vec<_> = groups.iter().filter(|g| &g.name == name).collect();
                exactly_one(
                    found,
                    |g| g.id.as_str(),
                    "name",
                    name,
                    ("group", "groups"),
                    "user groups",
                    || format!("Names match exactly; {} groups read.", groups.len()),
                )?
                .clone()
            }
            (None, None) => {
                return Err(Diagnostic::error(
                    "Missing attribute",
                    "Set exactly one of id or name.",
                ))
            }
        };
        let members = cancellable(ctx, client.group_members(&token, &group.id))
            .await?
            .map_err(|e| segment_error("Cannot read the Segment user group's members", &e))?;
        let mut emails: Vec<String> = members.into_iter().filter_map(|m| m.email).collect();
        emails.sort();
        let g = GroupModel::from(&group);
        model.id = Some(g.id);
        model.name = Some(g.name);
        model.member_count = Some(g.member_count);
        model.permissions = Some(g.permissions);
        model.member_emails = Some(emails);
        state_of(&model, &self.schema())
    }
}

#[async_trait]
impl DataSource for SegmentGroup {
    fn type_name(&self) -> &'static str {
        "conductorone_segment_group"
    }

    fn schema(&self) -> Schema {
        schema_of::<SegmentGroupModel>()
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

    #[test]
    fn schema() {
        let s = SegmentGroup::new(Arc::default()).schema();
        for n in ["id", "name"] {
            let a = s.attribute(n).unwrap();
            assert!(a.optional && a.computed);
        }
        for n in ["member_count", "permissions", "member_emails"] {
            assert!(s.attribute(n).unwrap().computed, "{n}");
        }
    }
}
