//! The Segment token check that plan, create and update share: `GET /` and
//! one item each of `/users`, `/groups` and `/roles` prove that the token
//! reads what ConductorOne's connector reads; and where the token goes in
//! the connector's config, as ConductorOne's catalog says.

use tfplugin::diag::Diagnostic;
use tfplugin::framework::Context;
use tfplugin::AttributePath;

use super::{path, Model, SegmentIntegration, SEGMENT_CATALOG_ID};
use crate::conductorone::CatalogField;
use crate::glue::{c1_call, cancellable, segment_client};
use crate::secret::Secret;
use crate::segment::{SegmentError, Workspace};

/// The configured token, checked, with its workspace.
pub struct Checked {
    pub token: Secret,
    pub workspace: Workspace,
}

/// The attribute that holds the configuration's token.
pub(super) fn token_attribute(config: &Model) -> AttributePath {
    if config.segment_access_token_wo.is_some() {
        path(|m| &mut m.segment_access_token_wo)
    } else {
        path(|m| &mut m.segment_access_token)
    }
}

/// The summary names the attribute and the remedy on one line (for CI
/// logs); the detail is Segment's answer.
fn segment_error(at: &AttributePath, e: &SegmentError) -> Diagnostic {
    let summary = match e {
        SegmentError::Unauthorized { .. } => {
            format!("{at}: Segment refused the token; use a valid token with the Workspace Owner access level")
        }
        SegmentError::CannotRead { what, .. } => {
            format!(
                "{at}: the token cannot read the workspace's {what}; use a Workspace Owner token"
            )
        }
        _ => {
            format!("{at}: cannot check the token against Segment; retry, or check SEGMENT_API_URL")
        }
    };
    Diagnostic::error(summary, format!("{at}: {e}")).at(at.clone())
}

impl SegmentIntegration {
    /// The connector config key the token goes under: the one secret field
    /// of the Segment catalog entry's configuration schema, as ConductorOne
    /// says (`POST /api/v1/connectorcatalog`, once per process).
    pub(super) async fn token_field(
        &self,
        ctx: &Context,
        config: &Model,
    ) -> Result<String, Diagnostic> {
        let c1 = self.c1()?;
        let at = token_attribute(config);
        let read = self.shared.reads().catalog_fields(&c1, SEGMENT_CATALOG_ID);
        let summary = "Cannot read the Segment connector's configuration schema from ConductorOne";
        let fields = c1_call(ctx, summary, Some(at.clone()), read).await?;
        the_secret_field(&fields).map_err(|why| {
            Diagnostic::error(
                format!("{at}: ConductorOne's Segment connector has no single field for the token"),
                format!("{at}: {why} The provider cannot tell where the token goes; report this to ConductorOne or to us."),
            )
            .at(at)
        })
    }

    /// The token `config` sets, checked against Segment; `None` when it
    /// sets none.
    pub(super) async fn checked_token(
        &self,
        ctx: &Context,
        config: &Model,
    ) -> Result<Option<Checked>, Diagnostic> {
        let Some(t) = config.token() else {
            return Ok(None);
        };
        let at = token_attribute(config);
        let token = t.clone();
        let segment = segment_client(&self.shared, &*self.shared.configured()?)?;
        // Once per token and process (plan and apply each check).
        let check = self.shared.reads().checked_token(&segment, &token);
        let workspace = cancellable(ctx, check)
            .await?
            .map_err(|e| segment_error(&at, &e))?;
        Ok(Some(Checked { token, workspace }))
    }
}

/// The name of the one secret field, or why there is none.
fn the_secret_field(fields: &[CatalogField]) -> Result<String, String> {
    let secret: Vec<&str> = fields
        .iter()
        .filter(|f| f.secret)
        .map(|f| f.name.as_str())
        .collect();
    let all: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    match secret.as_slice() {
        [one] if !one.is_empty() => Ok((*one).to_string()),
        [] => Err(format!(
            "the catalog entry's configuration schema has no secret field (its fields: {}).",
            if all.is_empty() {
                "none".to_string()
            } else {
                all.join(", ")
            }
        )),
        many => Err(format!(
            "the catalog entry's configuration schema has several secret fields ({}).",
            many.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, secret: bool) -> CatalogField {
        CatalogField {
            name: name.into(),
            secret,
        }
    }

    #[test]
    fn the_token_goes_under_the_one_secret_field() {
        assert_eq!(
            the_secret_field(&[field("token", true)]),
            Ok("token".into())
        );
        let mixed = [field("region", false), field("segment_access_token", true)];
        assert_eq!(the_secret_field(&mixed), Ok("segment_access_token".into()));
        let none = the_secret_field(&[field("region", false)]).unwrap_err();
        assert!(
            none.contains("no secret field (its fields: region)"),
            "{none}"
        );
        let two = the_secret_field(&[field("a", true), field("b", true)]).unwrap_err();
        assert!(two.contains("several secret fields (a, b)"), "{two}");
        assert!(the_secret_field(&[]).unwrap_err().contains("fields: none"));
    }
}
