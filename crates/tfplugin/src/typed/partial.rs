//! A model whose attributes may be unknown (during plan).

use serde_json::{Map, Value as J};

use super::Model;
use crate::diag::Diagnostic;
use crate::schema::Schema;
use crate::value::{Type, Value};

/// A model during plan: the known values, and beside them which attributes
/// are not yet known (wholly or in part). An unknown attribute is `None` in
/// [`Partial::get`]; ask [`Partial::is_unknown`] to tell it from null.
///
/// ```text
/// if plan.config.is_unknown(|m| &m.token) { plan.planned.set_unknown(|m| &mut m.workspace) }
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Partial<M> {
    known: M,
    /// `Some(placeholder)` exactly where the attribute is unknown.
    unknown: M,
    /// Whether `set` or `set_unknown` changed anything (if not, there is
    /// nothing to write back).
    changed: bool,
}

impl<M: Model> Partial<M> {
    /// The known values; unknown attributes are `None`.
    pub fn get(&self) -> &M {
        &self.known
    }

    pub fn into_known(self) -> M {
        self.known
    }

    /// True when the field's attribute is unknown (wholly or in part).
    pub fn is_unknown<T>(&self, field: impl Fn(&M) -> &Option<T>) -> bool {
        field(&self.unknown).is_some()
    }

    /// Sets a known value (or null).
    pub fn set<T: PartialEq>(
        &mut self,
        field: impl Fn(&mut M) -> &mut Option<T>,
        value: Option<T>,
    ) {
        if field(&mut self.unknown).is_none() && *field(&mut self.known) == value {
            return;
        }
        *field(&mut self.unknown) = None;
        *field(&mut self.known) = value;
        self.changed = true;
    }

    /// Marks the field unknown: known only after apply.
    pub fn set_unknown<T: Default>(&mut self, field: impl Fn(&mut M) -> &mut Option<T>) {
        if field(&mut self.unknown).is_some() {
            return;
        }
        *field(&mut self.known) = None;
        *field(&mut self.unknown) = Some(T::default());
        self.changed = true;
    }

    /// Splits a Terraform object value into known values and unknown marks.
    pub fn from_value(v: &Value, schema: &Schema) -> Result<Self, Diagnostic> {
        let known = v.to_model().map_err(|e| bug(&e.to_string()))?;
        let unknown = if v.is_wholly_known() {
            M::default()
        } else {
            unknown_marks(v, schema)?
        };
        Ok(Partial {
            known,
            unknown,
            changed: false,
        })
    }

    /// Writes into `target` (the value this was read from) what the
    /// resource changed; what it left alone keeps its exact value, partly
    /// unknown ones too.
    pub fn merge_into(&self, target: &mut Value, schema: &Schema) -> Result<(), Diagnostic> {
        if !self.changed {
            return Ok(());
        }
        let (k, u) = (encode(&self.known)?, encode(&self.unknown)?);
        for a in &schema.attributes {
            let current = target.attr(&a.name);
            let v = if u.get(&a.name).is_some_and(|v| !v.is_null()) {
                if !current.is_wholly_known() {
                    continue;
                }
                Value::Unknown
            } else {
                let j = k.get(&a.name).unwrap_or(&J::Null);
                Value::from_plain_json(j, &a.value_type()).map_err(|e| bug(&e.to_string()))?
            };
            if &v != current {
                target.set_attr(&a.name, v);
            }
        }
        Ok(())
    }
}

/// The model with `Some(placeholder)` where `v` is not wholly known.
fn unknown_marks<M: Model>(v: &Value, schema: &Schema) -> Result<M, Diagnostic> {
    let marks: Map<String, J> = schema
        .attributes
        .iter()
        .filter(|a| !v.attr(&a.name).is_wholly_known())
        .map(|a| (a.name.clone(), placeholder(&a.value_type())))
        .collect();
    serde_json::from_value(J::Object(marks)).map_err(|e| bug(&e.to_string()))
}

/// A value of the type that deserializes as `Some(_)`.
fn placeholder(ty: &Type) -> J {
    match ty {
        Type::String => J::from(""),
        Type::Number => J::from(0),
        Type::Bool => J::from(false),
        Type::List(_) | Type::Set(_) | Type::Tuple(_) => J::Array(Vec::new()),
        Type::Map(_) => J::Object(Map::new()),
        Type::Object(attrs) => J::Object(
            attrs
                .iter()
                .map(|(k, t)| (k.clone(), placeholder(t)))
                .collect(),
        ),
        Type::Dynamic => J::from(""),
    }
}

fn bug(e: &str) -> Diagnostic {
    Diagnostic::error(
        "Cannot read the resource's value",
        format!("{e}. This is a bug in the provider."),
    )
}

fn encode<M: Model>(m: &M) -> Result<Map<String, J>, Diagnostic> {
    match serde_json::to_value(m).map_err(|e| bug(&e.to_string()))? {
        J::Object(o) => Ok(o),
        _ => Err(bug("a model is not an object")),
    }
}
