//! Terraform glue that resources and data sources share: the provider's
//! shared state, Segment client and token set-up, ConductorOne calls and
//! cancellation. (The conversions between Terraform values and typed models
//! are `tfplugin`'s.)

use std::future::Future;

use tfplugin::diag::{AttributePath, Diagnostic};
use tfplugin::framework::Context;

pub use crate::provider::{Configured, Shared};

use crate::conductorone::C1Error;
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

/// Runs a ConductorOne call unless Terraform asks the provider to stop; a
/// failure becomes a diagnostic with `summary`, on `at` when given.
pub async fn c1_call<T>(
    ctx: &Context,
    summary: &str,
    at: Option<tfplugin::AttributePath>,
    fut: impl std::future::Future<Output = Result<T, C1Error>>,
) -> Result<T, Diagnostic> {
    cancellable(ctx, fut)
        .await?
        .map_err(|e| c1_error(summary, &e, at))
}

pub fn c1_error(summary: &str, e: &C1Error, at: Option<tfplugin::AttributePath>) -> Diagnostic {
    let d = Diagnostic::error(summary, e.to_string());
    match at {
        Some(p) => d.at(p),
        None => d,
    }
}
