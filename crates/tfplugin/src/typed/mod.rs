//! Typed resources, after terraform-plugin-framework: a resource declares
//! one model struct (schema, docs and per-field behaviour derive from it) and
//! implements small Create / Read / Update / Delete / Import methods that read
//! and return that model. [`Adapter`] turns it into a [`Resource`]: it decodes
//! Terraform's values into models, runs the declared validators and plan
//! rules ([`crate::rules`]), and encodes the models that come back.
//!
//! During plan, values may be unknown: [`Partial`] carries the known values as
//! the model and marks the unknown attributes beside it, so that resource code
//! names fields, never attribute strings.

mod action;
mod data;
mod list;
mod partial;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use action::{ActionAdapter, TypedAction};
pub use data::{DataAdapter, TypedDataSource};
pub use list::{ListAdapter, Listed, TypedListResource};
pub use partial::Partial;

use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::{
    ApplyRequest, ApplyResponse, Context, ImportedResource, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, Resource, ValidateRequest,
};
use crate::rules;
use crate::schema::{IdentitySchema, Schema};
use crate::value::Value;

/// What a model struct must be.
pub trait Model:
    Serialize + DeserializeOwned + JsonSchema + Default + Clone + Send + Sync + 'static
{
}

impl<T> Model for T where
    T: Serialize + DeserializeOwned + JsonSchema + Default + Clone + Send + Sync + 'static
{
}

/// A plan after the declared rules, for the resource to finish.
pub struct Plan<M> {
    /// Null when creating.
    pub prior: Option<M>,
    pub config: Partial<M>,
    pub planned: Partial<M>,
    /// The plan differs from the prior state (always on create).
    pub changes: bool,
}

/// A create or an update: the plan to carry out.
pub struct Change<M> {
    /// `None` when creating.
    pub prior: Option<M>,
    /// The planned state; attributes unknown in the plan are `None`.
    pub planned: M,
    /// The configuration: write-only values are only here.
    pub config: M,
}

/// A managed resource declared by its model.
#[async_trait]
pub trait TypedResource: Send + Sync + 'static {
    type Model: Model;

    /// The full type name, such as `example_thing`.
    fn type_name(&self) -> &'static str;

    /// Checks of the resource's own, after the declared validators.
    fn validate(&self, _config: &Partial<Self::Model>, _diags: &mut Diagnostics) {}

    /// Finishes every plan but a destroy, after the declared rules: plan-time
    /// checks and computed values of the resource's own (`plan.changes` says
    /// whether the rules found anything to change).
    async fn modify_plan(
        &self,
        _ctx: &Context,
        _plan: &mut Plan<Self::Model>,
        _diags: &mut Diagnostics,
    ) {
    }

    /// Creates the object. On failure, returns whatever exists so that
    /// Terraform tracks it (tainted) instead of leaving it orphaned.
    async fn create(
        &self,
        ctx: &Context,
        change: Change<Self::Model>,
        diags: &mut Diagnostics,
    ) -> Option<Self::Model>;

    /// Refreshes the state; `None` when the object is gone. On error the
    /// current state is kept, whatever is returned.
    async fn read(
        &self,
        ctx: &Context,
        state: Self::Model,
        diags: &mut Diagnostics,
    ) -> Option<Self::Model>;

    /// Updates the object, starting from the prior state and moving a field
    /// forward only once the call that changes it succeeded.
    async fn update(
        &self,
        ctx: &Context,
        change: Change<Self::Model>,
        diags: &mut Diagnostics,
    ) -> Self::Model;

    async fn delete(&self, ctx: &Context, state: Self::Model, diags: &mut Diagnostics);

    /// The resource's identity schema, when it has one (see
    /// [`IdentitySchema::derive`]).
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// The identity of the object `state` names (a value of the identity
    /// schema's type); `None` when it names none.
    fn identity_of(&self, _state: &Self::Model) -> Option<Value> {
        None
    }

    /// The import ID that an `import` block's `identity` stands for.
    fn import_id_of(&self, _identity: &Value, diags: &mut Diagnostics) -> Option<String> {
        diags.error(
            "Import by identity not supported",
            format!(
                "{} has no resource identity; import it by ID.",
                self.type_name()
            ),
        );
        None
    }

    /// Adopts an existing object by its import ID.
    async fn import(
        &self,
        _ctx: &Context,
        _id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Self::Model> {
        diags.error(
            "Import not supported",
            format!("{} cannot be imported.", self.type_name()),
        );
        None
    }
}

