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
    pub fn set<T>(&mut self, field: impl Fn(&mut M) -> &mut Option<T>, value: Option<T>) {
        *field(&mut self.unknown) = None;
        *field(&mut self.known) = value;
    }

    /// Marks the field unknown: known only after apply.
    pub fn set_unknown<T: Default>(&mut self, field: impl Fn(&mut M) -> &mut Option<T>) {
        *field(&mut self.known) = None;
        *field(&mut self.unknown) = Some(T::default());
    }

    /// Splits a Terraform object value into known values and unknown marks.
    pub fn from_value(v: &Value, schema: &Schema) -> Result<Self, Diagnostic> {
        let mut known = Map::new();
        let mut unknown = Map::new();
        for a in &schema.attributes {
            let x = v.attr(&a.name);
            if x.is_wholly_known() {
                known.insert(a.name.clone(), x.to_plain_json().unwrap_or(J::Null));
            } else {
                unknown.insert(a.name.clone(), placeholder(&a.value_type()));
            }
        }
        Ok(Partial {
            known: decode(J::Object(known))?,
            unknown: decode(J::Object(unknown))?,
        })
    }

    /// Writes into `target` the attributes this differs in from `before`
    /// (the same plan before the resource changed it), so that what the
    /// resource left alone keeps its exact value, partly unknown ones too.
    pub fn merge_into(
        &self,
        before: &Self,
        target: &mut Value,
        schema: &Schema,
    ) -> Result<(), Diagnostic> {
        let (k, u) = (encode(&self.known)?, encode(&self.unknown)?);
        let (bk, bu) = (encode(&before.known)?, encode(&before.unknown)?);
        for a in &schema.attributes {
            let name = a.name.as_str();
            if k.get(name) == bk.get(name) && is_set(&u, name) == is_set(&bu, name) {
                continue;
            }
            let v = if is_set(&u, name) {
                Value::Unknown
            } else {
                let j = k.get(name).cloned().unwrap_or(J::Null);
                Value::from_plain_json(&j, &a.value_type()).map_err(|e| bug(&e.to_string()))?
            };
            target.set_attr(name, v);
        }
        Ok(())
    }
}

fn is_set(m: &Map<String, J>, name: &str) -> bool {
    m.get(name).is_some_and(|v| !v.is_null())
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

fn decode<M: Model>(j: J) -> Result<M, Diagnostic> {
    serde_json::from_value(j).map_err(|e| bug(&e.to_string()))
}

fn encode<M: Model>(m: &M) -> Result<Map<String, J>, Diagnostic> {
    match serde_json::to_value(m).map_err(|e| bug(&e.to_string()))? {
        J::Object(o) => Ok(o),
        _ => Err(bug("a model is not an object")),
    }
}
