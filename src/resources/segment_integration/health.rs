//! The connector's health, read with every refresh (it comes with the read
//! the refresh makes anyway) and never stored: a last sync that ended in
//! error, or a paused connector, is a warning on the resource with the
//! remedy that fits it. Warnings never change a plan's exit code.

use tfplugin::diag::{one_line, Diagnostic};

use super::{path, Model};
use crate::conductorone::Connector;

/// The warnings a refreshed connector gives (none when healthy).
pub fn warnings(state: &Model, c: &Connector, base: &url::Url) -> Vec<Diagnostic> {
    let page = connector_page(base, c);
    let mut out = Vec::new();
    if let Some(st) = c.sync_error() {
        let message = scrubbed(state, &st.last_error);
        let when = st.completed_at.as_deref().unwrap_or("an unknown time");
        out.push(match token_refused(&st.last_error) {
            true => refused_token(state, c, &message, when, &page),
            false => failed_sync(c, &message, when, &page),
        });
    }
    if c.paused() {
        out.push(paused(c, &page));
    }
    out
}

/// Whether a sync error is Segment refusing the token: ConductorOne's Segment
/// connector reports Segment's 401 and 403 as gRPC `Unauthenticated` and
/// `PermissionDenied` (baton-sdk's HTTP client), with the status in words.
fn token_refused(last_error: &str) -> bool {
    const SIGNS: [&str; 6] = [
        "Unauthenticated",
        "PermissionDenied",
        "401 Unauthorized",
        "403 Forbidden",
        "status 401",
        "status 403",
    ];
    SIGNS.iter().any(|s| last_error.contains(s))
}

/// The connector's place in ConductorOne: the tenant's address with the
/// app's page, and the way there by menu (ConductorOne does not document its
/// pages' addresses; the menu path stays right if one moves).
fn connector_page(base: &url::Url, c: &Connector) -> String {
    let origin = base.origin().ascii_serialization();
    format!(
        "{origin}/admin/applications/{} (Admin > Applications > the app > Connectors > {:?}, connector {})",
        c.app_id, c.display_name, c.id
    )
}

/// ConductorOne's message, without the token the state holds (if any).
fn scrubbed(state: &Model, message: &str) -> String {
    let token = state.segment_access_token.as_ref().map(|t| t.expose());
    crate::http::scrub::scrub(message, token)
}

fn refused_token(
    state: &Model,
    c: &Connector,
    message: &str,
    when: &str,
    page: &str,
) -> Diagnostic {
    let wo = state.segment_access_token.is_none();
    let at = match wo {
        true => path(|m| &mut m.segment_access_token_wo_version),
        false => path(|m| &mut m.segment_access_token),
    };
    let remedy = match wo {
        true => "set a working Segment token with the Workspace Owner access level in segment_access_token_wo \
                 and bump segment_access_token_wo_version",
        false => "set a working Segment token with the Workspace Owner access level in segment_access_token",
    };
    Diagnostic::warning(
        format!("Segment sync failed: Segment refused the connector's token; {remedy}, then apply"),
        format!(
            "ConductorOne's last sync of connector {} ({:?}) ended in error at {when}:\n\n  {message}\n\n\
             Segment refused the token the connector holds: it was revoked, its owner left the workspace, or its \
             access level no longer reads users, groups and roles. Until a working token is sent, ConductorOne's \
             access reviews see the data of the last good sync. Create a token in Segment (Settings > Workspace \
             Settings > Access Management > Tokens, access level Workspace Owner); then {remedy}, and apply. \
             Connector: {page}",
            c.id, c.display_name
        ),
    )
    .at(at)
}

fn failed_sync(c: &Connector, message: &str, when: &str, page: &str) -> Diagnostic {
    Diagnostic::warning(
        "Segment sync failed in ConductorOne; see the connector's page",
        format!(
            "ConductorOne's last sync of connector {} ({:?}) ended in error at {when}:\n\n  {message}\n\n\
             Until a sync succeeds, ConductorOne's access reviews see the data of the last good sync. See the \
             connector in ConductorOne: {page}",
            c.id, c.display_name
        ),
    )
}

fn paused(c: &Connector, page: &str) -> Diagnostic {
    let since = c
        .sync_disabled_at
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| format!(" since {t}"))
        .unwrap_or_default();
    let reason = match c.sync_disabled_reason.trim() {
        "" => String::new(),
        r => format!(" ConductorOne gives the reason: {}.", one_line(r)),
    };
    Diagnostic::warning(
        "The Segment connector is paused in ConductorOne: no syncs run until it is resumed",
        format!(
            "Connector {} ({:?}) is paused{since}: no syncs and no grants or revokes run, and access reviews see \
             the data of the last sync.{reason} Resume it in ConductorOne: {page}",
            c.id, c.display_name
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conductorone::ConnectorStatus;

    fn connector(status: &str, error: &str) -> Connector {
        Connector {
            id: "c1".into(),
            app_id: "a1".into(),
            display_name: "Segment".into(),
            status: Some(ConnectorStatus {
                status: status.into(),
                last_error: error.into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn base() -> url::Url {
        url::Url::parse("https://acme.conductor.one/").unwrap()
    }

    #[test]
    fn a_healthy_connector_gives_none() {
        let m = Model::default();
        assert!(warnings(&m, &connector("SYNC_STATUS_DONE", ""), &base()).is_empty());
        assert!(warnings(&m, &connector("SYNC_STATUS_RUNNING", "old"), &base()).is_empty());
    }

    #[test]
    fn a_refused_token_points_at_the_version() {
        let e = "failed to validate credentials: request failed: rpc error: code = Unauthenticated desc = 401 Unauthorized";
        let w = warnings(
            &Model::default(),
            &connector("SYNC_STATUS_ERROR", e),
            &base(),
        );
        assert_eq!(w.len(), 1);
        assert!(w[0].summary.contains("segment_access_token_wo_version"));
        assert!(w[0].detail.contains(e));
        assert!(w[0]
            .detail
            .contains("https://acme.conductor.one/admin/applications/a1"));
        assert_eq!(
            w[0].path.as_ref().unwrap().to_string(),
            "segment_access_token_wo_version"
        );
    }

    #[test]
    fn other_errors_point_at_the_page_and_a_pause_warns() {
        let mut c = connector(
            "SYNC_STATUS_ERROR",
            "rpc error: code = Unavailable desc = 503",
        );
        c.sync_disabled_at = Some("2026-12-01T00:00:00Z".into());
        let w = warnings(&Model::default(), &c, &base());
        assert_eq!(w.len(), 2);
        assert!(w[0].summary.contains("see the connector's page") && w[0].path.is_none());
        assert!(w[1].summary.contains("paused") && w[1].detail.contains("since 2026-12-01"));
        let c = connector("SYNC_STATUS_DISABLED", "");
        assert_eq!(warnings(&Model::default(), &c, &base()).len(), 1);
    }

    #[test]
    fn the_token_in_state_never_shows() {
        let m = Model {
            segment_access_token: Some(crate::secret::Secret::new("sgp_SECRETSECRETSECRET")),
            ..Default::default()
        };
        let c = connector(
            "SYNC_STATUS_ERROR",
            "403 Forbidden for sgp_SECRETSECRETSECRET",
        );
        let w = warnings(&m, &c, &base());
        assert!(!w[0].detail.contains("sgp_SECRETSECRETSECRET"));
        assert_eq!(
            w[0].path.as_ref().unwrap().to_string(),
            "segment_access_token"
        );
    }
}
