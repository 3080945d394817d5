//! Typed actions: the action's `config` arrives as a model, validated by its
//! declared rules; during plan it may be partly unknown ([`Partial`]).

use async_trait::async_trait;

use super::{Model, Partial};
use crate::diag::Diagnostics;
use crate::framework::{Action, Context, Sink};
use crate::rules;
use crate::schema::Schema;
use crate::value::Value;

/// An action declared by its configuration model.
#[async_trait]
pub trait TypedAction: Send + Sync + 'static {
    type Config: Model;

    fn type_name(&self) -> &'static str;

    /// Checks of the action's own, after the declared validators.
    fn validate(&self, _config: &Partial<Self::Config>, _diags: &mut Diagnostics) {}

    /// Checks made while planning, with what is known of the configuration.
    async fn plan(
        &self,
        _ctx: &Context,
        _config: &Partial<Self::Config>,
        _diags: &mut Diagnostics,
    ) {
    }

    /// Runs the action with its wholly known configuration, sending
    /// progress messages as it goes.
    async fn invoke(
        &self,
        ctx: &Context,
        config: Self::Config,
        progress: &mut Sink<String>,
        diags: &mut Diagnostics,
    );
}

/// A [`TypedAction`] served as an [`Action`].
pub struct ActionAdapter<A: TypedAction> {
    inner: A,
    schema: Schema,
}

impl<A: TypedAction> ActionAdapter<A> {
    /// Wraps an action, deriving its schema once.
    ///
    /// # Panics
    /// When the model cannot be a schema: a programming error that each
    /// model's unit test catches.
    pub fn new(inner: A) -> Self {
        let schema = Schema::derive::<A::Config>().unwrap_or_else(|e| panic!("{e}"));
        ActionAdapter { inner, schema }
    }
}

#[async_trait]
impl<A: TypedAction> Action for ActionAdapter<A> {
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

    async fn plan(&self, ctx: &Context, config: &Value, diags: &mut Diagnostics) {
        rules::validate(&self.schema, config, diags);
        if diags.has_errors() {
            return;
        }
        match Partial::from_value(config, &self.schema) {
            Ok(c) => self.inner.plan(ctx, &c, diags).await,
            Err(d) => diags.push(d),
        }
    }

    async fn invoke(
        &self,
        ctx: &Context,
        config: Value,
        progress: &mut Sink<String>,
        diags: &mut Diagnostics,
    ) {
        if let Some(c) = super::checked_model(&self.schema, &config, diags) {
            self.inner.invoke(ctx, c, progress, diags).await;
        }
    }
}
