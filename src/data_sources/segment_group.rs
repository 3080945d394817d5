//! `conductorone_segment_group`: one Segment user group, by ID or name, with
//! its members' emails and its pending invitations.

use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::diag::{AttributePath, Diagnostic};
use tfplugin::framework::Context;
use tfplugin::typed::TypedDataSource;

use super::{
    cancellable, exactly_one, segment_error, segment_setup, GroupModel, Lookup, PermissionModel,
};
use crate::provider::Shared;
use crate::secret::Secret;
use crate::segment::{Group, SegmentClient, SegmentError};

/// One user group of the Segment workspace, found by exactly one of `id` or
/// `name`, with its roles and its members' emails (every page).
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentGroupDataSource")]
pub struct SegmentGroupModel {
    /// The group's ID. Set this or `name`.
    #[schemars(extend(
        "x-tf-computed" = true,
        "x-tf-optional" = true,
        "x-tf-validate" = ["not_empty", "path_segment", {"exactly_one_of": ["name"]}]
    ))]
    pub id: Option<String>,
    /// The group's exact name. Set this or `id`.
    #[schemars(extend("x-tf-computed" = true, "x-tf-optional" = true, "x-tf-validate" = ["not_empty"]))]
    pub name: Option<String>,
    /// How many users are in the group.
    #[schemars(extend("x-tf-computed" = true))]
    pub member_count: Option<i64>,
    /// The roles the group's members get, and on what.
    #[schemars(extend("x-tf-computed" = true))]
    pub permissions: Option<Vec<PermissionModel>>,
    /// The members' emails, sorted: users of the workspace in the group.
    #[schemars(extend("x-tf-computed" = true))]
    pub member_emails: Option<Vec<String>>,
    /// The emails invited to the group who have not joined the workspace
    /// yet, sorted (`GET /groups/{id}/invites`). Kept apart from
    /// `member_emails`: Segment's own Terraform provider counts them as
    /// members; once an invitation is accepted, the email moves there.
    #[schemars(extend("x-tf-computed" = true))]
    pub invite_emails: Option<Vec<String>>,
    /// A Segment Public API token to use instead of the provider's
    /// `segment_access_token`.
    #[schemars(extend("x-tf-sensitive" = true, "x-tf-validate" = ["not_empty"]))]
    pub segment_access_token: Option<Secret>,
}

pub struct SegmentGroup {
    shared: Arc<Shared>,
}

impl SegmentGroup {
    pub fn new(shared: Arc<Shared>) -> Self {
        SegmentGroup { shared }
    }
}

/// The group: read by ID, or found by name among all groups.
async fn find_group(
    ctx: &Context,
    reads: &crate::cache::Reads,
    client: &SegmentClient,
    token: &Secret,
    lookup: Lookup<'_>,
) -> Result<Group, Diagnostic> {
    if let Lookup::Id(id) = lookup {
        return match cancellable(ctx, client.group(token, id)).await? {
            Ok(g) => Ok(g),
            Err(SegmentError::NotFound { .. }) => Err(Diagnostic::error(
                "No such Segment group",
                format!("No user group in the workspace has id {id:?}."),
            )
            .at(AttributePath::new("id"))),
            Err(e) => Err(segment_error("Cannot read the Segment user group", &e)),
        };
    }
    let groups = cancellable(ctx, reads.groups(client, token))
        .await?
        .map_err(|e| segment_error("Cannot read the Segment user groups", &e))?;
    let found: Vec<_> = groups
        .iter()
        .filter(|g| lookup.matches(&g.id, &g.name))
        .collect();
    let (attr, want) = lookup.attr_and_value();
    let hint = || format!("Names match exactly; {} groups read.", groups.len());
    exactly_one(
        found,
        |g| g.id.as_str(),
        attr,
        want,
        ("group", "groups"),
        "user groups",
        hint,
    )
    .cloned()
}

#[async_trait]
impl TypedDataSource for SegmentGroup {
    type Model = SegmentGroupModel;

    fn type_name(&self) -> &'static str {
        "conductorone_segment_group"
    }

    async fn read(&self, ctx: &Context, mut m: Self::Model) -> Result<Self::Model, Diagnostic> {
        let (client, token) = segment_setup(&self.shared, m.segment_access_token.as_ref())?;
        let lookup = Lookup::of(m.id.as_deref(), m.name.as_deref());
        let group = find_group(ctx, self.shared.reads(), &client, &token, lookup).await?;
        let both = futures_util::future::join(
            client.group_members(&token, &group.id),
            client.group_invites(&token, &group.id),
        );
        let (members, invites) = cancellable(ctx, both).await?;
        let members = members
            .map_err(|e| segment_error("Cannot read the Segment user group's members", &e))?;
        let mut invites = invites
            .map_err(|e| segment_error("Cannot read the Segment user group's invitations", &e))?;
        invites.sort();
        let mut emails: Vec<String> = members.into_iter().filter_map(|m| m.email).collect();
        emails.sort();
        let g = GroupModel::from(&group);
        m.id = Some(g.id);
        m.name = Some(g.name);
        m.member_count = Some(g.member_count);
        m.permissions = Some(g.permissions);
        m.member_emails = Some(emails);
        m.invite_emails = Some(invites);
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema() {
        let s = tfplugin::Schema::derive::<SegmentGroupModel>().unwrap();
        for n in ["id", "name"] {
            let a = s.attribute(n).unwrap();
            assert!(a.optional && a.computed);
        }
        for n in [
            "member_count",
            "permissions",
            "member_emails",
            "invite_emails",
        ] {
            assert!(s.attribute(n).unwrap().computed, "{n}");
        }
    }
}
