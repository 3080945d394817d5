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
use super::pending::{self, Found, Kind, Marker, MarkerKey};
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
/// app from its state, or an app this create made or adopted (pending: its
/// description and the marker in it).
#[derive(Clone, Debug, PartialEq, Eq)]
enum AppOrigin {
    Given,
    Existing,
    Made(PendingApp),
    Adopted(PendingApp),
}

/// A pending app's description, and the valid marker it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PendingApp {
    description: String,
    marker: Marker,
}

impl AppOrigin {
    /// The app's description and marker, when the app is pending.
    fn pending(&self) -> Option<&PendingApp> {
        match self {
            AppOrigin::Made(p) | AppOrigin::Adopted(p) => Some(p),
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
            let key = self.marker_key()?;
            let checked = self.checked_token(ctx, &change.config).await?;
            let owners = owners_for(ctx, &c1, &change.planned).await?;
            Ok::<_, Diagnostic>((c1, key, checked, owners))
        };
        let (c1, key, checked, owners) = match started.await {
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
            key: &key,
        };
        let mut ignored = Ignored::default();
        let made = at
            .make(
                existing.is_some(),
                m,
                checked.as_ref(),
                &owners,
                &mut ignored,
                diags,
            )
            .await;
        ignored.report(&key, diags);
        made
    }
}

/// One create's context: the client, the plan, the attempt's marker and the
/// key that authenticates markers.
struct Where<'a> {
    ctx: &'a Context,
    c1: &'a C1Client,
    planned: &'a Model,
    marker: &'a Marker,
    key: &'a MarkerKey,
}

