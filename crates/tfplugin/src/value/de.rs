//! Reads any `Deserialize` model straight from a [`Value`] (no JSON in
//! between): object attributes become struct fields, null is `None`, lists,
//! sets and tuples are sequences. A value that is not wholly known reads as
//! `None` where the model has an `Option`, and is an error anywhere else.

use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer, StrDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use super::number::MARKER;
use super::{Number, Value};

/// A value that does not fit the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DeError(String);

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

/// Reads a model from `v`; unknown parts read as `None`.
pub fn from_value<T: DeserializeOwned>(v: &Value) -> Result<T, DeError> {
    T::deserialize(Reader(v))
}

#[derive(Clone, Copy)]
struct Reader<'a>(&'a Value);

impl<'de> IntoDeserializer<'de, DeError> for Reader<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

/// A number for a plain Rust type: integers as such, anything else as the
/// nearest `f64` (a [`Number`] field reads it exactly instead, see
/// `deserialize_newtype_struct`).
fn number<'de, V: Visitor<'de>>(n: &Number, visitor: V) -> Result<V::Value, DeError> {
    match (n, n.as_u64()) {
        (Number::Int(i), _) => visitor.visit_i64(*i),
        (Number::Dec(_), Some(u)) => visitor.visit_u64(u),
        (Number::Dec(_), None) => visitor.visit_f64(n.to_f64_lossy()),
    }
}

impl<'de> de::Deserializer<'de> for Reader<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Unknown => Err(DeError("a value is not yet known".into())),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => number(n, visitor),
            Value::String(s) => visitor.visit_str(s),
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                let mut seq = SeqDeserializer::new(v.iter().map(Reader));
                let out = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
            }
            Value::Map(m) | Value::Object(m) => {
                let mut map = MapDeserializer::new(m.iter().map(|(k, v)| (k.as_str(), Reader(v))));
                let out = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.0.is_null() || !self.0.is_wholly_known() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(StrDeserializer::<DeError>::new(s)),
            _ => Err(DeError("an enum is read from a string".into())),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Number(n) if name == MARKER => {
                let text = n.to_string();
                visitor.visit_newtype_struct(StrDeserializer::<DeError>::new(&text))
            }
            _ => visitor.visit_newtype_struct(self),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        n: i64,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Model {
        s: Option<String>,
        b: Option<bool>,
        f: Option<f64>,
        big: Option<u64>,
        set: Option<BTreeSet<String>>,
        map: Option<BTreeMap<String, String>>,
        list: Vec<Inner>,
        unknown: Option<String>,
        partly: Option<Vec<String>>,
    }

    #[test]
    fn models_read_straight_from_values() {
        let v = Value::object([
            ("s", Value::string("x")),
            ("b", Value::Bool(true)),
            ("f", Value::Number(Number::from_f64(0.5).unwrap())),
            (
                "big",
                Value::Number(Number::parse("18446744073709551615").unwrap()),
            ),
            (
                "set",
                Value::set(vec![Value::string("a"), Value::string("b")]),
            ),
            (
                "map",
                Value::Map([("k".to_string(), Value::string("v"))].into()),
            ),
            (
                "list",
                Value::List(vec![Value::object([("n", Value::from(3))])]),
            ),
            ("unknown", Value::Unknown),
            (
                "partly",
                Value::List(vec![Value::string("a"), Value::Unknown]),
            ),
        ]);
        let m: Model = from_value(&v).unwrap();
        assert_eq!(m.s.as_deref(), Some("x"));
        assert_eq!((m.b, m.f, m.big), (Some(true), Some(0.5), Some(u64::MAX)));
        assert_eq!(m.set.unwrap().len(), 2);
        assert_eq!(m.map.unwrap()["k"], "v");
        assert_eq!(m.list, [Inner { n: 3 }]);
        assert_eq!((m.unknown, m.partly), (None, None));
        let wrong = Value::object([("list", Value::string("no"))]);
        assert!(from_value::<Model>(&wrong).is_err());
        assert!(from_value::<Inner>(&Value::object([("n", Value::Unknown)])).is_err());
    }
}
