//! Data sources, one file each.

pub mod segment_workspace;

use tfplugin::diag::{AttributePath, Diagnostic};
use tfplugin::value::Value;

use crate::provider::Configured;
use crate::secret::Secret;
use crate::segment::{SegmentClient, SegmentError};

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
    shared: &crate::provider::Shared,
    configured: &Configured,
) -> Result<SegmentClient, Diagnostic> {
    let base = configured.segment_api_url.clone()?;
    Ok(SegmentClient::new(shared.http()?, base))
}

/// A diagnostic for a failed Segment call; refused tokens point at the token.
pub(crate) fn segment_error(summary: &str, e: &SegmentError) -> Diagnostic {
    let d = Diagnostic::error(summary, e.to_string());
    match e {
        SegmentError::Unauthorized { .. } => d.at(AttributePath::new("segment_access_token")),
        _ => d,
    }
}
