//! Msgpack encoding of values, as Terraform's `DynamicValue.msgpack`.
//!
//! Hand-written over a byte slice so that every malformed input is an error:
//! lengths are checked against the bytes left before anything is allocated,
//! and nesting depth is bounded.

use std::collections::BTreeMap;

use super::{canonical_set, DecodeError, EncodeError, Loc, Number, Type, Value};

/// Deeper than any schema we declare; stops stack exhaustion on hostile input.
const MAX_DEPTH: usize = 64;

pub(super) fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let mut loc = Vec::new();
    let v = read_value(&mut r, ty, &mut loc, 0)?;
    if r.pos != bytes.len() {
        return Err(DecodeError::new(
            &[],
            format!("{} unexpected bytes after the value", bytes.len() - r.pos),
        ));
    }
    Ok(v)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    fn peek(&self, loc: &[Loc]) -> Result<u8, DecodeError> {
        self.buf
            .get(self.pos)
            .copied()
            .ok_or_else(|| DecodeError::new(loc, "msgpack data ends early"))
    }
    fn take(&mut self, n: usize, loc: &[Loc]) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(DecodeError::new(loc, "msgpack data ends early"));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self, loc: &[Loc]) -> Result<u8, DecodeError> {
        Ok(self.take(1, loc)?[0])
    }
    fn be<const N: usize>(&mut self, loc: &[Loc]) -> Result<[u8; N], DecodeError> {
        let s = self.take(N, loc)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    fn len16(&mut self, loc: &[Loc]) -> Result<usize, DecodeError> {
        Ok(usize::from(u16::from_be_bytes(self.be::<2>(loc)?)))
    }
    fn len32(&mut self, loc: &[Loc]) -> Result<usize, DecodeError> {
        usize::try_from(u32::from_be_bytes(self.be::<4>(loc)?))
            .map_err(|_| DecodeError::new(loc, "length too large"))
    }
}

fn is_ext(m: u8) -> bool {
    matches!(m, 0xd4..=0xd8 | 0xc7..=0xc9)
}

fn skip_ext(r: &mut Reader<'_>, loc: &[Loc]) -> Result<i8, DecodeError> {
    let m = r.u8(loc)?;
    let len = match m {
        0xd4 => 1,
        0xd5 => 2,
        0xd6 => 4,
        0xd7 => 8,
        0xd8 => 16,
        0xc7 => usize::from(r.u8(loc)?),
        0xc8 => r.len16(loc)?,
        0xc9 => r.len32(loc)?,
        _ => return Err(DecodeError::new(loc, "expected a msgpack extension")),
    };
    let code = i8::from_be_bytes([r.u8(loc)?]);
    r.take(len, loc)?;
    Ok(code)
}

fn type_error(loc: &[Loc], ty: &Type, marker: u8) -> DecodeError {
    DecodeError::new(
        loc,
        format!(
            "expected {}, found {}",
            ty.friendly_name(),
            describe_marker(marker)
        ),
    )
}

fn describe_marker(m: u8) -> &'static str {
    match m {
        0x00..=0x7f | 0xe0..=0xff | 0xcc..=0xd3 => "an integer",
        0x80..=0x8f | 0xde | 0xdf => "a map",
        0x90..=0x9f | 0xdc | 0xdd => "an array",
        0xa0..=0xbf | 0xd9..=0xdb => "a string",
        0xc0 => "null",
        0xc2 | 0xc3 => "a bool",
        0xc4..=0xc6 => "binary data",
        0xca | 0xcb => "a float",
        0xc1 => "the reserved byte 0xc1",
        _ => "an extension",
    }
}

