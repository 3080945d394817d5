//! Terraform numbers: arbitrary precision on the wire (msgpack int, float or
//! decimal text; JSON number literals). Every number is kept exactly, with no
//! detour through `f64`: integers that fit an `i64` as such (the common case,
//! and cheap), everything else as an exact decimal. A float that arrives is
//! kept as the exact value of its binary64 bits (as Terraform itself does).

use std::cmp::Ordering;
use std::fmt;

/// The longest decimal text we read (digits, point and exponent).
pub const MAX_TEXT: usize = 4096;
/// The largest decimal exponent we accept (Terraform's own numbers are
/// 512-bit floats, whose exponents stay far below this).
pub const MAX_EXPONENT: i64 = 1_000_000;

/// A Terraform number, exact. Invariant: an integer that fits an `i64` is
/// always `Int`, so that equality is structural.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Number {
    Int(i64),
    Dec(Box<Decimal>),
}

/// Zero.
impl Default for Number {
    fn default() -> Self {
        Number::Int(0)
    }
}

/// `(-1)^neg × digits × 10^exp`, with `digits` free of leading and trailing
/// zeros (zero is never a `Decimal`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    neg: bool,
    digits: Box<str>,
    exp: i64,
}

impl Number {
    /// The exact value of a finite float; `None` for NaN and infinities.
    pub fn from_f64(f: f64) -> Option<Number> {
        if !f.is_finite() {
            return None;
        }
        if f.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
            // The range check makes the cast exact.
            #[allow(clippy::cast_possible_truncation)]
            return Some(Number::Int(f as i64));
        }
        let bits = f.to_bits();
        let neg = bits >> 63 == 1;
        let biased = i64::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
        let frac = bits & ((1 << 52) - 1);
        let (mantissa, exp2) = if biased == 0 {
            (frac, -1074)
        } else {
            (frac | (1 << 52), biased - 1075)
        };
        // m × 2^e: an integer times 2^e when e >= 0, else m × 5^-e × 10^e.
        let mut digits = Digits::from_u64(mantissa);
        let exp10 = if exp2 >= 0 {
            digits.times_pow(2, exp2);
            0
        } else {
            digits.times_pow(5, -exp2);
            exp2
        };
        Some(Number::from_parts(neg, &digits.text(), exp10))
    }

    pub fn from_u64(u: u64) -> Number {
        match i64::try_from(u) {
            Ok(i) => Number::Int(i),
            Err(_) => Number::from_parts(false, &u.to_string(), 0),
        }
    }

    /// Parses decimal text (`-12.5e-3`, as Terraform and JSON write numbers);
    /// `None` when it is not one, or is beyond [`MAX_TEXT`] or [`MAX_EXPONENT`].
    pub fn parse(s: &str) -> Option<Number> {
        let t = s.trim();
        if t.is_empty() || t.len() > MAX_TEXT {
            return None;
        }
        if let Ok(i) = t.parse::<i64>() {
            return Some(Number::Int(i));
        }
        let (neg, body) = match t.as_bytes()[0] {
            b'-' => (true, &t[1..]),
            b'+' => (false, &t[1..]),
            _ => (false, t),
        };
        let (mant, exp) = match body.find(['e', 'E']) {
            Some(p) => (&body[..p], Some(&body[p + 1..])),
            None => (body, None),
        };
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
            return None;
        }
        let exp: i64 = match exp {
            None => 0,
            Some(e) => {
                let d = e.strip_prefix(['+', '-']).unwrap_or(e);
                if d.is_empty() || !all_digits(d) || d.len() > 12 {
                    return None;
                }
                e.parse().ok()?
            }
        };
        let frac_len = i64::try_from(frac.len()).ok()?;
        let n = Number::from_parts(neg, &format!("{int}{frac}"), exp - frac_len);
        match &n {
            Number::Dec(d) if d.exp.abs() > MAX_EXPONENT => None,
            _ => Some(n),
        }
    }

    /// `±digits × 10^exp`, normalized (and `Int` when it fits).
    fn from_parts(neg: bool, digits: &str, exp: i64) -> Number {
        let lead = digits.trim_start_matches('0');
        let core = lead.trim_end_matches('0');
        if core.is_empty() {
            return Number::Int(0);
        }
        let trailing = i64::try_from(lead.len() - core.len()).unwrap_or(0);
        let exp = exp + trailing;
        if (0..19).contains(&exp) {
            let zeros = usize::try_from(exp).unwrap_or(0);
            let text = format!("{}{core}{}", if neg { "-" } else { "" }, "0".repeat(zeros));
            if let Ok(i) = text.parse::<i64>() {
                return Number::Int(i);
            }
        }
        Number::Dec(Box::new(Decimal {
            neg,
            digits: core.into(),
            exp,
        }))
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            Number::Dec(_) => None,
        }
    }

    /// The integer value when it fits a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Number::Int(i) => u64::try_from(*i).ok(),
            Number::Dec(d) if !d.neg && d.exp >= 0 && d.exp < 20 => {
                let zeros = usize::try_from(d.exp).ok()?;
                format!("{}{}", d.digits, "0".repeat(zeros)).parse().ok()
            }
            Number::Dec(_) => None,
        }
    }

    /// The nearest `f64` (rounded; for display and plain JSON only).
    pub fn to_f64_lossy(&self) -> f64 {
        match self {
            #[allow(clippy::cast_precision_loss)]
            Number::Int(i) => *i as f64,
            Number::Dec(d) => format!("{}{}e{}", if d.neg { "-" } else { "" }, d.digits, d.exp)
                .parse()
                .unwrap_or(f64::NAN),
        }
    }

    fn sign(&self) -> Ordering {
        match self {
            Number::Int(i) => i.cmp(&0),
            Number::Dec(d) if d.neg => Ordering::Less,
            Number::Dec(_) => Ordering::Greater,
        }
    }

    /// Digits and exponent of the magnitude (for comparison).
    fn magnitude(&self) -> (String, i64) {
        match self {
            Number::Int(0) => (String::new(), 0),
            Number::Int(i) => {
                let s = i.unsigned_abs().to_string();
                let core = s.trim_end_matches('0');
                let exp = i64::try_from(s.len() - core.len()).unwrap_or(0);
                (core.to_string(), exp)
            }
            Number::Dec(d) => (d.digits.to_string(), d.exp),
        }
    }

    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Number::Int(i) => serde_json::Value::from(*i),
            Number::Dec(_) => match self.as_u64() {
                Some(u) => serde_json::Value::from(u),
                None => serde_json::Value::String(self.to_string()),
            },
        }
    }
}

