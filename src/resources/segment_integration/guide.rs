//! What ConductorOne's "Set up a Segment connector" guide asks, checked at
//! plan and reported as warnings that never change what is planned:
//! - every connector owner holds the Connector Administrator or the Super
//!   Administrator role (a warning: a custom role may grant the same);
//! - a team that signs in to Segment through its identity provider already
//!   has a Segment app, made when the identity provider was connected, and
//!   the connector belongs in that app rather than in a second one.

use std::sync::Arc;

use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::framework::Context;

use super::{path, pending, APP_DESCRIPTION};
use crate::cache::Reads;
use crate::conductorone::{App, C1Client, C1Error, Role, User};
use crate::glue::cancellable;

/// The roles, by display name, either of which lets an owner finish a
/// connector's setup.
pub const OWNER_ROLES: [&str; 2] = ["Connector Administrator", "Super Administrator"];

/// What an app's name says when it is a Segment app (any case).
const SEGMENT: &str = "segment";

/// The most apps one warning names.
const MAX_NAMED: usize = 5;

/// A warning for each enabled owner that holds neither of [`OWNER_ROLES`];
/// one warning when the roles could not be read.
pub(super) fn check_owner_roles(
    owners: &[User],
    roles: Result<Arc<Vec<Role>>, C1Error>,
    diags: &mut Diagnostics,
) {
    if owners.is_empty() {
        return;
    }
    let roles = match roles {
        Ok(r) => r,
        Err(e) => return diags.push(roles_unreadable(&e)),
    };
    let enough: Vec<&str> = roles
        .iter()
        .filter(|r| {
            OWNER_ROLES
                .iter()
                .any(|n| r.display_name.eq_ignore_ascii_case(n))
        })
        .map(|r| r.id.as_str())
        .collect();
    for u in owners {
        if !u.role_ids.iter().any(|id| enough.contains(&id.as_str())) {
            diags.push(lacks_role(u, &roles));
        }
    }
}

/// The user, as a person reads it: ID and email (or name).
fn who(u: &User) -> String {
    let name = u.name();
    match name.is_empty() {
        true => format!("{:?}", u.id),
        false => format!("{:?} ({name})", u.id),
    }
}

fn lacks_role(u: &User, roles: &[Role]) -> Diagnostic {
    let at = path(|m| &mut m.user_ids);
    let held: Vec<&str> = u
        .role_ids
        .iter()
        .map(|id| {
            let role = roles.iter().find(|r| &r.id == id);
            role.map_or(id.as_str(), |r| r.display_name.as_str())
        })
        .collect();
    let held = match held.is_empty() {
        true => "no ConductorOne role".to_string(),
        false => format!("only {}", held.join(", ")),
    };
    let [connector_admin, super_admin] = OWNER_ROLES;
    Diagnostic::warning(
        format!(
            "{at}: owner {} lacks the {connector_admin} role; grant it (or {super_admin}) in ConductorOne",
            who(u)
        ),
        format!(
            "{at} element {} holds {held}. ConductorOne's setup guide for the Segment connector asks \
             that every connector owner hold the {connector_admin} or the {super_admin} role: an \
             owner without either is asked to finish a setup they cannot complete. Grant the user \
             the {connector_admin} role, or choose another owner. A custom role can grant the same \
             permissions; if this user's does, ignore this warning.",
            who(u)
        ),
    )
    .at(at)
}

/// Without `user_ids`, and a caller ConductorOne's introspection names no
/// user for: the connector may end up with no owner.
pub(super) fn no_default_owner() -> Diagnostic {
    let at = path(|m| &mut m.user_ids);
    let [connector_admin, super_admin] = OWNER_ROLES;
    Diagnostic::warning(
        format!("{at}: not set, and these credentials are no ConductorOne user: the connector may have no owner"),
        format!(
            "Without {at}, the connector's owner is the caller of the API, but ConductorOne's \
             introspection names no user for these credentials (a service principal or a workload \
             identity). The create leaves the owners to ConductorOne, which may give the connector \
             none. ConductorOne's setup guide asks for owners who hold the {connector_admin} or \
             {super_admin} role: set {at} to theirs."
        ),
    )
    .at(at)
}

fn roles_unreadable(e: &C1Error) -> Diagnostic {
    let at = path(|m| &mut m.user_ids);
    let why = match e {
        C1Error::PermissionDenied { message } => format!(
            "ConductorOne denied GET /api/v1/iam/roles (HTTP 403: {message}): these credentials may not read roles"
        ),
        e => format!("GET /api/v1/iam/roles failed: {e}"),
    };
    let [connector_admin, super_admin] = OWNER_ROLES;
    Diagnostic::warning(
        format!("{at}: cannot read ConductorOne's roles, so the owners' roles were not checked"),
        format!(
            "{why}. The plan goes on; whether each owner holds the {connector_admin} or the \
             {super_admin} role, as ConductorOne's setup guide asks, was not checked. Let the \
             client read roles to have plans check it."
        ),
    )
    .at(at)
}

/// A warning when the tenant has a Segment app this resource did not make
/// (such as the one an identity provider made), naming each and the
/// `app_id` line that would use it; `new_app` is the app the plan makes.
pub(super) async fn existing_app_hint(
    ctx: &Context,
    (c1, reads): (&C1Client, &Reads),
    new_app: Option<&str>,
) -> Diagnostics {
    let found = match cancellable(ctx, reads.apps_matching(c1, SEGMENT)).await {
        Ok(Ok(apps)) => apps,
        Ok(Err(e)) => return search_failed(&e).into(),
        Err(d) => return d.into(),
    };
    let apps: Vec<&App> = found.iter().filter(|a| is_other_segment_app(a)).collect();
    match apps.is_empty() {
        true => Diagnostics::new(),
        false => existing_apps(&apps, new_app).into(),
    }
}

