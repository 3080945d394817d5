//! Create: the token checked first (nothing exists yet), then the owners, the
//! app unless given, the connector, and its name and owners where the create
//! call could not set them; last, the pending markers are cleared
//! (`pending.rs`). A lost answer is recovered in place, an interrupted
//! create's objects are adopted by the next. From the app on, what exists is
//! returned even on failure, so that Terraform tracks it (tainted) instead of
//! orphaning it.

use std::future::Future;
use std::time::Duration;

use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::framework::Context;
use tfplugin::typed::Change;
use tfplugin::AttributePath;

use super::model::workspace_note;
use super::pending::{self, Found, Marker};
use super::token::Checked;
use super::{
    c1_call, c1_error, path, Model, SegmentIntegration, APP_DESCRIPTION, DEFAULT_NAME,
    SEGMENT_CATALOG_ID, TOKEN_CONFIG_KEY,
};
use crate::conductorone::{C1Client, C1Error, Connector, ConnectorPatch, EnvConfig, NewConnector};
use crate::glue::cancellable;

/// Create calls in all, when each answer is lost and nothing was made. Each
/// retry follows a look that found nothing, so it cannot make a second
/// object; five rides out a burst of server errors (at a 5% error rate, a
/// create fails once in 3 million rather than once in 8,000, which over a
/// 200-resource apply with two creates each was one apply in 20).
const CREATE_ATTEMPTS: u32 = 5;

/// Where the connector goes: the app given by `app_id`, the resource's own
/// app from its state, or an app this create made or adopted (pending, with
/// its description).
#[derive(Clone, Debug, PartialEq, Eq)]
enum AppOrigin {
    Given,
    Existing,
    Made(String),
    Adopted(String),
}

impl AppOrigin {
    /// The app's description, when the app is pending.
    fn pending(&self) -> Option<&str> {
        match self {
            AppOrigin::Made(d) | AppOrigin::Adopted(d) => Some(d),
            _ => None,
        }
    }
}

impl SegmentIntegration {
    /// Creates the connector, and the app unless given. `existing` is the
    /// prior state of a resource whose connector vanished while its own app
    /// remained: the connector is made again in that app. What it makes is
    /// pending (`pending.rs`) until the last step.
    pub(super) async fn create_steps(
        &self,
        ctx: &Context,
        change: &Change<Model>,
        existing: Option<&Model>,
        diags: &mut Diagnostics,
    ) -> Option<Model> {
        let started = async {
            let c1 = self.c1()?;
            let checked = self.checked_token(ctx, &change.config).await?;
            let owners = owners_for(ctx, &c1, &change.planned).await?;
            Ok::<_, Diagnostic>((c1, checked, owners))
        };
        let (c1, checked, owners) = match started.await {
            Ok(x) => x,
            Err(d) => return fail(diags, d, None),
        };
        let marker = Marker::new(&change.planned);
        let mut m = Model {
            segment_access_token: change.planned.segment_access_token.clone(),
            segment_access_token_wo_version: change.planned.segment_access_token_wo_version.clone(),
            ..existing.cloned().unwrap_or_default().without_connector()
        };
        m.set_workspace(checked.as_ref().map(|c| &c.workspace));
        let at = Where {
            ctx,
            c1: &c1,
            planned: &change.planned,
            marker: &marker,
        };
        let origin = match at.app(existing.is_some(), &mut m, diags).await {
            Ok(o) => o,
            Err(d) => return fail(diags, d, existing.is_some().then_some(m)),
        };
        let (created, adopted) = match at
            .connector(&m, checked.as_ref(), &owners, &origin, diags)
            .await
        {
            Ok(c) => c,
            Err(d) => return fail(diags, d, Some(m)),
        };
        m = m.refreshed(&created);
        let token = if adopted { checked.as_ref() } else { None };
        let settled = match at.settle(&created, &owners, &origin, token).await {
            Ok(c) => c,
            Err(d) => return fail(diags, d, Some(m)),
        };
        m = m.refreshed(&settled);
        match at.finish(&m, &settled, &origin).await {
            Ok(Some(cleared)) => Some(m.refreshed(&cleared)),
            Ok(None) => Some(m),
            Err(d) => fail(diags, d, Some(m)),
        }
    }
}

