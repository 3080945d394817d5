//! The Segment token check that plan, create and update share: `GET /` and a
//! one-item `GET /roles` prove that the token works and may read access
//! management.

use tfplugin::diag::Diagnostic;
use tfplugin::framework::Context;
use tfplugin::AttributePath;

use super::{path, Model, SegmentIntegration};
use crate::glue::{cancellable, segment_client};
use crate::secret::Secret;
use crate::segment::{SegmentError, Workspace};

/// The configured token, checked, with its workspace.
pub struct Checked {
    pub token: Secret,
    pub workspace: Workspace,
}

/// The attribute that holds the configuration's token.
fn token_path(config: &Model) -> AttributePath {
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
        SegmentError::InsufficientAccess { .. } => {
            format!("{at}: the token lacks the Workspace Owner access level; use a Workspace Owner token")
        }
        _ => {
            format!("{at}: cannot check the token against Segment; retry, or check SEGMENT_API_URL")
        }
    };
    Diagnostic::error(summary, format!("{at}: {e}")).at(at.clone())
}

impl SegmentIntegration {
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
        let at = token_path(config);
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
