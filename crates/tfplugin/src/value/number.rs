//! Terraform numbers: arbitrary precision on the wire (msgpack int, float or a
//! decimal string). We keep integers exactly, floats as f64, and anything
//! larger as its decimal text.

use std::cmp::Ordering;
use std::fmt;

/// A Terraform number. Integral floats that fit an `i64` are stored as `Int`,
/// so equal numbers compare equal whatever encoding they arrived in.
#[derive(Clone, Debug)]
pub enum Number {
    Int(i64),
    Float(f64),
    /// A number beyond `i64`/`f64` exactness, as normalized decimal text.
    Big(String),
}

impl Number {
    pub fn from_f64(f: f64) -> Option<Number> {
        if !f.is_finite() {
            return None;
        }
        if f.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
            // The range check makes the cast exact.
            #[allow(clippy::cast_possible_truncation)]
            return Some(Number::Int(f as i64));
        }
        Some(Number::Float(f))
    }

    pub fn from_u64(u: u64) -> Number {
        match i64::try_from(u) {
            Ok(i) => Number::Int(i),
            Err(_) => Number::Big(u.to_string()),
        }
    }

    /// Parses decimal text as Terraform writes numbers it cannot fit in 64 bits.
    pub fn parse(s: &str) -> Option<Number> {
        let t = s.trim();
        if t.is_empty() || t.len() > 4096 {
            return None;
        }
        if let Ok(i) = t.parse::<i64>() {
            return Some(Number::Int(i));
        }
        let valid = {
            let body = t.strip_prefix('-').unwrap_or(t);
            let (mant, exp) = match body.find(['e', 'E']) {
                Some(p) => (&body[..p], Some(&body[p + 1..])),
                None => (body, None),
            };
            let mut parts = mant.splitn(2, '.');
            let int = parts.next().unwrap_or("");
            let frac = parts.next();
            let digits_ok = !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()));
            let exp_ok = exp.is_none_or(|e| {
                let e = e.strip_prefix(['+', '-']).unwrap_or(e);
                !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
            });
            digits_ok && exp_ok
        };
        if !valid {
            return None;
        }
        let is_integer_text = !t.contains(['.', 'e', 'E']);
        if is_integer_text {
            let body = t.strip_prefix('-').unwrap_or(t).trim_start_matches('0');
            let sign = if t.starts_with('-') && !body.is_empty() {
                "-"
            } else {
                ""
            };
            let body = if body.is_empty() { "0" } else { body };
            return Some(Number::Big(format!("{sign}{body}")));
        }
        let f: f64 = t.parse().ok()?;
        Number::from_f64(f)
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> f64 {
        match self {
            #[allow(clippy::cast_precision_loss)]
            Number::Int(i) => *i as f64,
            Number::Float(f) => *f,
            Number::Big(s) => s.parse().unwrap_or(f64::NAN),
        }
    }

    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Number::Int(i) => serde_json::Value::from(*i),
            Number::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Number::Big(s) => s
                .parse::<u64>()
                .map(serde_json::Value::from)
                .unwrap_or_else(|_| serde_json::Value::from(self.as_f64())),
        }
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Number {
        Number::Int(i)
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Some(a.cmp(b)),
            (Number::Big(a), Number::Big(b)) if a == b => Some(Ordering::Equal),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
            Number::Big(s) => f.write_str(s),
        }
    }
}
