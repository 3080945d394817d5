//! Terraform glue that resources and data sources share: the provider's
//! shared state, Segment client and token set-up, and cancellation. (The
//! conversions between Terraform values and typed models are `tfplugin`'s.)

use std::future::Future;

use tfplugin::diag::{AttributePath, Diagnostic};
use tfplugin::framework::Context;

pub use crate::provider::{Configured, Shared};

use crate::secret::Secret;
use crate::segment::{SegmentClient, SegmentError};

/// The Segment token for a data source: its own `segment_access_token` if
/// set, else the provider's.
pub fn segment_token(own: Option<&Secret>, configured: &Configured) -> Result<Secret, Diagnostic> {
    match own {
        Some(s) => Ok(s.clone()),
        None => configured.segment_access_token.clone().map_err(|d| {
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
pub fn segment_client(
    shared: &Shared,
    configured: &Configured,
) -> Result<SegmentClient, Diagnostic> {
    let base = configured.segment_api_url.clone()?;
    Ok(SegmentClient::new(shared.transport()?, base))
}

/// The client and token a Segment data source reads with (`own`: the data
/// source's own token, if it sets one).
pub fn segment_setup(
    shared: &Shared,
    own: Option<&Secret>,
) -> Result<(SegmentClient, Secret), Diagnostic> {
    let configured = shared.configured()?;
    Ok((
        segment_client(shared, &configured)?,
        segment_token(own, &configured)?,
    ))
}

/// A diagnostic for a failed Segment call; refused tokens point at the token.
pub fn segment_error(summary: &str, e: &SegmentError) -> Diagnostic {
    let d = Diagnostic::error(summary, e.to_string());
    if e.is_refused_token() {
        d.at(AttributePath::new("segment_access_token"))
    } else {
        d
    }
}

/// Runs a call unless Terraform asks the provider to stop first.
pub async fn cancellable<T>(ctx: &Context, fut: impl Future<Output = T>) -> Result<T, Diagnostic> {
    tokio::select! {
        r = fut => Ok(r),
        () = ctx.cancel.cancelled() => Err(Diagnostic::error("Cancelled", "Terraform asked the provider to stop.")),
    }
}
