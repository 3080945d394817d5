//! Create: the token checked first (nothing exists yet), then the owners, the
//! app unless given, the connector, and its name and owners where the create
//! call could not set them. From the app on, what exists is returned even on
//! failure, so that Terraform tracks it (tainted) instead of orphaning it.

use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::framework::Context;
use tfplugin::typed::Change;

use super::model::workspace_note;
use super::token::Checked;
use super::{
    c1_call, c1_error, path, Model, SegmentIntegration, DEFAULT_NAME, SEGMENT_CATALOG_ID,
    TOKEN_CONFIG_KEY,
};
use crate::conductorone::{C1Client, Connector, ConnectorPatch, NewConnector};
use crate::glue::cancellable;

impl SegmentIntegration {
    /// Creates the connector, and the app unless given. `existing` is the
    /// prior state of a resource whose connector vanished while its own app
    /// remained: the connector is made again in that app.
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
        let mut m = Model {
            segment_access_token: change.planned.segment_access_token.clone(),
            segment_access_token_wo_version: change.planned.segment_access_token_wo_version,
            ..existing.cloned().unwrap_or_default().without_connector()
        };
        m.set_workspace(checked.as_ref().map(|c| &c.workspace));
        if let Err(d) = self
            .app_for(ctx, &c1, &change.planned, existing.is_some(), &mut m)
            .await
        {
            return fail(diags, d, existing.is_some().then_some(m));
        }
        let created =
            match make_connector(ctx, &c1, &change.planned, &m, checked.as_ref(), &owners).await {
                Ok(c) => c,
                Err(d) => return fail(diags, d, Some(m)),
            };
        m = m.refreshed(&created);
        match settle(ctx, &c1, &created, &change.planned, &owners).await {
            Ok(Some(c)) => Some(m.refreshed(&c)),
            Ok(None) => Some(m),
            Err(d) => fail(diags, d, Some(m)),
        }
    }

    /// The app: the resource's own, made now (or renamed, when re-made in
    /// after its connector vanished), or the one given by `app_id`.
    async fn app_for(
        &self,
        ctx: &Context,
        c1: &C1Client,
        planned: &Model,
        existing: bool,
        m: &mut Model,
    ) -> Result<(), Diagnostic> {
        let managed = planned.managed_app == Some(true);
        m.managed_app = Some(managed);
        let name = planned
            .app_display_name
            .clone()
            .unwrap_or_else(|| DEFAULT_NAME.into());
        let at = Some(path(|m| &mut m.app_display_name));
        if existing {
            if managed && m.app_display_name.as_ref() != Some(&name) {
                let app_id = m.app_id.clone().unwrap_or_default();
                c1_call(
                    ctx,
                    "Cannot rename the ConductorOne app",
                    at,
                    c1.rename_app(&app_id, &name),
                )
                .await?;
                m.app_display_name = Some(name);
            }
            return Ok(());
        }
        if !managed {
            m.app_id.clone_from(&planned.app_id);
            return Ok(());
        }
        let made = c1.create_app(&name, "Segment, managed by Terraform.");
        let app = c1_call(ctx, "Cannot create the ConductorOne app", at, made).await?;
        m.app_id = Some(app.id);
        m.app_display_name = Some(name);
        Ok(())
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

async fn make_connector(
    ctx: &Context,
    c1: &C1Client,
    planned: &Model,
    m: &Model,
    checked: Option<&Checked>,
    owners: &[String],
) -> Result<Connector, Diagnostic> {
    let app_id = m.app_id.clone().unwrap_or_default();
    let new = NewConnector {
        app_id: &app_id,
        catalog_id: SEGMENT_CATALOG_ID,
        display_name: planned.display_name.as_deref().unwrap_or(DEFAULT_NAME),
        description: &workspace_note(checked.map(|c| &c.workspace)),
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
    cancellable(ctx, c1.create_connector(&new))
        .await?
        .map_err(|e| {
            let at = (e.is_not_found() && !managed).then(|| path(|m| &mut m.app_id));
            c1_error("Cannot create the ConductorOne connector", &e, at)
        })
}

/// Sets the name and owners where the create call could not (the create
/// with a config takes no name); `None` when nothing was left to set.
async fn settle(
    ctx: &Context,
    c1: &C1Client,
    created: &Connector,
    planned: &Model,
    owners: &[String],
) -> Result<Option<Connector>, Diagnostic> {
    let name = planned.display_name.as_deref().unwrap_or(DEFAULT_NAME);
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
    if patch.is_empty() {
        return Ok(None);
    }
    let at = Some(path(|m| &mut m.user_ids));
    let updated = c1.update_connector(created, &patch);
    c1_call(
        ctx,
        "Cannot set the connector's name and owners",
        at,
        updated,
    )
    .await
    .map(Some)
}