/// One create's context: the client, the plan and the attempt's marker.
struct Where<'a> {
    ctx: &'a Context,
    c1: &'a C1Client,
    planned: &'a Model,
    marker: &'a Marker,
}

impl Where<'_> {
    /// The app: the resource's own (renamed, when re-made in after its
    /// connector vanished), the one given by `app_id`, one left pending by
    /// an interrupted create of this configuration, or a new one.
    async fn app(
        &self,
        existing: bool,
        m: &mut Model,
        diags: &mut Diagnostics,
    ) -> Result<AppOrigin, Diagnostic> {
        let managed = self.planned.managed_app == Some(true);
        m.managed_app = Some(managed);
        let name = self
            .planned
            .app_display_name
            .clone()
            .unwrap_or_else(|| DEFAULT_NAME.into());
        let at = Some(path(|m| &mut m.app_display_name));
        if existing {
            if managed && m.app_display_name.as_ref() != Some(&name) {
                let app_id = m.app_id.clone().unwrap_or_default();
                let renamed = self.c1.rename_app(&app_id, &name);
                c1_call(self.ctx, "Cannot rename the ConductorOne app", at, renamed).await?;
                m.app_display_name = Some(name);
            }
            return Ok(AppOrigin::Existing);
        }
        if !managed {
            m.app_id.clone_from(&self.planned.app_id);
            return Ok(AppOrigin::Given);
        }
        let look = self.c1.apps_named(&name);
        let apps = c1_call(
            self.ctx,
            "Cannot look for a pending ConductorOne app",
            at.clone(),
            look,
        )
        .await?;
        let (app, origin) = match pending::adoptable(apps, |a| &a.description, self.marker) {
            Found::One(app) => {
                diags.push(adopted("app", &app.display_name, &app.id).at(path(|m| &mut m.app_id)));
                let origin = AppOrigin::Adopted(app.description.clone());
                (app, origin)
            }
            Found::Several(apps) => {
                let ids: Vec<&str> = apps.iter().map(|a| a.id.as_str()).collect();
                return Err(several(&format!("apps named {name:?}"), &ids)
                    .at(path(|m| &mut m.app_display_name)));
            }
            Found::Nothing => {
                let description = self.marker.add_to(APP_DESCRIPTION);
                let app = self
                    .create_or_recover(
                        "Cannot create the ConductorOne app",
                        |_| at.clone(),
                        || self.c1.create_app(&name, &description),
                        || async {
                            let apps = self.c1.apps_named(&name).await?;
                            Ok(pending::own(apps, |a| &a.description, self.marker))
                        },
                    )
                    .await?;
                (app, AppOrigin::Made(description))
            }
        };
        m.app_id = Some(app.id);
        m.app_display_name = Some(name);
        Ok(origin)
    }

    /// The connector: one left pending in the app by an interrupted create
    /// of this configuration (adopted: `true`), or a new one.
    async fn connector(
        &self,
        m: &Model,
        checked: Option<&Checked>,
        owners: &[String],
        origin: &AppOrigin,
        diags: &mut Diagnostics,
    ) -> Result<(Connector, bool), Diagnostic> {
        let app_id = m.app_id.clone().unwrap_or_default();
        if !matches!(origin, AppOrigin::Made(_)) {
            if let Some(c) = self.pending_connector(&app_id, origin).await? {
                diags.push(adopted("connector", &c.display_name, &c.id).at(path(|m| &mut m.id)));
                return Ok((c, true));
            }
        }
        let description = self
            .marker
            .add_to(&workspace_note(checked.map(|c| &c.workspace)));
        let new = NewConnector {
            app_id: &app_id,
            catalog_id: SEGMENT_CATALOG_ID,
            display_name: self.planned.display_name.as_deref().unwrap_or(DEFAULT_NAME),
            description: &description,
            user_ids: owners,
            secret: checked.map(|c| (TOKEN_CONFIG_KEY, &c.token)),
        };
        let managed = m.managed_app == Some(true);
        tracing::debug!(
            app_id,
            managed,
            with_token = checked.is_some(),
            owners = owners.len(),
            "creating the Segment connector"
        );
        let made = self
            .create_or_recover(
                "Cannot create the ConductorOne connector",
                |e| (e.is_not_found() && !managed).then(|| path(|m| &mut m.app_id)),
                || self.c1.create_connector(&new),
                || async {
                    let all = self.c1.connectors(&app_id).await?;
                    Ok(pending::own(all, |c| &c.description, self.marker))
                },
            )
            .await?;
        Ok((made, false))
    }

    /// A Segment connector in the app left pending by an interrupted create
    /// of this configuration. In an app that is itself pending, its one
    /// Segment connector belongs to the interrupted create even once the
    /// connector's own marker is cleared (the create clears it first).
    async fn pending_connector(
        &self,
        app_id: &str,
        origin: &AppOrigin,
    ) -> Result<Option<Connector>, Diagnostic> {
        let look = self.c1.connectors(app_id);
        let all = c1_call(
            self.ctx,
            "Cannot look for a pending ConductorOne connector",
            None,
            look,
        )
        .await?;
        let segment: Vec<Connector> = all
            .into_iter()
            .filter(|c| c.catalog_id == SEGMENT_CATALOG_ID)
            .collect();
        let contained = matches!(origin, AppOrigin::Adopted(_));
        match pending::adoptable(segment.clone(), |c| &c.description, self.marker) {
            Found::One(c) => Ok(Some(c)),
            Found::Nothing if contained && segment.len() == 1 => Ok(segment.into_iter().next()),
            Found::Nothing if !contained || segment.is_empty() => Ok(None),
            Found::Several(found) => Err(several_connectors(app_id, &found)),
            Found::Nothing => Err(several_connectors(app_id, &segment)),
        }
    }

    /// Runs `create`; when its answer is lost (a server error, a timeout, a
    /// reset connection) looks for what this attempt made with `find`
    /// before trying again.
    async fn create_or_recover<T, C, CF, F, FF>(
        &self,
        summary: &str,
        at: impl Fn(&C1Error) -> Option<AttributePath>,
        create: C,
        find: F,
    ) -> Result<T, Diagnostic>
    where
        C: Fn() -> CF,
        CF: Future<Output = Result<T, C1Error>>,
        F: Fn() -> FF,
        FF: Future<Output = Result<Option<T>, C1Error>>,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            let e = match cancellable(self.ctx, create()).await? {
                Ok(made) => return Ok(made),
                Err(e) => e,
            };
            if !e.may_have_acted() {
                return Err(c1_error(summary, &e, at(&e)));
            }
            tracing::warn!(error = %e, tries, "a create's answer was lost; looking for what it made");
            let looked = c1_call(self.ctx, summary, at(&e), find()).await;
            match looked {
                Ok(Some(made)) => return Ok(made),
                Ok(None) if tries < CREATE_ATTEMPTS => {}
                Ok(None) | Err(_) => return Err(lost(summary, &e, at(&e))),
            }
            cancellable(
                self.ctx,
                tokio::time::sleep(Duration::from_millis(250 * u64::from(tries))),
            )
            .await?;
        }
    }

    /// Sets the name and owners where the create call could not (the create
    /// with a config takes no name), and the token on an adopted connector.
    /// In a pending app the connector's marker is cleared here too.
    async fn settle(
        &self,
        created: &Connector,
        owners: &[String],
        origin: &AppOrigin,
        token: Option<&Checked>,
    ) -> Result<Connector, Diagnostic> {
        let name = self.planned.display_name.as_deref().unwrap_or(DEFAULT_NAME);
        let mut patch = ConnectorPatch::default();
        if created.display_name != name {
            patch.display_name = Some(name.to_string());
        }
        let (mut have, mut want) = (created.user_ids.clone(), owners.to_vec());
        have.sort();
        want.sort();
        if have != want {
            patch.user_ids = Some(owners.to_vec());
        }
        if let Some(checked) = token {
            // An adopted connector: this attempt's marker stays on it until
            // `finish`, unless its app is pending (cleared below).
            patch.config = Some(EnvConfig::with_secret(
                TOKEN_CONFIG_KEY,
                Some(&checked.token),
            ));
            let note = workspace_note(Some(&checked.workspace));
            patch.description = Some(self.marker.add_to(&note));
        }
        if origin.pending().is_some() {
            let d = patch
                .description
                .take()
                .unwrap_or_else(|| created.description.clone());
            patch.description = Some(pending::strip(&d));
        }
        if patch.is_empty() {
            return Ok(created.clone());
        }
        let at = Some(path(|m| &mut m.user_ids));
        let updated = self.c1.update_connector(created, &patch);
        c1_call(
            self.ctx,
            "Cannot set the connector's name and owners",
            at,
            updated,
        )
        .await
    }

    /// Clears what is still pending: the app's marker last, once nothing
    /// else is; else the connector's (returned as it now is).
    async fn finish(
        &self,
        m: &Model,
        settled: &Connector,
        origin: &AppOrigin,
    ) -> Result<Option<Connector>, Diagnostic> {
        const SUMMARY: &str = "Cannot mark the new connector complete";
        if let Some(description) = origin.pending() {
            let app_id = m.app_id.clone().unwrap_or_default();
            let description = pending::strip(description);
            let cleared = self.c1.set_app_description(&app_id, &description);
            c1_call(self.ctx, SUMMARY, None, cleared).await?;
            return Ok(None);
        }
        if !pending::is_pending(&settled.description) {
            return Ok(None);
        }
        let patch = ConnectorPatch {
            description: Some(pending::strip(&settled.description)),
            ..ConnectorPatch::default()
        };
        let cleared = self.c1.update_connector(settled, &patch);
        c1_call(self.ctx, SUMMARY, None, cleared).await.map(Some)
    }
}