fn read_str<'a>(r: &mut Reader<'a>, loc: &[Loc]) -> Result<Option<&'a str>, DecodeError> {
    let m = r.peek(loc)?;
    let len = match m {
        0xa0..=0xbf => {
            r.pos += 1;
            usize::from(m & 0x1f)
        }
        0xd9 => {
            r.pos += 1;
            usize::from(r.u8(loc)?)
        }
        0xda => {
            r.pos += 1;
            r.len16(loc)?
        }
        0xdb => {
            r.pos += 1;
            r.len32(loc)?
        }
        _ => return Ok(None),
    };
    let bytes = r.take(len, loc)?;
    std::str::from_utf8(bytes)
        .map(Some)
        .map_err(|_| DecodeError::new(loc, "string is not valid UTF-8"))
}

fn read_array_len(r: &mut Reader<'_>, loc: &[Loc]) -> Result<Option<usize>, DecodeError> {
    let m = r.peek(loc)?;
    let n = match m {
        0x90..=0x9f => {
            r.pos += 1;
            usize::from(m & 0x0f)
        }
        0xdc => {
            r.pos += 1;
            r.len16(loc)?
        }
        0xdd => {
            r.pos += 1;
            r.len32(loc)?
        }
        _ => return Ok(None),
    };
    // Every element takes at least one byte.
    if n > r.remaining() {
        return Err(DecodeError::new(
            loc,
            format!("array of {n} elements is longer than the data"),
        ));
    }
    Ok(Some(n))
}

fn read_map_len(r: &mut Reader<'_>, loc: &[Loc]) -> Result<Option<usize>, DecodeError> {
    let m = r.peek(loc)?;
    let n = match m {
        0x80..=0x8f => {
            r.pos += 1;
            usize::from(m & 0x0f)
        }
        0xde => {
            r.pos += 1;
            r.len16(loc)?
        }
        0xdf => {
            r.pos += 1;
            r.len32(loc)?
        }
        _ => return Ok(None),
    };
    if n.saturating_mul(2) > r.remaining() {
        return Err(DecodeError::new(
            loc,
            format!("map of {n} entries is longer than the data"),
        ));
    }
    Ok(Some(n))
}

fn read_number(r: &mut Reader<'_>, loc: &[Loc]) -> Result<Option<Number>, DecodeError> {
    let m = r.peek(loc)?;
    let n = match m {
        0x00..=0x7f => {
            r.pos += 1;
            Number::Int(i64::from(m))
        }
        0xe0..=0xff => {
            r.pos += 1;
            Number::Int(i64::from(i8::from_be_bytes([m])))
        }
        0xcc => {
            r.pos += 1;
            Number::Int(i64::from(r.u8(loc)?))
        }
        0xcd => {
            r.pos += 1;
            Number::Int(i64::from(u16::from_be_bytes(r.be(loc)?)))
        }
        0xce => {
            r.pos += 1;
            Number::Int(i64::from(u32::from_be_bytes(r.be(loc)?)))
        }
        0xcf => {
            r.pos += 1;
            Number::from_u64(u64::from_be_bytes(r.be(loc)?))
        }
        0xd0 => {
            r.pos += 1;
            Number::Int(i64::from(i8::from_be_bytes(r.be(loc)?)))
        }
        0xd1 => {
            r.pos += 1;
            Number::Int(i64::from(i16::from_be_bytes(r.be(loc)?)))
        }
        0xd2 => {
            r.pos += 1;
            Number::Int(i64::from(i32::from_be_bytes(r.be(loc)?)))
        }
        0xd3 => {
            r.pos += 1;
            Number::Int(i64::from_be_bytes(r.be(loc)?))
        }
        0xca => {
            r.pos += 1;
            let f = f64::from(f32::from_be_bytes(r.be(loc)?));
            Number::from_f64(f).ok_or_else(|| DecodeError::new(loc, "number is not finite"))?
        }
        0xcb => {
            r.pos += 1;
            let f = f64::from_be_bytes(r.be(loc)?);
            Number::from_f64(f).ok_or_else(|| DecodeError::new(loc, "number is not finite"))?
        }
        _ => match read_str(r, loc)? {
            Some(s) => Number::parse(s).ok_or_else(|| {
                let shown: String = s.chars().take(40).collect();
                DecodeError::new(loc, format!("{shown:?} is not a number"))
            })?,
            None => return Ok(None),
        },
    };
    Ok(Some(n))
}