/// A [`TypedResource`] served as a [`Resource`].
pub struct Adapter<R: TypedResource> {
    inner: R,
    schema: Schema,
}

impl<R: TypedResource> Adapter<R> {
    /// Wraps a resource, deriving its schema once.
    ///
    /// # Panics
    /// When the model cannot be a schema: a programming error that each
    /// model's unit test catches.
    pub fn new(inner: R) -> Self {
        let schema = Schema::derive::<R::Model>().unwrap_or_else(|e| panic!("{e}"));
        Adapter { inner, schema }
    }

    pub fn inner(&self) -> &R {
        &self.inner
    }

    /// The model of a value; attributes not yet known are `None`.
    fn known(&self, v: &Value) -> Result<R::Model, Diagnostic> {
        v.to_model().map_err(|e| {
            Diagnostic::error(
                "Cannot read the resource's value",
                format!("{e}. This is a bug in the provider."),
            )
        })
    }

    fn state(&self, m: &R::Model) -> Result<Value, Diagnostic> {
        state_of(m, &self.schema)
    }

    fn finish(&self, m: Option<R::Model>, diags: &mut Diagnostics) -> Value {
        match m.map(|m| self.state(&m)) {
            Some(Ok(v)) => v,
            Some(Err(d)) => {
                diags.push(d);
                Value::Null
            }
            None => Value::Null,
        }
    }
}

/// The attribute path of a model's field: `path_of(|m: &mut M| &mut m.name)`.
/// Found by setting only that field and seeing which attribute it fills,
/// so that messages name attributes without string literals.
pub fn path_of<M: Model, T: Default>(
    field: impl Fn(&mut M) -> &mut Option<T>,
) -> crate::diag::AttributePath {
    let mut m = M::default();
    *field(&mut m) = Some(T::default());
    let name = match serde_json::to_value(&m) {
        Ok(serde_json::Value::Object(o)) => {
            o.into_iter().find(|(_, v)| !v.is_null()).map(|(k, _)| k)
        }
        _ => None,
    };
    crate::diag::AttributePath::new(&name.unwrap_or_default())
}

/// Runs the declared validators, then the type's own `hook`.
fn validate_with<M: Model>(
    schema: &Schema,
    config: &Value,
    hook: impl FnOnce(&Partial<M>, &mut Diagnostics),
    diags: &mut Diagnostics,
) {
    rules::validate(schema, config, diags);
    match Partial::from_value(config, schema) {
        Ok(config) => hook(&config, diags),
        Err(d) => diags.push(d),
    }
}

/// A wholly known configuration as its model, once the declared validators
/// pass; `None` (with the diagnostics in `diags`) when they do not.
fn checked_model<M: DeserializeOwned>(
    schema: &Schema,
    config: &Value,
    diags: &mut Diagnostics,
) -> Option<M> {
    rules::validate(schema, config, diags);
    if diags.has_errors() {
        return None;
    }
    model_of(config).map_err(|d| diags.push(d)).ok()
}

/// A model as the Terraform value of `schema`.
pub fn state_of<T: Serialize>(model: &T, schema: &Schema) -> Result<Value, Diagnostic> {
    Value::from_model(model, &schema.value_type()).map_err(|e| {
        Diagnostic::error(
            "Cannot encode the result",
            format!("{e}. This is a bug in the provider."),
        )
    })
}

/// A wholly known value as its model.
pub fn model_of<T: DeserializeOwned>(v: &Value) -> Result<T, Diagnostic> {
    if !v.is_wholly_known() {
        return Err(Diagnostic::error(
            "Value not yet known",
            "The provider was given a value that is not wholly known.",
        ));
    }
    v.to_model()
        .map_err(|e| Diagnostic::error("Invalid value", e.to_string()))
}