fn adopted(what: &str, name: &str, id: &str) -> Diagnostic {
    Diagnostic::warning(
        format!("Adopted the ConductorOne {what} {name:?} ({id}) left pending by an interrupted create"),
        format!(
            "An earlier apply made this {what} but never recorded it: its answer was lost, or Terraform \
             or the provider stopped. It was marked pending, matches this configuration, and is now \
             tracked instead of making another."
        ),
    )
}

fn several(what: &str, ids: &[&str]) -> Diagnostic {
    Diagnostic::error(
        "Several pending ConductorOne objects match this resource",
        format!(
            "Interrupted creates of this configuration left {what} pending: {}. Which one is this \
             resource's cannot be told: delete the ones you do not want in ConductorOne (or import \
             one), then apply again.",
            ids.join(", ")
        ),
    )
}

fn several_connectors(app_id: &str, found: &[Connector]) -> Diagnostic {
    let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
    several(&format!("Segment connectors in app {app_id}"), &ids).at(path(|m| &mut m.display_name))
}

/// A create whose answer was lost and whose result could not be found.
fn lost(summary: &str, e: &C1Error, at: Option<AttributePath>) -> Diagnostic {
    let d = Diagnostic::error(
        summary,
        format!(
            "{e}. ConductorOne may have carried the create out; what it made is marked pending, \
             and the next apply adopts it instead of making another."
        ),
    );
    match at {
        Some(p) => d.at(p),
        None => d,
    }
}

fn fail(diags: &mut Diagnostics, d: Diagnostic, made: Option<Model>) -> Option<Model> {
    diags.push(d);
    made
}

/// The owners: as planned, or the caller of the API.
async fn owners_for(
    ctx: &Context,
    c1: &C1Client,
    planned: &Model,
) -> Result<Vec<String>, Diagnostic> {
    if let Some(ids) = &planned.user_ids {
        return Ok(ids.iter().cloned().collect());
    }
    let me = c1_call(
        ctx,
        "Cannot find the calling ConductorOne user",
        None,
        c1.caller_user_id(),
    )
    .await?;
    Ok(vec![me])
}
