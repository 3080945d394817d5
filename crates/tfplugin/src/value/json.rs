//! Terraform's JSON value encoding (stored state, `RawState.json`), and plain
//! JSON conversion for typed models.

use std::collections::BTreeMap;

mod parse;

use super::{canonical_set, DecodeError, Loc, Number, Type, Value};

const MAX_DEPTH: usize = 64;

/// A parsed JSON document; numbers keep their text, so that none passes
/// through `f64`.
#[derive(Debug)]
pub(super) enum Json {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

pub(super) fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let tree = parse::document(bytes, MAX_DEPTH + 2)
        .map_err(|e| DecodeError::new(&[], format!("invalid JSON: {e}")))?;
    from_tree(&tree, ty, &mut Vec::new())
}

pub(super) fn from_plain(
    j: &serde_json::Value,
    ty: &Type,
    loc: &mut Vec<Loc>,
) -> Result<Value, DecodeError> {
    from_tree(&Json::from_serde(j), ty, loc)
}

impl Json {
    fn from_serde(j: &serde_json::Value) -> Json {
        use serde_json::Value as J;
        match j {
            J::Null => Json::Null,
            J::Bool(b) => Json::Bool(*b),
            J::Number(n) => Json::Num(n.to_string()),
            J::String(s) => Json::Str(s.clone()),
            J::Array(a) => Json::Arr(a.iter().map(Json::from_serde).collect()),
            J::Object(m) => Json::Obj(
                m.iter()
                    .map(|(k, v)| (k.clone(), Json::from_serde(v)))
                    .collect(),
            ),
        }
    }

    /// For type expressions (which hold no numbers that matter).
    fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Json::Null => J::Null,
            Json::Bool(b) => J::Bool(*b),
            Json::Num(n) => J::String(n.clone()),
            Json::Str(s) => J::String(s.clone()),
            Json::Arr(a) => J::Array(a.iter().map(Json::to_serde).collect()),
            Json::Obj(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_serde())).collect()),
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }
}

/// The members of an object, refusing a key given twice.
fn members<'a>(
    m: &'a [(String, Json)],
    loc: &[Loc],
) -> Result<BTreeMap<&'a str, &'a Json>, DecodeError> {
    let mut out = BTreeMap::new();
    for (k, v) in m {
        if out.insert(k.as_str(), v).is_some() {
            return Err(DecodeError::new(
                loc,
                format!("the key {k:?} is given twice"),
            ));
        }
    }
    Ok(out)
}

fn from_tree(j: &Json, ty: &Type, loc: &mut Vec<Loc>) -> Result<Value, DecodeError> {
    use Json as J;
    if loc.len() > MAX_DEPTH {
        return Err(DecodeError::new(loc, "value is nested too deeply"));
    }
    let mismatch = |what: &str| {
        DecodeError::new(
            loc,
            format!("expected {}, found {what}", ty.friendly_name()),
        )
    };
    let found = |j: &J| match j {
        J::Null => "null",
        J::Bool(_) => "a bool",
        J::Num(_) => "a number",
        J::Str(_) => "a string",
        J::Arr(_) => "an array",
        J::Obj(_) => "an object",
    };
    if j.is_null() {
        return Ok(Value::Null);
    }
    Ok(match ty {
        Type::String => match j {
            J::Str(s) => Value::String(s.clone()),
            other => return Err(mismatch(found(other))),
        },
        Type::Bool => match j {
            J::Bool(b) => Value::Bool(*b),
            other => return Err(mismatch(found(other))),
        },
        Type::Number => match j {
            J::Num(n) => Value::Number(
                Number::parse(n).ok_or_else(|| mismatch("a number beyond the supported range"))?,
            ),
            J::Str(s) => {
                Value::Number(Number::parse(s).ok_or_else(|| mismatch("a non-numeric string"))?)
            }
            other => return Err(mismatch(found(other))),
        },
        Type::List(et) | Type::Set(et) => {
            let J::Arr(items) = j else {
                return Err(mismatch(found(j)));
            };
            let mut elems = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                loc.push(Loc::Index(i));
                elems.push(from_tree(item, et, loc)?);
                loc.pop();
            }
            if matches!(ty, Type::Set(_)) {
                canonical_set(&mut elems);
                Value::Set(elems)
            } else {
                Value::List(elems)
            }
        }
        Type::Tuple(ets) => {
            let J::Arr(items) = j else {
                return Err(mismatch(found(j)));
            };
            if items.len() != ets.len() {
                return Err(mismatch("a tuple of another length"));
            }
            let mut elems = Vec::with_capacity(items.len());
            for (i, (item, et)) in items.iter().zip(ets).enumerate() {
                loc.push(Loc::Index(i));
                elems.push(from_tree(item, et, loc)?);
                loc.pop();
            }
            Value::Tuple(elems)
        }
        Type::Map(et) => {
            let J::Obj(m) = j else {
                return Err(mismatch(found(j)));
            };
            let mut out = BTreeMap::new();
            for (k, item) in members(m, loc)? {
                loc.push(Loc::Key(k.to_string()));
                out.insert(k.to_string(), from_tree(item, et, loc)?);
                loc.pop();
            }
            Value::Map(out)
        }
        Type::Object(attrs) => {
            let J::Obj(m) = j else {
                return Err(mismatch(found(j)));
            };
            let mut out = BTreeMap::new();
            for (k, item) in members(m, loc)? {
                let Some(at) = attrs.get(k) else {
                    return Err(DecodeError::new(
                        loc,
                        format!("unsupported attribute {k:?}"),
                    ));
                };
                loc.push(Loc::Attr(k.to_string()));
                out.insert(k.to_string(), from_tree(item, at, loc)?);
                loc.pop();
            }
            for name in attrs.keys() {
                out.entry(name.clone()).or_insert(Value::Null);
            }
            Value::Object(out)
        }
        Type::Dynamic => {
            let J::Obj(m) = j else {
                return Err(mismatch(found(j)));
            };
            let m = members(m, loc)?;
            let (Some(t), Some(v)) = (m.get("type"), m.get("value")) else {
                return Err(DecodeError::new(
                    loc,
                    "a dynamic value is an object with \"type\" and \"value\"",
                ));
            };
            let inner = Type::from_json(&t.to_serde())
                .map_err(|e| DecodeError::new(loc, format!("bad dynamic type: {e}")))?;
            if inner == Type::Dynamic {
                return Err(DecodeError::new(
                    loc,
                    "a dynamic value cannot have the dynamic type",
                ));
            }
            from_tree(v, &inner, loc)?
        }
    })
}
