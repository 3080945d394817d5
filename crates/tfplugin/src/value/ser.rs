//! Builds a [`Value`] of a given [`Type`] straight from any `Serialize`
//! model (no JSON in between): struct fields become object attributes,
//! `Option::None` is null, sequences become lists, sets or tuples as the type
//! says. Fields the type does not have are an error; attributes the model
//! lacks are null.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{self, Serialize};

use super::{canonical_set, Number, Type, Value};

/// A model that does not fit the type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SerError(String);

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

/// Serializes `v` as a value of type `ty`.
pub fn to_value<T: Serialize + ?Sized>(v: &T, ty: &Type) -> Result<Value, SerError> {
    v.serialize(Typed { ty })
}

#[derive(Clone, Copy)]
struct Typed<'a> {
    ty: &'a Type,
}

impl Typed<'_> {
    fn mismatch(&self, what: &str) -> SerError {
        SerError(format!("a {what} cannot be a {}", self.ty.friendly_name()))
    }
    fn number(self, n: Number) -> Result<Value, SerError> {
        match self.ty {
            Type::Number => Ok(Value::Number(n)),
            _ => Err(self.mismatch("number")),
        }
    }
}

macro_rules! ints {
    ($($f:ident: $t:ty),*) => {$(
        fn $f(self, v: $t) -> Result<Value, SerError> {
            self.number(Number::Int(i64::from(v)))
        }
    )*};
}

impl<'a> ser::Serializer for Typed<'a> {
    type Ok = Value;
    type Error = SerError;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = ser::Impossible<Value, SerError>;
    type SerializeMap = MapSer<'a>;
    type SerializeStruct = StructSer<'a>;
    type SerializeStructVariant = ser::Impossible<Value, SerError>;

    fn serialize_bool(self, v: bool) -> Result<Value, SerError> {
        match self.ty {
            Type::Bool => Ok(Value::Bool(v)),
            _ => Err(self.mismatch("bool")),
        }
    }
    ints!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
          serialize_u8: u8, serialize_u16: u16, serialize_u32: u32);
    fn serialize_u64(self, v: u64) -> Result<Value, SerError> {
        self.number(Number::from_u64(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, SerError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, SerError> {
        self.number(Number::from_f64(v).ok_or_else(|| SerError("numbers must be finite".into()))?)
    }
    fn serialize_char(self, v: char) -> Result<Value, SerError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    /// A string, or for a number the exact decimal text a
    /// [`Number`](super::Number) field writes.
    fn serialize_str(self, v: &str) -> Result<Value, SerError> {
        match self.ty {
            Type::String => Ok(Value::String(v.to_string())),
            Type::Number => Number::parse(v)
                .map(Value::Number)
                .ok_or_else(|| self.mismatch("string")),
            _ => Err(self.mismatch("string")),
        }
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Value, SerError> {
        Err(SerError("byte strings have no Terraform type".into()))
    }
    fn serialize_none(self) -> Result<Value, SerError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value, SerError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, SerError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, SerError> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
    ) -> Result<Value, SerError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        v: &T,
    ) -> Result<Value, SerError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _variant: &'static str,
        _v: &T,
    ) -> Result<Value, SerError> {
        Err(SerError(
            "enum variants with data have no Terraform type".into(),
        ))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'a>, SerError> {
        match self.ty {
            Type::List(_) | Type::Set(_) | Type::Tuple(_) => Ok(Seq {
                ty: self.ty,
                items: Vec::with_capacity(len.unwrap_or(0)),
            }),
            _ => Err(self.mismatch("sequence")),
        }
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _n: &'static str, len: usize) -> Result<Seq<'a>, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, SerError> {
        Err(SerError(
            "enum variants with data have no Terraform type".into(),
        ))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapSer<'a>, SerError> {
        match self.ty {
            Type::Map(_) | Type::Object(_) => Ok(MapSer {
                ty: self.ty,
                out: BTreeMap::new(),
                key: None,
            }),
            _ => Err(self.mismatch("map")),
        }
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<StructSer<'a>, SerError> {
        match self.ty {
            Type::Object(attrs) => Ok(StructSer {
                attrs,
                out: BTreeMap::new(),
            }),
            _ => Err(self.mismatch("struct")),
        }
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, SerError> {
        Err(SerError(
            "enum variants with data have no Terraform type".into(),
        ))
    }
}

pub struct Seq<'a> {
    ty: &'a Type,
    items: Vec<Value>,
}

impl Seq<'_> {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        let elem_ty = match self.ty {
            Type::List(t) | Type::Set(t) => t,
            Type::Tuple(ts) => ts
                .get(self.items.len())
                .ok_or_else(|| SerError(format!("a tuple of {} elements got more", ts.len())))?,
            _ => return Err(SerError("not a sequence type".into())),
        };
        self.items.push(v.serialize(Typed { ty: elem_ty })?);
        Ok(())
    }
    fn finish(self) -> Result<Value, SerError> {
        Ok(match self.ty {
            Type::Set(_) => {
                let mut items = self.items;
                canonical_set(&mut items);
                Value::Set(items)
            }
            Type::Tuple(ts) if ts.len() != self.items.len() => {
                return Err(SerError(format!(
                    "a tuple of {} elements got {}",
                    ts.len(),
                    self.items.len()
                )))
            }
            Type::Tuple(_) => Value::Tuple(self.items),
            _ => Value::List(self.items),
        })
    }
}