impl Where<'_> {
    /// The steps from the app on: what exists is returned even on failure.
    async fn make(
        &self,
        existing: bool,
        mut m: Model,
        checked: Option<&Checked>,
        owners: &[String],
        ignored: &mut Ignored,
        diags: &mut Diagnostics,
    ) -> Option<Model> {
        let origin = match self.app(existing, &mut m, ignored, diags).await {
            Ok(o) => o,
            Err(d) => return fail(diags, d, existing.then_some(m)),
        };
        let (created, adopted) = match self
            .connector(&m, checked, owners, &origin, ignored, diags)
            .await
        {
            Ok(c) => c,
            Err(d) => return fail(diags, d, Some(m)),
        };
        m = m.refreshed(&created);
        let origin = match self.bind(&m, &created, origin).await {
            Ok(o) => o,
            Err(d) => return fail(diags, d, Some(m)),
        };
        let token = if adopted { checked } else { None };
        let settled = match self.settle(&created, owners, &origin, token).await {
            Ok(c) => c,
            Err(d) => return fail(diags, d, Some(m)),
        };
        m = m.refreshed(&settled);
        match self.finish(&m, &settled, &origin).await {
            Ok(Some(cleared)) => Some(m.refreshed(&cleared)),
            Ok(None) => Some(m),
            Err(d) => fail(diags, d, Some(m)),
        }
    }

    /// The app: the resource's own (renamed, when re-made in after its
    /// connector vanished), the one given by `app_id`, one left pending by
    /// an interrupted create of this configuration, or a new one.
    async fn app(
        &self,
        existing: bool,
        m: &mut Model,
        ignored: &mut Ignored,
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
        let scan = pending::adoptable(apps, |a| &a.description, self.marker, self.key, Kind::App);
        ignored.apps(&scan.ignored);
        let (app, origin) = match scan.found {
            Found::One(app) => {
                diags.push(adopted("app", &app.display_name, &app.id).at(path(|m| &mut m.app_id)));
                let marker = self.key.valid(Kind::App, &app.description);
                let pending = PendingApp {
                    description: app.description.clone(),
                    marker: marker.unwrap_or_else(|| self.marker.clone()),
                };
                (app, AppOrigin::Adopted(pending))
            }
            Found::Several(apps) => {
                let ids: Vec<&str> = apps.iter().map(|a| a.id.as_str()).collect();
                return Err(several(&format!("apps named {name:?}"), &ids)
                    .at(path(|m| &mut m.app_display_name)));
            }
            Found::Nothing => {
                let description = self.marker.add_to(APP_DESCRIPTION, self.key, Kind::App);
                let app = self
                    .create_or_recover(
                        "Cannot create the ConductorOne app",
                        |_| at.clone(),
                        || self.c1.create_app(&name, &description),
                        || async {
                            let apps = self.c1.apps_named(&name).await?;
                            Ok(pending::own(
                                apps,
                                |a| &a.description,
                                self.marker,
                                self.key,
                                Kind::App,
                            ))
                        },
                    )
                    .await?;
                let pending = PendingApp {
                    description,
                    marker: self.marker.clone(),
                };
                (app, AppOrigin::Made(pending))
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
        ignored: &mut Ignored,
        diags: &mut Diagnostics,
    ) -> Result<(Connector, bool), Diagnostic> {
        let app_id = m.app_id.clone().unwrap_or_default();
        if !matches!(origin, AppOrigin::Made(_)) {
            if let Some(c) = self.pending_connector(&app_id, origin, ignored).await? {
                diags.push(adopted("connector", &c.display_name, &c.id).at(path(|m| &mut m.id)));
                return Ok((c, true));
            }
        }
        let note = workspace_note(checked.map(|c| &c.workspace));
        let description = self.marker.add_to(&note, self.key, Kind::Connector);
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
                    Ok(pending::own(
                        all,
                        |c| &c.description,
                        self.marker,
                        self.key,
                        Kind::Connector,
                    ))
                },
            )
            .await?;
        Ok((made, false))
    }

    /// A Segment connector in the app left pending by an interrupted create
    /// of this configuration: the one an adopted app's marker names, else
    /// one whose own valid marker says so. An unmarked connector, or one
    /// whose marker this provider's key did not make, is never adopted.
    async fn pending_connector(
        &self,
        app_id: &str,
        origin: &AppOrigin,
        ignored: &mut Ignored,
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
        let named = origin.pending().and_then(|p| p.marker.connector.as_deref());
        if let Some(c) = named.and_then(|id| segment.iter().find(|c| c.id == id)) {
            return Ok(Some(c.clone()));
        }
        let scan = pending::adoptable(
            segment,
            |c| &c.description,
            self.marker,
            self.key,
            Kind::Connector,
        );
        ignored.connectors(&scan.ignored);
        match scan.found {
            Found::One(c) => Ok(Some(c)),
            Found::Nothing => Ok(None),
            Found::Several(found) => Err(several_connectors(app_id, &found)),
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
        FF: Future<Output = Result<Found<T>, C1Error>>,
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
                Ok(Found::One(made)) => return Ok(made),
                Ok(Found::Nothing) if tries < CREATE_ATTEMPTS => {}
                Ok(Found::Several(_)) => return Err(copied(summary, at(&e))),
                Ok(Found::Nothing) | Err(_) => return Err(lost(summary, &e, at(&e))),
            }
            cancellable(
                self.ctx,
                tokio::time::sleep(Duration::from_millis(250 * u64::from(tries))),
            )
            .await?;
        }
    }

    /// In a pending app, its marker comes to name the connector (under the
    /// MAC), so that the connector's own marker can go before the app's:
    /// whichever step a crash stops at, a valid marker vouches for both.
    async fn bind(
        &self,
        m: &Model,
        connector: &Connector,
        origin: AppOrigin,
    ) -> Result<AppOrigin, Diagnostic> {
        let Some(p) = origin.pending() else {
            return Ok(origin);
        };
        let marker = p.marker.naming(&connector.id);
        if marker == p.marker {
            return Ok(origin);
        }
        let app_id = m.app_id.clone().unwrap_or_default();
        let description = marker.add_to(&p.description, self.key, Kind::App);
        let bound = self.c1.set_app_description(&app_id, &description);
        c1_call(
            self.ctx,
            "Cannot record the new connector on its app",
            None,
            bound,
        )
        .await?;
        let pending = PendingApp {
            description,
            marker,
        };
        Ok(match origin {
            AppOrigin::Made(_) => AppOrigin::Made(pending),
            _ => AppOrigin::Adopted(pending),
        })
    }

    /// Sets the name and owners where the create call could not (the create
    /// with a config takes no name), and the token on an adopted connector.
    /// In a pending app (whose marker now names the connector) the
    /// connector's marker is cleared here too.
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
            patch.description = Some(self.marker.add_to(&note, self.key, Kind::Connector));
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
        if let Some(p) = origin.pending() {
            let app_id = m.app_id.clone().unwrap_or_default();
            let description = pending::strip(&p.description);
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

/// Objects marked pending for this configuration whose markers this
/// provider's key did not make, for one warning.
#[derive(Default)]
struct Ignored(Vec<String>);

impl Ignored {
    fn apps(&mut self, apps: &[crate::conductorone::App]) {
        let named = apps
            .iter()
            .map(|a| format!("app {:?} ({})", a.display_name, a.id));
        self.0.extend(named);
    }

    fn connectors(&mut self, connectors: &[Connector]) {
        let named = connectors.iter().map(|c| {
            format!(
                "connector {:?} ({}) in app {}",
                c.display_name, c.id, c.app_id
            )
        });
        self.0.extend(named);
    }

    /// One warning naming everything ignored, if anything was.
    fn report(self, key: &MarkerKey, diags: &mut Diagnostics) {
        if self.0.is_empty() {
            return;
        }
        let why = if key.durable {
            "were not made with this provider's credentials (the marker is forged, or was made \
             with another client secret or by a run authenticated with an access token or a \
             workload identity)"
        } else {
            "cannot be proved to be this configuration's: with an access token or a workload \
             identity, the provider recognises only the markers of its own run"
        };
        diags.push(Diagnostic::warning(
            format!(
                "Ignored {} ConductorOne object(s) marked pending for this configuration",
                self.0.len()
            ),
            format!(
                "{} carry the pending marker of an interrupted create of this configuration, but \
                 its markers {why}. They were not adopted and nothing was sent to them; this \
                 apply made its own. Delete them in ConductorOne if no one needs them.",
                self.0.join(", ")
            ),
        ));
    }
}

/// The look after a lost create found its marker on several objects:
/// someone copied it.
fn copied(summary: &str, at: Option<AttributePath>) -> Diagnostic {
    let d = Diagnostic::error(
        summary,
        "The create's answer was lost, and its pending marker is now on several objects: \
         someone copied it. Which one the create made cannot be told; nothing was adopted. \
         Check the objects in ConductorOne, delete the ones you do not want, and apply again.",
    );
    match at {
        Some(p) => d.at(p),
        None => d,
    }
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
