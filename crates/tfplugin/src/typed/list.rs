//! Typed list resources: the list block's `config` arrives as a model,
//! validated by its declared rules; results go out as the managed resource's
//! identity struct and, when asked, its model.

use std::marker::PhantomData;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Serialize;

use super::{state_of, Model, Partial};
use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::{Context, ListItem, ListRequest, ListResource, Sink};
use crate::schema::{IdentitySchema, Schema};
use crate::value::{Type, Value};

/// A list resource declared by its configuration model, for the managed
/// resource of the same name whose identity and model it returns.
#[async_trait]
pub trait TypedListResource: Send + Sync + 'static {
    type Config: Model;
    type Identity: Serialize + JsonSchema + Send + Sync;
    type Object: Model;

    fn type_name(&self) -> &'static str;

    /// Checks of the list resource's own, after the declared validators.
    fn validate(&self, _config: &Partial<Self::Config>, _diags: &mut Diagnostics) {}

    /// Sends each object found to `out` until `out.send` says to stop.
    async fn list(
        &self,
        ctx: &Context,
        config: Self::Config,
        out: &mut Listed<'_, Self::Identity, Self::Object>,
        diags: &mut Diagnostics,
    );
}

/// Where a typed list sends its results.
pub struct Listed<'a, I, O> {
    sink: &'a mut Sink<ListItem>,
    identity: &'a Type,
    object: &'a Schema,
    include_resource: bool,
    _types: PhantomData<fn(I, O)>,
}

impl<I: Serialize, O: Serialize> Listed<'_, I, O> {
    /// Whether results should carry the object (`include_resource`).
    pub fn include_resource(&self) -> bool {
        self.include_resource
    }

    /// Sends one result; `object` is only called when objects are asked for.
    /// `Ok(false)` means stop: the limit is reached or Terraform is gone.
    pub async fn send(
        &mut self,
        identity: &I,
        display_name: String,
        object: impl FnOnce() -> O,
    ) -> Result<bool, Diagnostic> {
        let identity = Value::from_model(identity, self.identity).map_err(|e| {
            Diagnostic::error(
                "Cannot encode an identity",
                format!("{e}. This is a bug in the provider."),
            )
        })?;
        let object = if self.include_resource {
            Some(state_of(&object(), self.object)?)
        } else {
            None
        };
        let item = ListItem {
            identity,
            display_name,
            object,
        };
        Ok(self.sink.send(item).await)
    }
}

/// A [`TypedListResource`] served as a [`ListResource`].
pub struct ListAdapter<L: TypedListResource> {
    inner: L,
    schema: Schema,
    identity: Type,
    object: Schema,
}

impl<L: TypedListResource> ListAdapter<L> {
    /// Wraps a list resource, deriving its schemas once.
    ///
    /// # Panics
    /// When a model cannot be a schema: a programming error that each
    /// model's unit test catches.
    pub fn new(inner: L) -> Self {
        let derive = |r: Result<Schema, _>| r.unwrap_or_else(|e| panic!("{e}"));
        let identity = IdentitySchema::derive::<L::Identity>(0).unwrap_or_else(|e| panic!("{e}"));
        ListAdapter {
            schema: derive(Schema::derive::<L::Config>()),
            identity: identity.value_type(),
            object: derive(Schema::derive::<L::Object>()),
            inner,
        }
    }
}

#[async_trait]
impl<L: TypedListResource> ListResource for ListAdapter<L> {
    fn type_name(&self) -> &'static str {
        self.inner.type_name()
    }

    fn schema(&self) -> Schema {
        self.schema.clone()
    }

    async fn validate(&self, _ctx: &Context, config: &Value, diags: &mut Diagnostics) {
        super::validate_with(
            &self.schema,
            config,
            |c, d| self.inner.validate(c, d),
            diags,
        );
    }

    async fn list(
        &self,
        ctx: &Context,
        req: ListRequest,
        out: &mut Sink<ListItem>,
        diags: &mut Diagnostics,
    ) {
        let Some(config) = super::checked_model(&self.schema, &req.config, diags) else {
            return;
        };
        let mut listed = Listed {
            sink: out,
            identity: &self.identity,
            object: &self.object,
            include_resource: req.include_resource,
            _types: PhantomData,
        };
        self.inner.list(ctx, config, &mut listed, diags).await;
    }
}