impl ser::SerializeSeq for Seq<'_> {
    type Ok = Value;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        self.push(v)
    }
    fn end(self) -> Result<Value, SerError> {
        self.finish()
    }
}

impl ser::SerializeTuple for Seq<'_> {
    type Ok = Value;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        self.push(v)
    }
    fn end(self) -> Result<Value, SerError> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Seq<'_> {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        self.push(v)
    }
    fn end(self) -> Result<Value, SerError> {
        self.finish()
    }
}

pub struct MapSer<'a> {
    ty: &'a Type,
    out: BTreeMap<String, Value>,
    key: Option<String>,
}

impl ser::SerializeMap for MapSer<'_> {
    type Ok = Value;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        match key.serialize(Typed { ty: &Type::String })? {
            Value::String(k) => {
                self.key = Some(k);
                Ok(())
            }
            _ => Err(SerError("map keys must be strings".into())),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| SerError("a map value came without a key".into()))?;
        let vt = match self.ty {
            Type::Map(t) => t.as_ref(),
            Type::Object(attrs) => attrs
                .get(&key)
                .ok_or_else(|| SerError(format!("no attribute {key:?} in the type")))?,
            _ => return Err(SerError("not a map type".into())),
        };
        self.out.insert(key, v.serialize(Typed { ty: vt })?);
        Ok(())
    }
    fn end(mut self) -> Result<Value, SerError> {
        Ok(match self.ty {
            Type::Object(attrs) => {
                for name in attrs.keys() {
                    self.out.entry(name.clone()).or_insert(Value::Null);
                }
                Value::Object(self.out)
            }
            _ => Value::Map(self.out),
        })
    }
}

pub struct StructSer<'a> {
    attrs: &'a BTreeMap<String, Type>,
    out: BTreeMap<String, Value>,
}

impl ser::SerializeStruct for StructSer<'_> {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), SerError> {
        let (name, ty) = self
            .attrs
            .get_key_value(key)
            .ok_or_else(|| SerError(format!("no attribute {key:?} in the type")))?;
        let value = v
            .serialize(Typed { ty })
            .map_err(|e| SerError(format!("{key}: {e}")))?;
        self.out.insert(name.clone(), value);
        Ok(())
    }
    fn end(mut self) -> Result<Value, SerError> {
        for name in self.attrs.keys() {
            if !self.out.contains_key(name) {
                self.out.insert(name.clone(), Value::Null);
            }
        }
        Ok(Value::Object(self.out))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Inner {
        id: String,
        n: i64,
    }

    #[derive(Serialize)]
    struct Outer {
        name: Option<String>,
        on: bool,
        ratio: f64,
        tags: BTreeSet<String>,
        items: Vec<Inner>,
        labels: BTreeMap<String, String>,
        missing: Option<i64>,
    }

    fn ty() -> Type {
        Type::object([
            ("name", Type::String),
            ("on", Type::Bool),
            ("ratio", Type::Number),
            ("tags", Type::set(Type::String)),
            (
                "items",
                Type::list(Type::object([("id", Type::String), ("n", Type::Number)])),
            ),
            ("labels", Type::map(Type::String)),
            ("missing", Type::Number),
            ("extra", Type::String),
        ])
    }

    #[test]
    fn builds_typed_values_like_the_json_route() {
        let o = Outer {
            name: None,
            on: true,
            ratio: 0.5,
            tags: ["b".to_string(), "a".to_string()].into(),
            items: vec![Inner {
                id: "x".into(),
                n: 3,
            }],
            labels: [("k".to_string(), "v".to_string())].into(),
            missing: None,
        };
        let direct = to_value(&o, &ty()).unwrap();
        let via_json = Value::from_plain_json(&serde_json::to_value(&o).unwrap(), &ty()).unwrap();
        assert_eq!(direct, via_json);
        assert_eq!(direct.attr("extra"), &Value::Null);
        assert_eq!(
            direct.attr("tags"),
            &Value::set(vec![Value::string("a"), Value::string("b")])
        );
    }

    #[test]
    fn mismatches_are_errors() {
        let e = to_value(
            &Inner {
                id: "x".into(),
                n: 1,
            },
            &Type::object([("id", Type::Number), ("n", Type::Number)]),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("id: a string cannot be a number"),
            "{e}"
        );
        assert!(to_value(
            &Inner {
                id: "x".into(),
                n: 1
            },
            &Type::object([("id", Type::String)])
        )
        .is_err());
        assert!(to_value(&f64::NAN, &Type::Number).is_err());
    }
}
