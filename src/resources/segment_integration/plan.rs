//! What the plan checks and fills in beyond the declared rules: whether the
//! app is the resource's own (and its default name), the owners (each an
//! existing, enabled ConductorOne user) and the token (against Segment), so
//! that a CI plan catches a bad owner or token before anything changes.

use futures_util::future::join_all;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::framework::Context;
use tfplugin::typed::Plan;

use super::{c1_error, path, Model, SegmentIntegration, DEFAULT_NAME};
use crate::conductorone::{C1Client, C1Error, User};
use crate::glue::cancellable;

impl SegmentIntegration {
    pub(super) async fn finish_plan(
        &self,
        ctx: &Context,
        plan: &mut Plan<Model>,
        diags: &mut Diagnostics,
    ) {
        plan_app(plan);
        let prior = plan.prior.as_ref();
        // A resource whose connector vanished (its app remained) is updated
        // by making the connector again.
        let recreate = prior.is_some_and(|p| p.id.is_none());
        if recreate {
            plan.planned.set_unknown(|m| &mut m.id);
            plan.planned.set_unknown(|m| &mut m.created_at);
            plan.planned.set_unknown(|m| &mut m.sync_status);
            plan.planned.set_unknown(|m| &mut m.updated_at);
        }
        let prior = plan.prior.as_ref();
        let planned = plan.planned.get();
        if recreate || prior.is_none_or(|p| p.user_ids != planned.user_ids) {
            self.plan_owners(ctx, plan, diags).await;
        }
        if recreate || plan.planned.get().token_changes_from(plan.prior.as_ref()) {
            self.plan_token(ctx, plan, diags).await;
        }
    }

    /// Owners that are set and known must exist and be enabled.
    async fn plan_owners(&self, ctx: &Context, plan: &Plan<Model>, diags: &mut Diagnostics) {
        let Some(ids) = plan
            .config
            .get()
            .user_ids
            .as_ref()
            .filter(|i| !i.is_empty())
        else {
            return;
        };
        let ids: Vec<String> = ids.iter().cloned().collect();
        match self.c1() {
            Ok(c1) => check_owners(ctx, (&c1, self.shared.reads()), &ids, diags).await,
            Err(d) => diags.push(d),
        }
    }

    /// The workspace attributes for a token that is being set: checked
    /// against Segment when known, unknown otherwise, null when removed.
    async fn plan_token(&self, ctx: &Context, plan: &mut Plan<Model>, diags: &mut Diagnostics) {
        let config = &plan.config;
        if config.is_unknown(|m| &m.segment_access_token_wo)
            || config.is_unknown(|m| &m.segment_access_token)
        {
            plan.planned.set_unknown(|m| &mut m.segment_workspace_id);
            plan.planned.set_unknown(|m| &mut m.segment_workspace_slug);
            return;
        }
        match self.checked_token(ctx, config.get()).await {
            Ok(checked) => {
                let ws = checked.map(|c| c.workspace);
                plan.planned.set(
                    |m| &mut m.segment_workspace_id,
                    ws.as_ref().map(|w| w.id.clone()),
                );
                plan.planned
                    .set(|m| &mut m.segment_workspace_slug, ws.map(|w| w.slug));
            }
            Err(d) => diags.push(d),
        }
    }
}

/// Whether the app is the resource's own: fixed at create (no `app_id`
/// given). Its name defaults to `Segment`; an app given by ID has none.
fn plan_app(plan: &mut Plan<Model>) {
    let config = &plan.config;
    let managed = match &plan.prior {
        Some(p) => p.managed_app == Some(true),
        None => config.get().app_id.is_none() && !config.is_unknown(|m| &m.app_id),
    };
    if plan.prior.is_none() {
        plan.planned.set(|m| &mut m.managed_app, Some(managed));
    }
    if config.get().app_display_name.is_none() && !config.is_unknown(|m| &m.app_display_name) {
        let name = managed.then(|| DEFAULT_NAME.to_string());
        plan.planned.set(|m| &mut m.app_display_name, name);
    }
}

/// Every owner must exist and be enabled; each problem is reported on
/// `user_ids`, naming the element.
pub(super) async fn check_owners(
    ctx: &Context,
    (c1, reads): (&C1Client, &crate::cache::Reads),
    ids: &[String],
    diags: &mut Diagnostics,
) {
    let lookups = join_all(ids.iter().map(|id| reads.user(c1, id)));
    let results = match cancellable(ctx, lookups).await {
        Ok(r) => r,
        Err(d) => return diags.push(d),
    };
    for (id, r) in ids.iter().zip(results) {
        if let Some(d) = owner_problem(id, r) {
            diags.push(d);
        }
    }
}

/// A problem with one owner: the summary names the attribute, the element
/// and the remedy on one line (for CI logs); the detail says more.
fn owner_problem(id: &str, r: Result<Option<User>, C1Error>) -> Option<Diagnostic> {
    let at = path(|m| &mut m.user_ids);
    let (summary, detail) = match r {
        Ok(Some(u)) if u.status == "ENABLED" && u.deleted_at.is_none() => return None,
        Ok(Some(u)) => (
            format!("{at}: {id:?} is not an enabled ConductorOne user; choose an enabled user"),
            format!(
                "{at} element {id:?} ({}) has status {}; connector owners must be enabled ConductorOne users.",
                if u.email.is_empty() { &u.display_name } else { &u.email },
                if u.status.is_empty() { "UNKNOWN" } else { &u.status }
            ),
        ),
        Ok(None) => (
            format!("{at}: {id:?} is not a ConductorOne user; use an existing user's ID"),
            format!("{at} element {id:?} is not a ConductorOne user ID. Find user IDs in ConductorOne under Users, or leave {at} unset to make the API caller the owner."),
        ),
        Err(e) => {
            let summary = format!("{at}: cannot check owner {id:?} in ConductorOne; retry, or check the credentials");
            return Some(c1_error(&summary, &e, Some(at)));
        }
    };
    Some(Diagnostic::error(summary, detail).at(at))
}