fn read_value(
    r: &mut Reader<'_>,
    ty: &Type,
    loc: &mut Vec<Loc>,
    depth: usize,
) -> Result<Value, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::new(loc, "value is nested too deeply"));
    }
    let m = r.peek(loc)?;
    if m == 0xc0 {
        r.pos += 1;
        return Ok(Value::Null);
    }
    if is_ext(m) {
        // Extension 0 is an unknown value; 12 is an unknown with refinements.
        // Any other code is treated as unknown too, as Terraform asks.
        skip_ext(r, loc)?;
        return Ok(Value::Unknown);
    }
    match ty {
        Type::String => match read_str(r, loc)? {
            Some(s) => Ok(Value::String(s.to_string())),
            None => Err(type_error(loc, ty, m)),
        },
        Type::Number => match read_number(r, loc)? {
            Some(n) => Ok(Value::Number(n)),
            None => Err(type_error(loc, ty, m)),
        },
        Type::Bool => match m {
            0xc2 | 0xc3 => {
                r.pos += 1;
                Ok(Value::Bool(m == 0xc3))
            }
            _ => Err(type_error(loc, ty, m)),
        },
        Type::List(et) | Type::Set(et) => {
            let n = read_array_len(r, loc)?.ok_or_else(|| type_error(loc, ty, m))?;
            let mut elems = Vec::with_capacity(n);
            for i in 0..n {
                loc.push(Loc::Index(i));
                elems.push(read_value(r, et, loc, depth + 1)?);
                loc.pop();
            }
            if matches!(ty, Type::Set(_)) {
                canonical_set(&mut elems);
                Ok(Value::Set(elems))
            } else {
                Ok(Value::List(elems))
            }
        }
        Type::Tuple(ets) => {
            let n = read_array_len(r, loc)?.ok_or_else(|| type_error(loc, ty, m))?;
            if n != ets.len() {
                return Err(DecodeError::new(
                    loc,
                    format!("expected a tuple of {} elements, found {n}", ets.len()),
                ));
            }
            let mut elems = Vec::with_capacity(n);
            for (i, et) in ets.iter().enumerate() {
                loc.push(Loc::Index(i));
                elems.push(read_value(r, et, loc, depth + 1)?);
                loc.pop();
            }
            Ok(Value::Tuple(elems))
        }
        Type::Map(et) => {
            let n = read_map_len(r, loc)?.ok_or_else(|| type_error(loc, ty, m))?;
            let mut out = BTreeMap::new();
            for _ in 0..n {
                let key = read_str(r, loc)?
                    .ok_or_else(|| DecodeError::new(loc, "map key is not a string"))?
                    .to_string();
                loc.push(Loc::Key(key.clone()));
                let v = read_value(r, et, loc, depth + 1)?;
                loc.pop();
                out.insert(key, v);
            }
            Ok(Value::Map(out))
        }
        Type::Object(attrs) => {
            let n = read_map_len(r, loc)?.ok_or_else(|| type_error(loc, ty, m))?;
            let mut out = BTreeMap::new();
            for _ in 0..n {
                let key = read_str(r, loc)?
                    .ok_or_else(|| DecodeError::new(loc, "object key is not a string"))?;
                let Some(at) = attrs.get(key) else {
                    return Err(DecodeError::new(
                        loc,
                        format!("unsupported attribute {key:?}"),
                    ));
                };
                loc.push(Loc::Attr(key.to_string()));
                let v = read_value(r, at, loc, depth + 1)?;
                loc.pop();
                out.insert(key.to_string(), v);
            }
            for name in attrs.keys() {
                out.entry(name.clone()).or_insert(Value::Null);
            }
            Ok(Value::Object(out))
        }
        Type::Dynamic => {
            // [type JSON as bytes or string, value]
            let n = read_array_len(r, loc)?.ok_or_else(|| type_error(loc, ty, m))?;
            if n != 2 {
                return Err(DecodeError::new(
                    loc,
                    "a dynamic value is a [type, value] pair",
                ));
            }
            let tm = r.peek(loc)?;
            let type_bytes: &[u8] = match tm {
                0xc4 => {
                    r.pos += 1;
                    let l = usize::from(r.u8(loc)?);
                    r.take(l, loc)?
                }
                0xc5 => {
                    r.pos += 1;
                    let l = r.len16(loc)?;
                    r.take(l, loc)?
                }
                0xc6 => {
                    r.pos += 1;
                    let l = r.len32(loc)?;
                    r.take(l, loc)?
                }
                _ => read_str(r, loc)?
                    .ok_or_else(|| DecodeError::new(loc, "dynamic value without a type"))?
                    .as_bytes(),
            };
            let tj: serde_json::Value = serde_json::from_slice(type_bytes)
                .map_err(|e| DecodeError::new(loc, format!("bad dynamic type: {e}")))?;
            let inner = Type::from_json(&tj)
                .map_err(|e| DecodeError::new(loc, format!("bad dynamic type: {e}")))?;
            if inner == Type::Dynamic {
                return Err(DecodeError::new(
                    loc,
                    "a dynamic value cannot have the dynamic type",
                ));
            }
            read_value(r, &inner, loc, depth + 1)
        }
    }
}