/// Compares magnitudes `a` and `b` given as normalized digits and exponents.
fn cmp_magnitude((ad, ae): &(String, i64), (bd, be): &(String, i64)) -> Ordering {
    if ad.is_empty() || bd.is_empty() {
        return (!ad.is_empty()).cmp(&!bd.is_empty());
    }
    // The position of the leading digit decides, then the digits themselves.
    let a_top = ae + i64::try_from(ad.len()).unwrap_or(0);
    let b_top = be + i64::try_from(bd.len()).unwrap_or(0);
    a_top
        .cmp(&b_top)
        .then_with(|| ad.as_bytes().cmp(bd.as_bytes()))
}

impl From<i64> for Number {
    fn from(i: i64) -> Number {
        Number::Int(i)
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        if let (Number::Int(a), Number::Int(b)) = (self, other) {
            return a.cmp(b);
        }
        let (sa, sb) = (self.sign(), other.sign());
        if sa != sb {
            return sa.cmp(&sb);
        }
        let m = cmp_magnitude(&self.magnitude(), &other.magnitude());
        if sa == Ordering::Less {
            m.reverse()
        } else {
            m
        }
    }
}

/// Decimal text that Terraform parses back to the same number: plain for
/// moderate exponents, else `<digits>e<exp>`.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = match self {
            Number::Int(i) => return write!(f, "{i}"),
            Number::Dec(d) => d,
        };
        if d.neg {
            f.write_str("-")?;
        }
        let len = i64::try_from(d.digits.len()).unwrap_or(i64::MAX);
        if d.exp >= 0 && d.exp <= 40 {
            let zeros = usize::try_from(d.exp).unwrap_or(0);
            return write!(f, "{}{}", d.digits, "0".repeat(zeros));
        }
        if d.exp < 0 && d.exp >= -(len + 40) {
            let point = len + d.exp;
            if point > 0 {
                let p = usize::try_from(point).unwrap_or(0);
                return write!(f, "{}.{}", &d.digits[..p], &d.digits[p..]);
            }
            let zeros = usize::try_from(-point).unwrap_or(0);
            return write!(f, "0.{}{}", "0".repeat(zeros), d.digits);
        }
        write!(f, "{}e{}", d.digits, d.exp)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

/// A non-negative integer in base 10^9 limbs, least significant first: just
/// enough arithmetic to expand a float exactly.
struct Digits(Vec<u64>);

const LIMB: u64 = 1_000_000_000;

impl Digits {
    fn from_u64(mut u: u64) -> Digits {
        let mut limbs = Vec::new();
        while u > 0 {
            limbs.push(u % LIMB);
            u /= LIMB;
        }
        Digits(limbs)
    }

    fn times(&mut self, m: u64) {
        let mut carry = 0;
        for limb in &mut self.0 {
            let v = *limb * m + carry;
            *limb = v % LIMB;
            carry = v / LIMB;
        }
        while carry > 0 {
            self.0.push(carry % LIMB);
            carry /= LIMB;
        }
    }

    /// Multiplies by `base^n` (base 2 or 5), a few powers at a time.
    fn times_pow(&mut self, base: u64, mut n: i64) {
        let step = if base == 2 { 29 } else { 12 };
        while n > 0 {
            let k = n.min(step);
            self.times(base.pow(u32::try_from(k).unwrap_or(1)));
            n -= k;
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for (i, limb) in self.0.iter().rev().enumerate() {
            if i == 0 {
                out.push_str(&limb.to_string());
            } else {
                out.push_str(&format!("{limb:09}"));
            }
        }
        out
    }
}

/// The newtype name by which a [`Number`] tells this crate's serializer and
/// deserializer to carry it as exact text.
pub(crate) const MARKER: &str = "$tfplugin::Number";

/// In a model, a `Number` field reads and writes Terraform's number exactly
/// (through this crate's value conversion, as decimal text); with other
/// formats it is a number where one fits, else its decimal text.
impl serde::Serialize for Number {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(MARKER, &self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
        d.deserialize_newtype_struct(MARKER, NumberVisitor)
    }
}

struct NumberVisitor;

impl<'de> serde::de::Visitor<'de> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<Number, D::Error> {
        d.deserialize_any(NumberVisitor)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(Number::Int(v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number::from_u64(v))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Number, E> {
        Number::from_f64(v).ok_or_else(|| E::custom("a number must be finite"))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Number, E> {
        Number::parse(v).ok_or_else(|| E::custom("not a decimal number"))
    }
}

impl schemars::JsonSchema for Number {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Number".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number" })
    }
}
