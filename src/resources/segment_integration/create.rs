//! Create: the token checked first (nothing exists yet), then the owners, the
//! app unless given, and the connector, in the forms ConductorOne's own code
//! sends: created pending its config (`CreateDelegated`) under a name that
//! carries the pending marker (`pending.rs`), its token set with `Update`
//! (`updateMask: "config"`), then its real name and owners with
//! `UpdateDelegated` (`"displayName,userIds"`), which clears the marker; the
//! app's own marker goes last. A lost answer is recovered in place, an
//! interrupted create's objects are adopted by the next. From the app on,
//! what exists is returned even on failure, so that Terraform tracks it
//! (tainted) instead of orphaning it.

use std::future::Future;
use std::time::Duration;

use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::framework::Context;
use tfplugin::typed::Change;
use tfplugin::AttributePath;

use super::model::workspace_note;
use super::pending::{self, Found, Kind, Marker, MarkerKey};
use super::token::{token_attribute, Checked};
use super::{
    c1_call, c1_error, path, send_update, Model, SegmentIntegration, APP_DESCRIPTION, DEFAULT_NAME,
    SEGMENT_CATALOG_ID,
};
use crate::cache::Reads;
use crate::conductorone::{
    App, C1Client, C1Error, Connector, ConnectorUpdate, EnvConfig, NewConnector,
};
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
            let token = match checked {
                Some(c) => Some((c, self.token_field(ctx, &change.config).await?)),
                None => None,
            };
            let owners = owners_for(ctx, &c1, self.shared.reads(), &change.planned).await?;
            Ok::<_, Diagnostic>((c1, key, token, owners))
        };
        let (c1, key, token, owners) = match started.await {
            Ok(x) => x,
            Err(d) => return fail(diags, d, None),
        };
        let marker = Marker::new(&change.planned);
        let mut m = Model {
            segment_access_token: change.planned.segment_access_token.clone(),
            segment_access_token_wo_version: change.planned.segment_access_token_wo_version.clone(),
            ..existing.cloned().unwrap_or_default().without_connector()
        };
        m.set_workspace(token.as_ref().map(|(c, _)| &c.workspace));
        let at = Where {
            ctx,
            c1: &c1,
            planned: &change.planned,
            config: &change.config,
            marker: &marker,
            key: &key,
        };
        let mut ignored = Ignored::default();
        let steps = Steps {
            token: token.as_ref(),
            owners: owners.as_deref(),
        };
        let made = at
            .make(existing.is_some(), m, steps, &mut ignored, diags)
            .await;
        ignored.report(&key, diags);
        made
    }
}

/// What a create sends: the checked token and the config key it goes
/// under, and the owners (`None`: ConductorOne picks them).
#[derive(Clone, Copy)]
struct Steps<'a> {
    token: Option<&'a (Checked, String)>,
    owners: Option<&'a [String]>,
}

/// One create's context: the client, the plan, the attempt's marker and the
/// key that authenticates markers.
struct Where<'a> {
    ctx: &'a Context,
    c1: &'a C1Client,
    planned: &'a Model,
    config: &'a Model,
    marker: &'a Marker,
    key: &'a MarkerKey,
}