#[async_trait]
impl<R: TypedResource> Resource for Adapter<R> {
    fn type_name(&self) -> &'static str {
        self.inner.type_name()
    }

    fn schema(&self) -> Schema {
        self.schema.clone()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        self.inner.identity_schema()
    }

    fn identity_of(&self, state: &Value) -> Option<Value> {
        let m: R::Model = state.to_model().ok()?;
        self.inner.identity_of(&m)
    }

    fn import_id_of(&self, identity: &Value, diags: &mut Diagnostics) -> Option<String> {
        self.inner.import_id_of(identity, diags)
    }

    async fn validate(&self, _ctx: &Context, req: ValidateRequest, diags: &mut Diagnostics) {
        rules::write_only_support(&self.schema, &req.config, req.client, diags);
        validate_with(
            &self.schema,
            &req.config,
            |c, d| self.inner.validate(c, d),
            diags,
        );
    }

    async fn plan(&self, ctx: &Context, req: PlanRequest, diags: &mut Diagnostics) -> PlanResponse {
        if req.config.is_null() {
            return PlanResponse::default();
        }
        let ruled = rules::plan(
            &self.schema,
            &req.prior_state,
            &req.config,
            &req.proposed_new_state,
        );
        let mut out = PlanResponse {
            planned_state: ruled.state,
            requires_replace: ruled.requires_replace,
            planned_private: req.prior_private,
        };
        let (prior, config) = (&req.prior_state, &req.config);
        let planned = &mut out.planned_state;
        let typed = self.typed_plan(ctx, (prior, config, planned), ruled.changes, diags);
        if let Err(d) = typed.await {
            diags.push(d);
        }
        out
    }

    async fn apply(
        &self,
        ctx: &Context,
        req: ApplyRequest,
        diags: &mut Diagnostics,
    ) -> ApplyResponse {
        let new_state = match self.typed_apply(ctx, &req, diags).await {
            Ok(v) => v,
            Err(d) => {
                diags.push(d);
                req.prior_state
            }
        };
        ApplyResponse {
            new_state,
            private: req.planned_private,
        }
    }

    async fn read(&self, ctx: &Context, req: ReadRequest, diags: &mut Diagnostics) -> ReadResponse {
        let found = match self.known(&req.current_state) {
            Ok(current) => self.inner.read(ctx, current, diags).await,
            Err(d) => {
                diags.push(d);
                None
            }
        };
        if diags.has_errors() {
            return ReadResponse {
                new_state: req.current_state,
                private: req.private,
            };
        }
        ReadResponse {
            new_state: self.finish(found, diags),
            private: req.private,
        }
    }

    async fn import(
        &self,
        ctx: &Context,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Vec<ImportedResource> {
        let Some(m) = self.inner.import(ctx, id, diags).await else {
            return Vec::new();
        };
        match self.state(&m) {
            Ok(state) => vec![ImportedResource {
                state,
                private: Vec::new(),
            }],
            Err(d) => {
                diags.push(d);
                Vec::new()
            }
        }
    }
}

impl<R: TypedResource> Adapter<R> {
    async fn typed_plan(
        &self,
        ctx: &Context,
        (prior, config, planned): (&Value, &Value, &mut Value),
        changes: bool,
        diags: &mut Diagnostics,
    ) -> Result<(), Diagnostic> {
        let before = Partial::<R::Model>::from_value(planned, &self.schema)?;
        let prior = if prior.is_null() {
            None
        } else if prior == &*planned {
            // A plan that changes nothing: the prior model is the planned one.
            Some(before.get().clone())
        } else {
            Some(self.known(prior)?)
        };
        let mut plan = Plan {
            prior,
            config: Partial::from_value(config, &self.schema)?,
            planned: before,
            changes,
        };
        self.inner.modify_plan(ctx, &mut plan, diags).await;
        plan.planned.merge_into(planned, &self.schema)
    }

    async fn typed_apply(
        &self,
        ctx: &Context,
        req: &ApplyRequest,
        diags: &mut Diagnostics,
    ) -> Result<Value, Diagnostic> {
        let prior = if req.prior_state.is_null() {
            None
        } else {
            Some(self.known(&req.prior_state)?)
        };
        if req.planned_state.is_null() {
            let Some(p) = prior else {
                return Ok(Value::Null);
            };
            self.inner.delete(ctx, p, diags).await;
            return Ok(if diags.has_errors() {
                req.prior_state.clone()
            } else {
                Value::Null
            });
        }
        let change = Change {
            planned: self.known(&req.planned_state)?,
            config: self.known(&req.config)?,
            prior,
        };
        let result = if change.prior.is_none() {
            self.inner.create(ctx, change, diags).await
        } else {
            Some(self.inner.update(ctx, change, diags).await)
        };
        Ok(self.finish(result, diags))
    }
}

#[cfg(test)]
mod tests;