// ---------------------------------------------------------------- encoding

pub(super) fn encode(
    v: &Value,
    ty: &Type,
    out: &mut Vec<u8>,
    loc: &mut Vec<Loc>,
) -> Result<(), EncodeError> {
    match (v, ty) {
        (Value::Unknown, _) => out.extend_from_slice(&[0xd4, 0, 0]),
        (Value::Null, _) => out.push(0xc0),
        (Value::Bool(b), Type::Bool) => out.push(if *b { 0xc3 } else { 0xc2 }),
        (Value::String(s), Type::String) => write_str(out, s, loc)?,
        (Value::Number(n), Type::Number) => match (n, n.as_u64()) {
            (Number::Int(i), _) => write_int(out, *i),
            (Number::Dec(_), Some(u)) => {
                out.push(0xcf);
                out.extend_from_slice(&u.to_be_bytes());
            }
            // Exact decimal text, which Terraform parses at full precision.
            (Number::Dec(_), None) => write_str(out, &n.to_string(), loc)?,
        },
        (Value::List(elems), Type::List(et)) | (Value::Set(elems), Type::Set(et)) => {
            write_array_len(out, elems.len(), loc)?;
            for (i, e) in elems.iter().enumerate() {
                loc.push(Loc::Index(i));
                encode(e, et, out, loc)?;
                loc.pop();
            }
        }
        (Value::Tuple(elems), Type::Tuple(ets)) if elems.len() == ets.len() => {
            write_array_len(out, elems.len(), loc)?;
            for (i, (e, et)) in elems.iter().zip(ets).enumerate() {
                loc.push(Loc::Index(i));
                encode(e, et, out, loc)?;
                loc.pop();
            }
        }
        (Value::Map(m), Type::Map(et)) => {
            write_map_len(out, m.len(), loc)?;
            for (k, e) in m {
                write_str(out, k, loc)?;
                loc.push(Loc::Key(k.clone()));
                encode(e, et, out, loc)?;
                loc.pop();
            }
        }
        (Value::Object(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(EncodeError::new(
                    loc,
                    format!("attribute {extra:?} is not in the type"),
                ));
            }
            write_map_len(out, attrs.len(), loc)?;
            for (k, at) in attrs {
                write_str(out, k, loc)?;
                loc.push(Loc::Attr(k.clone()));
                encode(m.get(k).unwrap_or(&Value::Null), at, out, loc)?;
                loc.pop();
            }
        }
        (_, Type::Dynamic) => {
            return Err(EncodeError::new(
                loc,
                "known dynamic values are not supported",
            ))
        }
        // Never the value itself: it may be a secret.
        (v, ty) => {
            return Err(EncodeError::new(
                loc,
                format!("{} is not a {}", v.kind(), ty.friendly_name()),
            ))
        }
    }
    Ok(())
}