impl Where<'_> {
    /// The steps from the app on: what exists is returned even on failure.
    async fn make(
        &self,
        existing: bool,
        mut m: Model,
        steps: Steps<'_>,
        ignored: &mut Ignored,
        diags: &mut Diagnostics,
    ) -> Option<Model> {
        let origin = match self.app(existing, &mut m, ignored, diags).await {
            Ok(o) => o,
            Err(d) => return fail(diags, d, existing.then_some(m)),
        };
        let created = match self.connector(&m, steps, &origin, ignored, diags).await {
            Ok(c) => c,
            Err(d) => return fail(diags, d, Some(m)),
        };
        m = m.refreshed(&created);
        let origin = match self.bind(&m, &created, origin).await {
            Ok(o) => o,
            Err(d) => return fail(diags, d, Some(m)),
        };
        let configured = match self.configure(&created, steps).await {
            Ok(c) => c,
            Err(d) => return fail(diags, d, Some(m)),
        };
        m = m.refreshed(&configured);
        let settled = match self.settle(&configured, steps).await {
            Ok(c) => c,
            Err(d) => return fail(diags, d, Some(m)),
        };
        m = m.refreshed(&settled);
        match self.finish(&m, &origin).await {
            Ok(()) => Some(m),
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
            "Cannot search ConductorOne's apps",
            at.clone(),
            look,
        )
        .await?;
        let scan = pending::adoptable(apps, self.marker, self.key, Kind::App);
        ignored.apps(&scan.ignored);
        let (app, origin) = match scan.found {
            Found::One(app) => {
                diags.push(adopted("app", &app.display_name, &app.id).at(path(|m| &mut m.app_id)));
                let marker = self.key.valid(Kind::App, &app.description);
                let marker = marker.unwrap_or_else(|| self.marker.clone());
                let pending = self.owned(&app, marker, at.clone()).await?;
                (app, AppOrigin::Adopted(pending))
            }
            Found::Several(apps) => {
                let ids: Vec<&str> = apps.iter().map(|a| a.id.as_str()).collect();
                return Err(several(&format!("apps named {name:?}"), &ids)
                    .at(path(|m| &mut m.app_display_name)));
            }
            Found::Nothing => {
                let stamped = self.marker.stamped();
                let description = stamped.add_to(APP_DESCRIPTION, self.key, Kind::App);
                let app = self
                    .create_or_recover(
                        "Cannot create the ConductorOne app",
                        |_| at.clone(),
                        || self.c1.create_app(&name, &description),
                        || async {
                            let apps = self.c1.apps_named(&name).await?;
                            Ok(pending::own(apps, &stamped, self.key, Kind::App))
                        },
                    )
                    .await?;
                let pending = self.owned(&app, stamped, at.clone()).await?;
                (app, AppOrigin::Made(pending))
            }
        };
        m.app_id = Some(app.id);
        m.app_display_name = Some(name);
        Ok(origin)
    }

    /// The app's pending state, its marker naming the app itself (written
    /// now when it does not yet): from then on a copy of the marker on any
    /// other object is not adopted there.
    async fn owned(
        &self,
        app: &App,
        marker: Marker,
        at: Option<AttributePath>,
    ) -> Result<PendingApp, Diagnostic> {
        if marker.own.as_deref() == Some(app.id.as_str()) {
            return Ok(PendingApp {
                description: app.description.clone(),
                marker,
            });
        }
        let owning = marker.owning(&app.id);
        let description = owning.add_to(&app.description, self.key, Kind::App);
        let marked = self.c1.set_app_description(&app.id, &description);
        c1_call(
            self.ctx,
            "Cannot mark the ConductorOne app as this create's",
            at,
            marked,
        )
        .await?;
        Ok(PendingApp {
            description,
            marker: owning,
        })
    }

    /// The connector: one left pending in the app by an interrupted create
    /// of this configuration (adopted), or a new one, created pending its
    /// config under a name that carries this attempt's marker.
    async fn connector(
        &self,
        m: &Model,
        steps: Steps<'_>,
        origin: &AppOrigin,
        ignored: &mut Ignored,
        diags: &mut Diagnostics,
    ) -> Result<Connector, Diagnostic> {
        let app_id = m.app_id.clone().unwrap_or_default();
        if !matches!(origin, AppOrigin::Made(_)) {
            if let Some(c) = self.pending_connector(&app_id, origin, ignored).await? {
                let name = pending::strip(&c.display_name);
                diags.push(adopted("connector", &name, &c.id).at(path(|m| &mut m.id)));
                return Ok(c);
            }
        }
        let name = self.planned.display_name.as_deref().unwrap_or(DEFAULT_NAME);
        let stamped = self.marker.stamped();
        let marked = stamped.add_to(name, self.key, Kind::Connector);
        let note = workspace_note(steps.token.map(|(c, _)| &c.workspace));
        let new = NewConnector {
            app_id: &app_id,
            catalog_id: SEGMENT_CATALOG_ID,
            display_name: &marked,
            description: &note,
            user_ids: steps.owners.unwrap_or_default(),
            secret: None,
        };
        let managed = m.managed_app == Some(true);
        tracing::debug!(app_id, managed, "creating the Segment connector");
        self.create_or_recover(
            "Cannot create the ConductorOne connector",
            |e| (e.is_not_found() && !managed).then(|| path(|m| &mut m.app_id)),
            || self.c1.create_connector(&new),
            || async {
                let all = self.c1.connectors(&app_id).await?;
                Ok(pending::own(all, &stamped, self.key, Kind::Connector))
            },
        )
        .await
    }

    /// A Segment connector in the app left pending by an interrupted create
    /// of this configuration: the one an adopted app's marker names, else
    /// one whose name carries its own valid marker. An unmarked connector,
    /// or one whose marker this provider's key did not make, is never
    /// adopted.
    async fn pending_connector(
        &self,
        app_id: &str,
        origin: &AppOrigin,
        ignored: &mut Ignored,
    ) -> Result<Option<Connector>, Diagnostic> {
        let all = match cancellable(self.ctx, self.c1.connectors(app_id)).await? {
            Ok(all) => all,
            Err(e) if e.is_not_found() => return Err(super::plan::no_such_app(app_id)),
            Err(e) => {
                let summary = "Cannot read the connectors of the ConductorOne app";
                return Err(c1_error(summary, &e, None));
            }
        };
        let segment: Vec<Connector> = all
            .into_iter()
            .filter(|c| c.catalog_id == SEGMENT_CATALOG_ID)
            .collect();
        let named = origin.pending().and_then(|p| p.marker.connector.as_deref());
        if let Some(c) = named.and_then(|id| segment.iter().find(|c| c.id == id)) {
            return Ok(Some(c.clone()));
        }
        let scan = pending::adoptable(segment, self.marker, self.key, Kind::Connector);
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
        let summary = "Cannot record the new connector on its app";
        c1_call(self.ctx, summary, None, bound).await?;
        let pending = PendingApp {
            description,
            marker,
        };
        Ok(match origin {
            AppOrigin::Made(_) => AppOrigin::Made(pending),
            _ => AppOrigin::Adopted(pending),
        })
    }

    /// Sends the token (`Update`, `updateMask: "config"`), when there is one.
    async fn configure(
        &self,
        connector: &Connector,
        steps: Steps<'_>,
    ) -> Result<Connector, Diagnostic> {
        let Some((checked, field)) = steps.token else {
            return Ok(connector.clone());
        };
        let config = EnvConfig::with_secret(field, Some(&checked.token));
        let at = Some(token_attribute(self.config));
        let summary = "Cannot set the token of the ConductorOne connector";
        let update = ConnectorUpdate::Config(config);
        send_update(self.ctx, self.c1, connector, &update, summary, at).await
    }

    /// Sets the connector's real name and owners (`UpdateDelegated`, both
    /// sent), which also clears the marker its name carried: the owners
    /// planned, else those ConductorOne gave it.
    async fn settle(
        &self,
        connector: &Connector,
        steps: Steps<'_>,
    ) -> Result<Connector, Diagnostic> {
        let name = self.planned.display_name.as_deref().unwrap_or(DEFAULT_NAME);
        let owners = steps.owners.unwrap_or(&connector.user_ids).to_vec();
        let update = ConnectorUpdate::NameAndOwners {
            display_name: name.to_string(),
            user_ids: owners,
        };
        if update.not_taken(connector).is_none() {
            return Ok(connector.clone());
        }
        let summary = "Cannot set the connector's name and owners";
        send_update(self.ctx, self.c1, connector, &update, summary, None).await
    }

    /// Clears the pending app's marker, last, once nothing else is pending.
    async fn finish(&self, m: &Model, origin: &AppOrigin) -> Result<(), Diagnostic> {
        let Some(p) = origin.pending() else {
            return Ok(());
        };
        let app_id = m.app_id.clone().unwrap_or_default();
        let description = pending::strip(&p.description);
        let cleared = self.c1.set_app_description(&app_id, &description);
        let summary = "Cannot mark the new connector complete";
        c1_call(self.ctx, summary, None, cleared).await.map(|_| ())
    }
}

