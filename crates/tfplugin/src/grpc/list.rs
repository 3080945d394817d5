//! `ListResource` and `ValidateListResourceConfig` (protocol 6.10, Terraform
//! 1.14's `terraform query`). The list runs in its own task and its results
//! stream to Terraform as they are found: each carries the managed
//! resource's identity and, when asked, its state. Diagnostics come last, in
//! an event of their own.

use std::sync::Arc;

use super::{decode, encode, null_write_only, BoxStream, ProviderService, Typed};
use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::{ListItem, ListRequest, ListResource, Provider, Resource, Sink};
use crate::proto::tfplugin6 as pb;
use crate::schema::Schema;
use crate::value::{Type, Value};

/// The list block's nested block that holds the list resource's own
/// arguments: attribute paths in diagnostics start there.
const CONFIG: &str = "config";

/// How results are encoded: the managed resource's identity and state types.
#[derive(Clone)]
struct Encoding {
    identity: Type,
    state: Type,
    schema: Schema,
}

impl Encoding {
    fn of(res: &Typed<dyn Resource>) -> Result<Encoding, Diagnostics> {
        let Some((_, identity)) = &res.identity else {
            return Err(Diagnostic::error(
                "List resource without identity",
                format!(
                    "Resource type {} declares no identity, which its list resource needs. This is a bug in the provider.",
                    res.imp.type_name()
                ),
            )
            .into());
        };
        Ok(Encoding {
            identity: identity.clone(),
            state: res.ty.clone(),
            schema: res.schema.clone(),
        })
    }

    fn event(&self, item: ListItem) -> pb::list_resource::Event {
        let identity = encode(&item.identity, &self.identity, "identity");
        let object = item.object.map(|mut o| {
            null_write_only(&self.schema, &mut o);
            encode(&o, &self.state, "resource object")
        });
        match (identity, object.transpose()) {
            (Ok(identity), Ok(resource_object)) => pb::list_resource::Event {
                identity: Some(pb::ResourceIdentityData {
                    identity_data: Some(identity),
                }),
                display_name: item.display_name,
                resource_object,
                diagnostic: Vec::new(),
            },
            (Err(d), _) | (_, Err(d)) => diagnostics_event(&d),
        }
    }
}

fn diagnostics_event(d: &Diagnostics) -> pb::list_resource::Event {
    pb::list_resource::Event {
        diagnostic: d.to_proto(),
        ..Default::default()
    }
}

impl<P: Provider> ProviderService<P> {
    fn list_resource_of(&self, name: &str) -> Result<&Typed<dyn ListResource>, Diagnostics> {
        self.lists.get(name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown list resource type",
                format!("This provider has no list resource {name:?}."),
            )
            .into()
        })
    }

    pub(super) async fn validate_list(
        &self,
        req: pb::validate_list_resource_config::Request,
    ) -> Diagnostics {
        let list = match self.list_resource_of(&req.type_name) {
            Ok(l) => l,
            Err(d) => return d,
        };
        let config = match decode(req.config.as_ref(), &list.ty, "list configuration") {
            Ok(c) => c,
            Err(d) => return d,
        };
        let mut diags = Diagnostics::new();
        list.imp.validate(&self.ctx, &config, &mut diags).await;
        diags.under(CONFIG)
    }

    /// Starts the list and returns the stream of its results.
    pub(super) fn list(
        &self,
        req: pb::list_resource::Request,
    ) -> BoxStream<pb::list_resource::Event> {
        let started = self.start_list(&req);
        let (lister, encoding, config) = match started {
            Ok(s) => s,
            Err(d) => return Box::pin(tokio_stream::once(Ok(diagnostics_event(&d)))),
        };
        let limit = usize::try_from(req.limit.max(0)).unwrap_or(usize::MAX);
        let (tx, rx) = tokio::sync::mpsc::channel(32);
        let ctx = self.ctx.clone();
        let started = std::time::Instant::now();
        let type_name = req.type_name.clone();
        let request = ListRequest {
            config,
            include_resource: req.include_resource_object,
        };
        tokio::spawn(async move {
            let (mut sink, items) = Sink::channel(limit);
            let mut diags = Diagnostics::new();
            let run = async {
                lister.list(&ctx, request, &mut sink, &mut diags).await;
                drop(sink);
            };
            // Owns the receiver: once Terraform stops listening it is
            // dropped, and the producer's next `send` says to stop.
            let forward = async {
                let mut items = items;
                let mut sent = 0_usize;
                while let Some(item) = items.recv().await {
                    if tx.send(Ok(encoding.event(item))).await.is_err() {
                        break;
                    }
                    sent += 1;
                }
                sent
            };
            let ((), results) = tokio::join!(run, forward);
            let total_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            tracing::debug!(%type_name, results, total_ms, "ListResource done");
            if !diags.is_empty() {
                let event = diagnostics_event(&diags.under(CONFIG));
                let _ = tx.send(Ok(event)).await;
            }
        });
        Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))
    }

    fn start_list(
        &self,
        req: &pb::list_resource::Request,
    ) -> Result<(Arc<dyn ListResource>, Encoding, Value), Diagnostics> {
        tracing::debug!(type_name = %req.type_name, limit = req.limit, "ListResource");
        let list = self.list_resource_of(&req.type_name)?;
        let encoding = Encoding::of(self.resource(&req.type_name)?)?;
        let config = decode(req.config.as_ref(), &list.ty, "list configuration")?;
        Ok((list.imp.clone(), encoding, config))
    }
}
