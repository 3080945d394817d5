//! Typed data sources: the configuration arrives as the model, validated by
//! the declared rules; the read returns the model with its computed fields.

use async_trait::async_trait;

use super::{state_of, Model, Partial};
use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::{Context, DataSource};
use crate::schema::Schema;
use crate::value::Value;

/// A data source declared by its model.
#[async_trait]
pub trait TypedDataSource: Send + Sync + 'static {
    type Model: Model;

    fn type_name(&self) -> &'static str;

    /// Checks of the data source's own, after the declared validators.
    fn validate(&self, _config: &Partial<Self::Model>, _diags: &mut Diagnostics) {}

    /// Reads what the (wholly known) configuration asks for and returns the
    /// configuration with its computed attributes filled in.
    async fn read(&self, ctx: &Context, config: Self::Model) -> Result<Self::Model, Diagnostic>;
}

/// A [`TypedDataSource`] served as a [`DataSource`].
pub struct DataAdapter<D: TypedDataSource> {
    inner: D,
    schema: Schema,
}

impl<D: TypedDataSource> DataAdapter<D> {
    /// Wraps a data source, deriving its schema once.
    ///
    /// # Panics
    /// When the model cannot be a schema: a programming error that each
    /// model's unit test catches.
    pub fn new(inner: D) -> Self {
        let schema = Schema::derive::<D::Model>().unwrap_or_else(|e| panic!("{e}"));
        DataAdapter { inner, schema }
    }
}

#[async_trait]
impl<D: TypedDataSource> DataSource for DataAdapter<D> {
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

    async fn read(&self, ctx: &Context, config: Value, diags: &mut Diagnostics) -> Value {
        let Some(config) = super::checked_model(&self.schema, &config, diags) else {
            return Value::Null;
        };
        match self
            .inner
            .read(ctx, config)
            .await
            .and_then(|m| state_of(&m, &self.schema))
        {
            Ok(v) => v,
            Err(d) => {
                diags.push(d);
                Value::Null
            }
        }
    }
}
