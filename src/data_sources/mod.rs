//! Data sources, one file each, and what they share: the Segment models that
//! several of them return, the token and client set-up, and the plumbing from
//! Terraform values to typed models and back.

pub mod segment_group;
pub mod segment_groups;
pub mod segment_role;
pub mod segment_roles;
pub mod segment_workspace;

use std::future::Future;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::framework::Context;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::provider::{Configured, Shared};
use crate::secret::Secret;
use crate::segment::{self, SegmentClient, SegmentError};

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
/// name then ID so plans stay stable.
pub(crate) fn matching_sorted<S, M: Named>(
    items: &[S],
    config: &Value,
    to_model: impl Fn(&S) -> M,
) -> Result<Vec<M>, Diagnostic> {
    let mut diags = Diagnostics::new();
    let re = name_regex(config, &mut diags);
    if let Some(d) = diags.into_iter().next() {
        return Err(d);
    }
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

/// Derives a data source's schema (the models are fixed at compile time,
/// and each has a unit test deriving it).
pub(crate) fn schema_of<T: JsonSchema>() -> Schema {
    Schema::derive::<T>().unwrap_or_else(|e| panic!("{e}"))
}

/// A wholly known configuration as its model.
pub(crate) fn model_of<T: DeserializeOwned>(config: &Value) -> Result<T, Diagnostic> {
    let json = config.to_plain_json().ok_or_else(|| {
        Diagnostic::error(
            "Configuration not yet known",
            "This data source's configuration is not wholly known.",
        )
    })?;
    serde_json::from_value(json)
        .map_err(|e| Diagnostic::error("Invalid configuration", e.to_string()))
}

/// A model as the Terraform value of `schema`.
pub(crate) fn state_of<T: Serialize>(model: &T, schema: &Schema) -> Result<Value, Diagnostic> {
    Value::from_model(model, &schema.value_type()).map_err(|e| {
        Diagnostic::error(
            "Cannot encode the result",
            format!("{e}. This is a bug in the provider."),
        )
    })
}

/// The Segment token for a data source: its own `segment_access_token` if
/// set, else the provider's.
pub(crate) fn segment_token(config: &Value, configured: &Configured) -> Result<Secret, Diagnostic> {
    match config.attr("segment_access_token") {
        Value::String(s) => Ok(Secret::new(s.clone())),
        _ => configured.segment_access_token.clone().map_err(|d| {
            Diagnostic::error(
                d.summary,
                format!(
                    "{} Or set segment_access_token on this data source.",
                    d.detail
                ),
            )
            .at(AttributePath::new("segment_access_token"))
        }),
    }
}

/// A Segment client for the provider's API URL.
pub(crate) fn segment_client(
    shared: &Shared,
    configured: &Configured,
) -> Result<SegmentClient, Diagnostic> {
    let base = configured.segment_api_url.clone()?;
    Ok(SegmentClient::new(shared.http()?, base))
}

/// The client and token a Segment data source reads with.
pub(crate) fn segment_setup(
    shared: &Shared,
    config: &Value,
) -> Result<(SegmentClient, Secret), Diagnostic> {
    let configured = shared.configured()?;
    Ok((
        segment_client(shared, &configured)?,
        segment_token(config, &configured)?,
    ))
}

/// A diagnostic for a failed Segment call; refused tokens point at the token.
pub(crate) fn segment_error(summary: &str, e: &SegmentError) -> Diagnostic {
    let d = Diagnostic::error(summary, e.to_string());
    if e.is_refused_token() {
        d.at(AttributePath::new("segment_access_token"))
    } else {
        d
    }
}

/// Runs a call unless Terraform asks the provider to stop first.
pub(crate) async fn cancellable<T>(
    ctx: &Context,
    fut: impl Future<Output = T>,
) -> Result<T, Diagnostic> {
    tokio::select! {
        r = fut => Ok(r),
        () = ctx.cancel.cancelled() => Err(Diagnostic::error("Cancelled", "Terraform asked the provider to stop.")),
    }
}

/// Checks an optional `name_regex` attribute; returns the compiled regex.
pub(crate) fn name_regex(config: &Value, diags: &mut Diagnostics) -> Option<regex::Regex> {
    let Value::String(s) = config.attr("name_regex") else {
        return None;
    };
    match regex::Regex::new(s) {
        Ok(r) => Some(r),
        Err(e) => {
            diags.error_at(
                AttributePath::new("name_regex"),
                "Invalid regular expression",
                e.to_string(),
            );
            None
        }
    }
}

/// Exactly one of `id` and `name` (unknown values wait for the read).
pub(crate) fn exactly_one_of_id_or_name(config: &Value, diags: &mut Diagnostics) {
    let (id, name) = (config.attr("id"), config.attr("name"));
    if id.is_unknown() || name.is_unknown() {
        return;
    }
    match (id.is_null(), name.is_null()) {
        (false, false) => diags.error_at(
            AttributePath::new("name"),
            "Conflicting attributes",
            "Set exactly one of id or name, not both.",
        ),
        (true, true) => diags.error("Missing attribute", "Set exactly one of id or name."),
        _ => {
            for attr in ["id", "name"] {
                tfplugin::validate::not_empty(config.attr(attr), &AttributePath::new(attr), diags);
            }
        }
    }
}

/// Collects diagnostics from `f` into `diags`, returning null on error.
pub(crate) fn finish(result: Result<Value, Diagnostic>, diags: &mut Diagnostics) -> Value {
    match result {
        Ok(v) => v,
        Err(d) => {
            diags.push(d);
            Value::Null
        }
    }
}
