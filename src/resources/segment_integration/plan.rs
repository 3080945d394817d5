//! What the plan checks and fills in beyond the declared rules: whether the
//! app is the resource's own (and its default name), the owners (each an
//! existing, enabled ConductorOne user) and the token (against Segment), so
//! that a CI plan catches a bad owner or token before anything changes; and,
//! as warnings, what ConductorOne's setup guide asks (`guide`).

use futures_util::future::{join, join_all};
use tfplugin::diag::{one_line, Diagnostic, Diagnostics};
use tfplugin::framework::Context;
use tfplugin::typed::{Partial, Plan};

use super::{c1_error, guide, path, Model, SegmentIntegration, DEFAULT_NAME};
use crate::conductorone::{C1Client, C1Error, User};
use crate::glue::cancellable;
use crate::segment::Workspace;

impl SegmentIntegration {
    pub(super) async fn finish_plan(
        &self,
        ctx: &Context,
        plan: &mut Plan<Model>,
        diags: &mut Diagnostics,
    ) {
        plan_app(plan);
        let recreate = plan_recreate(plan);
        let prior = plan.prior.as_ref();
        let planned = plan.planned.get();
        let owners = recreate || prior.is_none_or(|p| p.user_ids != planned.user_ids);
        let new_app = prior.is_none() && planned.managed_app == Some(true);
        let token = recreate || planned.token_changes_from(prior);
        let app_name = planned.app_display_name.as_deref();
        let default_owner = prior.is_none()
            && plan.config.get().user_ids.is_none()
            && !plan.config.is_unknown(|m| &m.user_ids);
        let given_app = match prior {
            None => plan.config.get().app_id.clone(),
            Some(_) => None,
        };
        // The checks are independent: they run at once, and their
        // diagnostics are reported in this order.
        let (owner_diags, default_diags, app_diags, given_diags, token) = tokio::join!(
            when(owners, self.plan_owners(ctx, plan)),
            when(default_owner, self.plan_default_owner(ctx)),
            when(new_app, self.existing_app_hint(ctx, app_name)),
            when(
                given_app.is_some(),
                self.plan_given_app(ctx, given_app.as_deref())
            ),
            async {
                match token {
                    true => Some(self.plan_token(ctx, &plan.config).await),
                    false => None,
                }
            },
        );
        diags.extend(owner_diags);
        diags.extend(default_diags);
        diags.extend(app_diags);
        diags.extend(given_diags);
        if let Some(t) = token {
            set_workspace(plan, t, diags);
        }
    }

    /// Owners that are set and known must exist and be enabled, and should
    /// hold a role that can finish the connector's setup.
    async fn plan_owners(&self, ctx: &Context, plan: &Plan<Model>) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let Some(ids) = plan
            .config
            .get()
            .user_ids
            .as_ref()
            .filter(|i| !i.is_empty())
        else {
            return diags;
        };
        let ids: Vec<String> = ids.iter().cloned().collect();
        match self.c1() {
            Ok(c1) => check_owners(ctx, (&c1, self.shared.reads()), &ids, &mut diags).await,
            Err(d) => diags.push(d),
        }
        diags
    }

    /// Without `user_ids` the API's caller owns the connector; a warning
    /// when the caller is no user (some service principals and workload
    /// identities): ConductorOne then picks the owner, or leaves none. A
    /// caller that cannot be read says nothing here (the apply reports it).
    async fn plan_default_owner(&self, ctx: &Context) -> Diagnostics {
        let Ok(c1) = self.c1() else {
            return Diagnostics::new();
        };
        match cancellable(ctx, self.shared.reads().caller(&c1)).await {
            Ok(Ok(None)) => guide::no_default_owner().into(),
            _ => Diagnostics::new(),
        }
    }

    /// The app `app_id` names must exist (one read, once per process).
    async fn plan_given_app(&self, ctx: &Context, id: Option<&str>) -> Diagnostics {
        let Some(id) = id else {
            return Diagnostics::new();
        };
        let c1 = match self.c1() {
            Ok(c1) => c1,
            Err(d) => return d.into(),
        };
        let at = path(|m| &mut m.app_id);
        match cancellable(ctx, self.shared.reads().app(&c1, id)).await {
            Ok(Ok(Some(_))) => Diagnostics::new(),
            Ok(Ok(None)) => no_such_app(id).into(),
            Ok(Err(e)) => {
                let summary = format!("{at}: cannot check app {id:?} in ConductorOne; retry, or check the credentials");
                c1_error(&summary, &e, Some(at)).into()
            }
            Err(d) => d.into(),
        }
    }

    /// A warning when the tenant already has a Segment app this resource
    /// could use instead of making its own.
    async fn existing_app_hint(&self, ctx: &Context, name: Option<&str>) -> Diagnostics {
        match self.c1() {
            Ok(c1) => guide::existing_app_hint(ctx, (&c1, self.shared.reads()), name).await,
            Err(d) => d.into(),
        }
    }

    /// The token check for a token that is being set: `Unknown` while the
    /// token is, the workspace (or none, when the token is removed), or the
    /// problem.
    async fn plan_token(&self, ctx: &Context, config: &Partial<Model>) -> TokenPlan {
        if config.is_unknown(|m| &m.segment_access_token_wo)
            || config.is_unknown(|m| &m.segment_access_token)
        {
            return TokenPlan::Unknown;
        }
        let checked = match self.checked_token(ctx, config.get()).await {
            Ok(checked) => checked,
            Err(d) => return TokenPlan::Failed(d),
        };
        if checked.is_some() {
            // Where the token will go: ConductorOne's catalog says.
            if let Err(d) = self.token_field(ctx, config.get()).await {
                return TokenPlan::Failed(d);
            }
        }
        TokenPlan::Known(checked.map(|c| c.workspace))
    }
}

