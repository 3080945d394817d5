//! Actions (Terraform 1.14+): `ValidateActionConfig`, `PlanAction` and
//! `InvokeAction`. An invocation runs in its own task; its progress messages
//! stream to Terraform as they come, and a `Completed` event with the
//! diagnostics always ends the stream (Terraform requires at least one event).

use super::{decode, BoxStream, ProviderService, Typed};
use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::{Action, Provider, Sink};
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::invoke_action::event::{Completed, Progress, Type as Kind};

fn event(kind: Kind) -> pb::invoke_action::Event {
    pb::invoke_action::Event { r#type: Some(kind) }
}

fn completed(d: &Diagnostics) -> pb::invoke_action::Event {
    event(Kind::Completed(Completed {
        diagnostics: d.to_proto(),
    }))
}

impl<P: Provider> ProviderService<P> {
    fn action_of(&self, name: &str) -> Result<&Typed<dyn Action>, Diagnostics> {
        self.actions.get(name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown action type",
                format!("This provider has no action {name:?}."),
            )
            .into()
        })
    }

    fn action_config(
        &self,
        name: &str,
        config: Option<&pb::DynamicValue>,
    ) -> Result<(&Typed<dyn Action>, crate::value::Value), Diagnostics> {
        let action = self.action_of(name)?;
        let config = decode(config, &action.ty, "action configuration")?;
        Ok((action, config))
    }

    pub(super) async fn validate_action(
        &self,
        req: pb::validate_action_config::Request,
    ) -> Diagnostics {
        match self.action_config(&req.type_name, req.config.as_ref()) {
            Ok((action, config)) => {
                let mut diags = Diagnostics::new();
                action.imp.validate(&self.ctx, &config, &mut diags).await;
                diags
            }
            Err(d) => d,
        }
    }

    pub(super) async fn plan_action_of(&self, req: pb::plan_action::Request) -> Diagnostics {
        tracing::debug!(action = %req.action_type, "PlanAction");
        match self.action_config(&req.action_type, req.config.as_ref()) {
            Ok((action, config)) => {
                let mut diags = Diagnostics::new();
                action.imp.plan(&self.ctx, &config, &mut diags).await;
                diags
            }
            Err(d) => d,
        }
    }

    /// Starts the action and returns its stream of events.
    pub(super) fn invoke(
        &self,
        req: pb::invoke_action::Request,
    ) -> BoxStream<pb::invoke_action::Event> {
        tracing::debug!(action = %req.action_type, "InvokeAction");
        let (action, config) = match self.action_config(&req.action_type, req.config.as_ref()) {
            Ok((a, c)) => (a.imp.clone(), c),
            Err(d) => return Box::pin(tokio_stream::once(Ok(completed(&d)))),
        };
        let (tx, rx) = tokio::sync::mpsc::channel(32);
        let ctx = self.ctx.clone();
        tokio::spawn(async move {
            let (mut sink, messages) = Sink::channel(usize::MAX);
            let mut diags = Diagnostics::new();
            let run = async {
                action.invoke(&ctx, config, &mut sink, &mut diags).await;
                drop(sink);
            };
            // Owns the receiver: once Terraform stops listening it is
            // dropped, and the producer's next `send` says to stop.
            let forward = async {
                let mut messages = messages;
                while let Some(message) = messages.recv().await {
                    let ev = event(Kind::Progress(Progress {
                        message: crate::diag::terminal_safe(&crate::redact::redact(&message)),
                    }));
                    if tx.send(Ok(ev)).await.is_err() {
                        break;
                    }
                }
            };
            tokio::join!(run, forward);
            let _ = tx.send(Ok(completed(&diags))).await;
        });
        Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))
    }
}
