//! Terraform's JSON value encoding (stored state, `RawState.json`), and plain
//! JSON conversion for typed models.

use std::collections::BTreeMap;

use super::{canonical_set, DecodeError, Loc, Number, Type, Value};

const MAX_DEPTH: usize = 64;

pub(super) fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let j: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| DecodeError::new(&[], format!("invalid JSON: {e}")))?;
    from_plain(&j, ty, &mut Vec::new())
}

pub(super) fn from_plain(
    j: &serde_json::Value,
    ty: &Type,
    loc: &mut Vec<Loc>,
) -> Result<Value, DecodeError> {
    use serde_json::Value as J;
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
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    };
    if j.is_null() {
        return Ok(Value::Null);
    }
    Ok(match ty {
        Type::String => match j {
            J::String(s) => Value::String(s.clone()),
            other => return Err(mismatch(found(other))),
        },
        Type::Bool => match j {
            J::Bool(b) => Value::Bool(*b),
            other => return Err(mismatch(found(other))),
        },
        Type::Number => match j {
            J::Number(n) => {
                let num = if let Some(i) = n.as_i64() {
                    Number::Int(i)
                } else if let Some(u) = n.as_u64() {
                    Number::from_u64(u)
                } else {
                    Number::parse(&n.to_string()).ok_or_else(|| mismatch("an unreadable number"))?
                };
                Value::Number(num)
            }
            J::String(s) => {
                Value::Number(Number::parse(s).ok_or_else(|| mismatch("a non-numeric string"))?)
            }
            other => return Err(mismatch(found(other))),
        },
        Type::List(et) | Type::Set(et) => {
            let J::Array(items) = j else {
                return Err(mismatch(found(j)));
            };
            let mut elems = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                loc.push(Loc::Index(i));
                elems.push(from_plain(item, et, loc)?);
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
            let J::Array(items) = j else {
                return Err(mismatch(found(j)));
            };
            if items.len() != ets.len() {
                return Err(mismatch("a tuple of another length"));
            }
            let mut elems = Vec::with_capacity(items.len());
            for (i, (item, et)) in items.iter().zip(ets).enumerate() {
                loc.push(Loc::Index(i));
                elems.push(from_plain(item, et, loc)?);
                loc.pop();
            }
            Value::Tuple(elems)
        }
        Type::Map(et) => {
            let J::Object(m) = j else {
                return Err(mismatch(found(j)));
            };
            let mut out = BTreeMap::new();
            for (k, item) in m {
                loc.push(Loc::Key(k.clone()));
                out.insert(k.clone(), from_plain(item, et, loc)?);
                loc.pop();
            }
            Value::Map(out)
        }
        Type::Object(attrs) => {
            let J::Object(m) = j else {
                return Err(mismatch(found(j)));
            };
            let mut out = BTreeMap::new();
            for (k, item) in m {
                let Some(at) = attrs.get(k) else {
                    return Err(DecodeError::new(
                        loc,
                        format!("unsupported attribute {k:?}"),
                    ));
                };
                loc.push(Loc::Attr(k.clone()));
                out.insert(k.clone(), from_plain(item, at, loc)?);
                loc.pop();
            }
            for name in attrs.keys() {
                out.entry(name.clone()).or_insert(Value::Null);
            }
            Value::Object(out)
        }
        Type::Dynamic => {
            let J::Object(m) = j else {
                return Err(mismatch(found(j)));
            };
            let (Some(t), Some(v)) = (m.get("type"), m.get("value")) else {
                return Err(DecodeError::new(
                    loc,
                    "a dynamic value is an object with \"type\" and \"value\"",
                ));
            };
            let inner = Type::from_json(t)
                .map_err(|e| DecodeError::new(loc, format!("bad dynamic type: {e}")))?;
            if inner == Type::Dynamic {
                return Err(DecodeError::new(
                    loc,
                    "a dynamic value cannot have the dynamic type",
                ));
            }
            from_plain(v, &inner, loc)?
        }
    })
}