/// The diagnostics of `check` when `run` (a future does nothing until
/// awaited, so a check not run makes no request).
async fn when(run: bool, check: impl std::future::Future<Output = Diagnostics>) -> Diagnostics {
    match run {
        true => check.await,
        false => Diagnostics::new(),
    }
}

/// A resource whose connector vanished (its app remained) is updated by
/// making the connector again: what the new connector sets is unknown.
fn plan_recreate(plan: &mut Plan<Model>) -> bool {
    let recreate = plan.prior.as_ref().is_some_and(|p| p.id.is_none());
    if recreate {
        plan.planned.set_unknown(|m| &mut m.id);
        plan.planned.set_unknown(|m| &mut m.created_at);
    }
    recreate
}

/// What the plan learnt of a token that is being set.
enum TokenPlan {
    Unknown,
    Known(Option<Workspace>),
    Failed(Diagnostic),
}

/// The workspace attributes for a token that is being set: checked against
/// Segment when known, unknown otherwise, null when removed.
fn set_workspace(plan: &mut Plan<Model>, token: TokenPlan, diags: &mut Diagnostics) {
    match token {
        TokenPlan::Unknown => {
            plan.planned.set_unknown(|m| &mut m.segment_workspace_id);
            plan.planned.set_unknown(|m| &mut m.segment_workspace_slug);
        }
        TokenPlan::Known(ws) => {
            if let Some(d) = ws.as_ref().and_then(|ws| other_workspace(plan, ws)) {
                diags.push(d);
            }
            plan.planned.set(
                |m| &mut m.segment_workspace_id,
                ws.as_ref().map(|w| w.id.clone()),
            );
            plan.planned
                .set(|m| &mut m.segment_workspace_slug, ws.map(|w| w.slug));
        }
        TokenPlan::Failed(d) => diags.push(d),
    }
}

/// A warning when a new token belongs to another workspace than the one
/// the state records: the connector would sync other people's accounts.
fn other_workspace(plan: &Plan<Model>, ws: &Workspace) -> Option<Diagnostic> {
    let prior = plan.prior.as_ref()?;
    let old_id = prior.segment_workspace_id.as_deref()?;
    if old_id == ws.id {
        return None;
    }
    let old_slug = prior
        .segment_workspace_slug
        .as_deref()
        .unwrap_or("(slug unknown)");
    let at = match plan.config.get().segment_access_token_wo.is_some() {
        true => path(|m| &mut m.segment_access_token_wo),
        false => path(|m| &mut m.segment_access_token),
    };
    Some(
        Diagnostic::warning(
            format!(
                "{at}: the new token belongs to Segment workspace {} ({}), not {old_slug} ({old_id}), the one \
                 this connector syncs now",
                ws.slug, ws.id
            ),
            format!(
                "The new token is of workspace {:?} ({}, ID {}); the connector syncs workspace {old_slug} (ID \
                 {old_id}). Applied, ConductorOne would sync the other workspace's users, groups and roles into \
                 this app (the plan shows segment_workspace_id and segment_workspace_slug changing). If that is \
                 not meant, use a token of {old_slug}.",
                ws.name, ws.slug, ws.id
            ),
        )
        .at(at),
    )
}

/// `app_id` names no app: an error on it, with the remedy.
pub(super) fn no_such_app(id: &str) -> Diagnostic {
    let at = path(|m| &mut m.app_id);
    Diagnostic::error(
        format!("{at}: ConductorOne has no app {id:?}; use an existing app's ID, or leave {at} out"),
        format!(
            "{at} names the ConductorOne app the connector goes in, but ConductorOne has no app with ID \
             {id:?}. Find app IDs in ConductorOne under Applications, or leave {at} out and the resource \
             makes an app of its own (app_display_name)."
        ),
    )
    .at(at)
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
/// `user_ids`, naming the element. Enabled owners' roles are checked against
/// ConductorOne's roles, read at the same time (warnings, `guide`).
pub(super) async fn check_owners(
    ctx: &Context,
    (c1, reads): (&C1Client, &crate::cache::Reads),
    ids: &[String],
    diags: &mut Diagnostics,
) {
    let lookups = join_all(ids.iter().map(|id| reads.user(c1, id)));
    let (results, roles) = match cancellable(ctx, join(lookups, reads.c1_roles(c1))).await {
        Ok(r) => r,
        Err(d) => return diags.push(d),
    };
    let mut enabled = Vec::new();
    for (id, r) in ids.iter().zip(results) {
        match r {
            Ok(Some(u)) if is_enabled(&u) => enabled.push(u),
            r => {
                if let Some(d) = owner_problem(id, r) {
                    diags.push(d);
                }
            }
        }
    }
    guide::check_owner_roles(&enabled, roles, diags);
}

fn is_enabled(u: &User) -> bool {
    u.status == "ENABLED" && u.deleted_at.is_none()
}

/// A problem with one owner: the summary names the attribute, the element
/// and the remedy on one line (for CI logs); the detail says more.
fn owner_problem(id: &str, r: Result<Option<User>, C1Error>) -> Option<Diagnostic> {
    let at = path(|m| &mut m.user_ids);
    let (summary, detail) = match r {
        Ok(Some(u)) if is_enabled(&u) => return None,
        Ok(Some(u)) => (
            format!("{at}: {id:?} is not an enabled ConductorOne user; choose an enabled user"),
            format!(
                "{at} element {id:?} ({}) has status {}; connector owners must be enabled ConductorOne users.",
                one_line(u.name()),
                if u.status.is_empty() { "UNKNOWN".to_string() } else { one_line(&u.status) }
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