/// A length that fits the 32 bits msgpack has for it, else an error (never
/// a wrong length).
fn len32(n: usize, what: &str, loc: &[Loc]) -> Result<u32, EncodeError> {
    u32::try_from(n).map_err(|_| {
        EncodeError::new(
            loc,
            format!("{what} of {n} is beyond msgpack's 4 GiB limit"),
        )
    })
}

fn write_str(out: &mut Vec<u8>, s: &str, loc: &[Loc]) -> Result<(), EncodeError> {
    let n = s.len();
    if n < 32 {
        // n < 32 fits the five length bits of a fixstr.
        out.push(0xa0 | (n as u8));
    } else if let Ok(n8) = u8::try_from(n) {
        out.push(0xd9);
        out.push(n8);
    } else if let Ok(n16) = u16::try_from(n) {
        out.push(0xda);
        out.extend_from_slice(&n16.to_be_bytes());
    } else {
        let n32 = len32(n, "a string", loc)?;
        out.push(0xdb);
        out.extend_from_slice(&n32.to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn write_array_len(out: &mut Vec<u8>, n: usize, loc: &[Loc]) -> Result<(), EncodeError> {
    if n < 16 {
        out.push(0x90 | (n as u8));
    } else if let Ok(n16) = u16::try_from(n) {
        out.push(0xdc);
        out.extend_from_slice(&n16.to_be_bytes());
    } else {
        let n32 = len32(n, "a list", loc)?;
        out.push(0xdd);
        out.extend_from_slice(&n32.to_be_bytes());
    }
    Ok(())
}

fn write_map_len(out: &mut Vec<u8>, n: usize, loc: &[Loc]) -> Result<(), EncodeError> {
    if n < 16 {
        out.push(0x80 | (n as u8));
    } else if let Ok(n16) = u16::try_from(n) {
        out.push(0xde);
        out.extend_from_slice(&n16.to_be_bytes());
    } else {
        let n32 = len32(n, "a map", loc)?;
        out.push(0xdf);
        out.extend_from_slice(&n32.to_be_bytes());
    }
    Ok(())
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    if (0..=127).contains(&i) || (-32..0).contains(&i) {
        out.push(i.to_be_bytes()[7]);
    } else if let Ok(x) = i8::try_from(i) {
        out.push(0xd0);
        out.extend_from_slice(&x.to_be_bytes());
    } else if let Ok(x) = i16::try_from(i) {
        out.push(0xd1);
        out.extend_from_slice(&x.to_be_bytes());
    } else if let Ok(x) = i32::try_from(i) {
        out.push(0xd2);
        out.extend_from_slice(&x.to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_past_four_gib_are_refused_not_truncated() {
        let e = len32(5 << 30, "a string", &[Loc::Attr("s".into())]).unwrap_err();
        assert!(
            e.message.contains("beyond msgpack's 4 GiB limit"),
            "{}",
            e.message
        );
        assert_eq!(len32(u32::MAX as usize, "a list", &[]).unwrap(), u32::MAX);
    }

    #[test]
    fn encode_errors_never_show_the_value() {
        let v = Value::String("hunter2-secret".into());
        let e = v.to_msgpack(&Type::Number).unwrap_err();
        assert!(!format!("{e:?} {}", e.message).contains("hunter2"), "{e:?}");
        assert!(
            e.message.contains("a string is not a number"),
            "{}",
            e.message
        );
    }
}
