//! Data sources, one file each, and what they share: the Segment models that
//! several of them return, the token and client set-up, and the plumbing from
//! Terraform values to typed models and back.

pub mod segment_group;
pub mod segment_groups;
pub mod segment_role;
pub mod segment_roles;
pub mod segment_sync_status;
pub mod segment_workspace;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::diag::{AttributePath, Diagnostic};

pub(crate) use crate::glue::{cancellable, segment_error, segment_setup};
use crate::segment;

/// A resource a Segment permission applies to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct ResourceModel {
    /// The resource's ID (for a workspace, the workspace ID).
    pub id: String,
    /// `WORKSPACE`, `SOURCE`, `SPACE`, `WAREHOUSE` or `FUNCTION`.
    #[serde(rename = "type")]
    pub r#type: String,
}

/// A role granted on resources.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct PermissionModel {
    /// The role's ID.
    pub role_id: String,
    /// The role's name, such as `Workspace Owner`.
    pub role_name: String,
    /// The resources the role is granted on.
    pub resources: Vec<ResourceModel>,
}

/// A Segment user group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GroupModel {
    /// The group's ID.
    pub id: String,
    /// The group's name.
    pub name: String,
    /// How many users are in the group.
    pub member_count: i64,
    /// The roles the group's members get, and on what.
    pub permissions: Vec<PermissionModel>,
}

/// A Segment role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RoleModel {
    /// The role's ID.
    pub id: String,
    /// The role's name.
    pub name: String,
    /// What the role allows.
    pub description: String,
}

impl From<&segment::Group> for GroupModel {
    fn from(g: &segment::Group) -> Self {
        GroupModel {
            id: g.id.clone(),
            name: g.name.clone(),
            #[allow(clippy::cast_possible_truncation)]
            member_count: g.member_count.map_or(0, |c| c.round() as i64),
            permissions: g
                .permissions
                .iter()
                .map(|p| PermissionModel {
                    role_id: p.role_id.clone(),
                    role_name: p.role_name.clone().unwrap_or_default(),
                    resources: p
                        .resources
                        .iter()
                        .map(|r| ResourceModel {
                            id: r.id.clone(),
                            r#type: r.kind.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl From<&segment::Role> for RoleModel {
    fn from(r: &segment::Role) -> Self {
        RoleModel {
            id: r.id.clone(),
            name: r.name.clone(),
            description: r.description.clone().unwrap_or_default(),
        }
    }
}

/// A model listed by name (groups, roles).
pub(crate) trait Named {
    fn name(&self) -> &str;
    fn id(&self) -> &str;
}

impl Named for GroupModel {
    fn name(&self) -> &str {
        &self.name
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl Named for RoleModel {
    fn name(&self) -> &str {
        &self.name
    }
    fn id(&self) -> &str {
        &self.id
    }
}

/// The models whose name matches `name_regex` (all when unset), sorted by
/// name then ID so plans stay stable. (The declared validator has checked
/// the expression; it is compiled here.)
pub(crate) fn matching_sorted<S, M: Named>(
    items: &[S],
    name_regex: Option<&str>,
    to_model: impl Fn(&S) -> M,
) -> Result<Vec<M>, Diagnostic> {
    let re = name_regex.map(regex::Regex::new).transpose().map_err(|e| {
        Diagnostic::error("Invalid regular expression", e.to_string())
            .at(AttributePath::new("name_regex"))
    })?;
    let mut out: Vec<M> = items
        .iter()
        .map(to_model)
        .filter(|m| re.as_ref().is_none_or(|r| r.is_match(m.name())))
        .collect();
    out.sort_by(|a, b| a.name().cmp(b.name()).then_with(|| a.id().cmp(b.id())));
    Ok(out)
}

/// The one item of `found` (those whose `attr` equals `want`), or an error on
/// `attr` saying that none matched (with `none_hint`) or which several did.
/// `titles` name the items in titles (`group`, `groups`), `kind` in details
/// (`user groups`).
pub(crate) fn exactly_one<'a, T>(
    found: Vec<&'a T>,
    id_of: impl Fn(&T) -> &str,
    attr: &str,
    want: &str,
    (one, several): (&str, &str),
    kind: &str,
    none_hint: impl FnOnce() -> String,
) -> Result<&'a T, Diagnostic> {
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(Diagnostic::error(
            format!("No such Segment {one}"),
            format!(
                "None of the workspace's {kind} {}. {}",
                matching(attr, want),
                none_hint()
            ),
        )
        .at(AttributePath::new(attr))),
        many => {
            let ids: Vec<&str> = many.iter().map(|x| id_of(x)).collect();
            Err(Diagnostic::error(
                format!("Several Segment {several} match"),
                format!(
                    "{} {kind} {} (IDs {}); use id to pick one.",
                    many.len(),
                    matching(attr, want),
                    ids.join(", ")
                ),
            )
            .at(AttributePath::new(attr)))
        }
    }
}

fn matching(attr: &str, want: &str) -> String {
    if attr == "name" {
        format!("are named {want:?}")
    } else {
        format!("have {attr} {want:?}")
    }
}

/// How a single-item data source finds its item: by `id`, else by `name`
/// (the declared `exactly_one_of` validator guarantees one of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lookup<'a> {
    Id(&'a str),
    Name(&'a str),
}

impl<'a> Lookup<'a> {
    pub(crate) fn of(id: Option<&'a str>, name: Option<&'a str>) -> Self {
        match (id, name) {
            (Some(id), _) => Lookup::Id(id),
            (None, name) => Lookup::Name(name.unwrap_or_default()),
        }
    }

    /// The attribute looked up by, and the value wanted.
    pub(crate) fn attr_and_value(self) -> (&'static str, &'a str) {
        match self {
            Lookup::Id(id) => ("id", id),
            Lookup::Name(name) => ("name", name),
        }
    }

    /// True when `(id, name)` is what is looked for.
    pub(crate) fn matches(self, id: &str, name: &str) -> bool {
        match self {
            Lookup::Id(want) => want == id,
            Lookup::Name(want) => want == name,
        }
    }
}