fn adopted(what: &str, name: &str, id: &str) -> Diagnostic {
    Diagnostic::warning(
        format!("Adopted the ConductorOne {what} {name:?} ({id}) that an interrupted apply made"),
        format!(
            "An earlier apply made this {what} but never recorded it: its answer was lost, or Terraform \
             or the provider stopped. It carries that apply's marker, matches this configuration, and \
             is now tracked instead of making another."
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
            let name = pending::strip(&c.display_name);
            format!("connector {name:?} ({}) in app {}", c.id, c.app_id)
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
                "Ignored {} ConductorOne object(s) marked as made by an interrupted apply of this configuration",
                self.0.len()
            ),
            format!(
                "{} carry the marker of an interrupted apply of this configuration, but \
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
            "{e}. ConductorOne may have carried the create out; what it made carries this apply's \
             marker, and the next apply adopts it instead of making another."
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

/// The owners: as planned, else the caller of the API, else (`None`: the
/// caller is no user) whoever ConductorOne picks.
async fn owners_for(
    ctx: &Context,
    c1: &C1Client,
    reads: &Reads,
    planned: &Model,
) -> Result<Option<Vec<String>>, Diagnostic> {
    if let Some(ids) = &planned.user_ids {
        return Ok(Some(ids.iter().cloned().collect()));
    }
    let summary = "Cannot find the calling ConductorOne user";
    let me = c1_call(ctx, summary, None, reads.caller(c1)).await?;
    Ok(me.map(|id| vec![id]))
}