/// Named Segment, and neither made by this resource type nor held by an
/// interrupted create (whose next apply adopts it).
fn is_other_segment_app(a: &App) -> bool {
    a.display_name.to_lowercase().contains(SEGMENT)
        && !pending::is_pending(&a.description)
        && pending::strip(&a.description) != APP_DESCRIPTION
}

fn existing_apps(apps: &[&App], new_app: Option<&str>) -> Diagnostic {
    let at = path(|m| &mut m.app_id);
    let summary = match apps {
        [a] => format!(
            "{at}: ConductorOne already has a Segment app, {:?} ({}); set app_id = {:?} to add the connector to it",
            a.display_name, a.id, a.id
        ),
        _ => format!(
            "{at}: ConductorOne already has {} Segment apps; set app_id to add the connector to one of them",
            apps.len()
        ),
    };
    let listed: Vec<String> = apps
        .iter()
        .take(MAX_NAMED)
        .map(|a| format!("  {:?} (ID {}): app_id = {:?}", a.display_name, a.id, a.id))
        .collect();
    let more = match apps.len().saturating_sub(MAX_NAMED) {
        0 => String::new(),
        n => format!("\n  … and {n} more"),
    };
    let new_app = new_app.map_or("a new app".to_string(), |n| {
        format!("a new app named {n:?}")
    });
    Diagnostic::warning(
        summary,
        format!(
            "Without app_id this resource makes {new_app}, beside:\n{}{more}\n\n\
             ConductorOne's setup guide for the Segment connector says that when your team signs in \
             to Segment through an identity provider, ConductorOne already has a Segment app, made \
             when the identity provider was connected, and the connector belongs in that app rather \
             than in a second one. To use it, set app_id as shown. If that app already holds a \
             Segment connector made by hand, import it instead \
             (terraform import ADDRESS APP_ID/CONNECTOR_ID). If a second app is what you want, \
             ignore this warning: it changes nothing in the plan.",
            listed.join("\n")
        ),
    )
    .at(at)
}

fn search_failed(e: &C1Error) -> Diagnostic {
    Diagnostic::warning(
        "app_id: cannot look for an existing Segment app in ConductorOne",
        format!(
            "POST /api/v1/search/apps failed: {e}. The plan goes on: without app_id this resource \
             makes its own app, whether or not your identity provider already made one."
        ),
    )
    .at(path(|m| &mut m.app_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, roles: &[&str]) -> User {
        User {
            id: id.into(),
            email: format!("{id}@example.com"),
            status: "ENABLED".into(),
            role_ids: roles.iter().map(|r| r.to_string()).collect(),
            ..User::default()
        }
    }

    fn roles() -> Arc<Vec<Role>> {
        let role = |id: &str, name: &str| Role {
            id: id.into(),
            display_name: name.into(),
            name: String::new(),
        };
        Arc::new(vec![
            role("r1", "Super Administrator"),
            role("r2", "Connector Administrator"),
            role("r3", "Basic User"),
        ])
    }

    #[test]
    fn owners_without_either_role_are_warned_about_by_name() {
        let owners = [
            user("a", &["r1"]),
            user("b", &["r2", "r3"]),
            user("c", &["r3"]),
            user("d", &[]),
        ];
        let mut d = Diagnostics::new();
        check_owner_roles(&owners, Ok(roles()), &mut d);
        let all: Vec<&Diagnostic> = d.iter().collect();
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(all.iter().all(|d| !d.is_error()));
        assert!(all[0]
            .summary
            .contains("\"c\" (c@example.com) lacks the Connector Administrator role"));
        assert!(
            all[0].detail.contains("holds only Basic User"),
            "{}",
            all[0].detail
        );
        assert!(all[1].detail.contains("holds no ConductorOne role"));
        assert_eq!(all[0].path, Some(path(|m| &mut m.user_ids)));
    }

    #[test]
    fn unreadable_roles_give_one_warning() {
        let owners = [user("a", &[]), user("b", &[])];
        let mut d = Diagnostics::new();
        let denied = C1Error::PermissionDenied {
            message: "no".into(),
        };
        check_owner_roles(&owners, Err(denied), &mut d);
        let all: Vec<&Diagnostic> = d.iter().collect();
        assert_eq!(all.len(), 1);
        assert!(!all[0].is_error());
        assert!(all[0].detail.contains("HTTP 403"), "{}", all[0].detail);
    }

    #[test]
    fn only_segment_apps_this_resource_did_not_make_are_named() {
        let app = |name: &str, description: &str| App {
            id: format!("id-{name}"),
            display_name: name.into(),
            description: description.into(),
            created_at: None,
            deleted_at: None,
        };
        assert!(is_other_segment_app(&app("Segment", "Created by Okta.")));
        assert!(is_other_segment_app(&app("segment (prod)", "")));
        assert!(!is_other_segment_app(&app("Segment", APP_DESCRIPTION)));
        let pending =
            format!("{APP_DESCRIPTION} [terraform-pending f=0000000000000001 a=0000000000000002]");
        assert!(!is_other_segment_app(&app("Segment", &pending)));
        assert!(!is_other_segment_app(&app("Okta", "syncs Segment users")));
        let d = existing_apps(&[&app("Segment", "")], Some("Segment"));
        assert!(
            d.summary.contains("set app_id = \"id-Segment\""),
            "{}",
            d.summary
        );
        assert!(d.detail.contains("app_id = \"id-Segment\""));
        assert!(!d.is_error());
    }
}
