use proptest::prelude::*;

use super::*;

fn all_types() -> Type {
    Type::object([
        ("s", Type::String),
        ("n", Type::Number),
        ("b", Type::Bool),
        ("l", Type::list(Type::String)),
        ("set", Type::set(Type::Number)),
        ("m", Type::map(Type::Bool)),
        (
            "o",
            Type::object([
                ("x", Type::String),
                ("y", Type::list(Type::object([("z", Type::Number)]))),
            ]),
        ),
        ("t", Type::Tuple(vec![Type::String, Type::Number])),
    ])
}

fn sample() -> Value {
    Value::object([
        ("s", Value::string("héllo")),
        ("n", Value::Number(Number::from_f64(1.5).unwrap())),
        ("b", Value::Bool(true)),
        (
            "l",
            Value::List(vec![Value::string("a"), Value::Null, Value::Unknown]),
        ),
        (
            "set",
            Value::set(vec![Value::from(3), Value::from(-1), Value::from(3)]),
        ),
        (
            "m",
            Value::Map([("k".to_string(), Value::Bool(false))].into()),
        ),
        (
            "o",
            Value::object([
                ("x", Value::Unknown),
                (
                    "y",
                    Value::List(vec![Value::object([("z", Value::from(i64::MIN))])]),
                ),
            ]),
        ),
        ("t", Value::Tuple(vec![Value::string(""), Value::from(300)])),
    ])
}

#[test]
fn msgpack_round_trips_every_type() {
    let ty = all_types();
    let v = sample();
    let bytes = v.to_msgpack(&ty).unwrap();
    assert_eq!(Value::from_msgpack(&bytes, &ty).unwrap(), v);
}

#[test]
fn null_and_unknown_at_top_level() {
    let ty = all_types();
    assert_eq!(Value::Null.to_msgpack(&ty).unwrap(), [0xc0]);
    assert_eq!(Value::Unknown.to_msgpack(&ty).unwrap(), [0xd4, 0, 0]);
    assert_eq!(Value::from_msgpack(&[0xc0], &ty).unwrap(), Value::Null);
    assert_eq!(
        Value::from_msgpack(&[0xd4, 0, 0], &ty).unwrap(),
        Value::Unknown
    );
}

#[test]
fn refined_unknowns_read_as_unknown() {
    // ext 12 with a map {1: false} (definitely not null), and {2: "pre"} (string prefix).
    let not_null = [0xd6, 0x0c, 0x81, 0x01, 0xc2, 0x00];
    assert_eq!(
        Value::from_msgpack(&not_null[..5], &Type::String)
            .unwrap_err()
            .message,
        "msgpack data ends early"
    );
    let refined = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2];
    assert_eq!(
        Value::from_msgpack(&refined, &Type::String).unwrap(),
        Value::Unknown
    );
    let prefix = [0xc7, 0x06, 0x0c, 0x81, 0x02, 0xa3, b'p', b'r', b'e'];
    assert_eq!(
        Value::from_msgpack(&prefix, &Type::String).unwrap(),
        Value::Unknown
    );
    // Any other extension code is unknown too.
    assert_eq!(
        Value::from_msgpack(&[0xd4, 0x07, 0x00], &Type::Number).unwrap(),
        Value::Unknown
    );
}

#[test]
fn numbers_in_every_encoding() {
    let cases: Vec<(Vec<u8>, Number)> = vec![
        (vec![0x05], Number::Int(5)),
        (vec![0xff], Number::Int(-1)),
        (vec![0xcc, 0xff], Number::Int(255)),
        (vec![0xcd, 0x01, 0x00], Number::Int(256)),
        (vec![0xd0, 0x80], Number::Int(-128)),
        (
            vec![0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            Number::parse("18446744073709551615").unwrap(),
        ),
        (
            vec![0xcb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18],
            Number::from_f64(std::f64::consts::PI).unwrap(),
        ),
        (
            vec![0xca, 0x3f, 0xc0, 0x00, 0x00],
            Number::from_f64(1.5).unwrap(),
        ),
        // Integral floats equal the integer.
        (
            vec![0xcb, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
            Number::Int(2),
        ),
        // Terraform sends numbers beyond 64 bits as decimal strings.
        (
            vec![0xa5, b'1', b'e', b'+', b'3', b'0'],
            Number::parse("1000000000000000000000000000000").unwrap(),
        ),
        (vec![0xa2, b'4', b'2'], Number::Int(42)),
    ];
    for (bytes, want) in cases {
        assert_eq!(
            Value::from_msgpack(&bytes, &Type::Number).unwrap(),
            Value::Number(want.clone()),
            "{bytes:x?}"
        );
    }
    // Exact both ways: decimals, beyond 64 bits, huge exponents.
    for text in [
        "0.1",
        "18446744073709551617",
        "1e400",
        "-2.5e-401",
        "123456789012345678901234567890.000001",
    ] {
        let n = Value::Number(Number::parse(text).unwrap());
        let bytes = n.to_msgpack(&Type::Number).unwrap();
        assert_eq!(
            Value::from_msgpack(&bytes, &Type::Number).unwrap(),
            n,
            "{text}"
        );
        let json = format!("{{\"n\": {text}}}");
        let ty = Type::object([("n", Type::Number)]);
        assert_eq!(
            Value::from_json(json.as_bytes(), &ty).unwrap().attr("n"),
            &n,
            "{text}"
        );
    }
    assert_ne!(
        Number::parse("0.1").unwrap(),
        Number::from_f64(0.1).unwrap()
    );
    assert_ne!(
        Number::parse("18446744073709551617").unwrap(),
        Number::parse("18446744073709551616").unwrap()
    );
    assert_eq!(
        Number::parse("1.50").unwrap(),
        Number::parse("15e-1").unwrap()
    );
    assert!(Number::parse("0.1").unwrap() < Number::parse("0.10000000000000001").unwrap());
    assert!(Number::parse("-1e400").unwrap() < Number::Int(i64::MIN));
    assert_eq!(Number::from_f64(0.5).unwrap().to_string(), "0.5");
    assert_eq!(
        Number::from_f64(0.1).unwrap().to_string(),
        "0.1000000000000000055511151231257827021181583404541015625"
    );
    let big = Value::Number(Number::parse("123456789012345678901234567890").unwrap());
    let bytes = big.to_msgpack(&Type::Number).unwrap();
    assert_eq!(Value::from_msgpack(&bytes, &Type::Number).unwrap(), big);
}

#[test]
fn sets_are_canonical() {
    let ty = Type::set(Type::String);
    let a = Value::from_msgpack(&[0x92, 0xa1, b'b', 0xa1, b'a'], &ty).unwrap();
    let b = Value::from_msgpack(&[0x93, 0xa1, b'a', 0xa1, b'b', 0xa1, b'a'], &ty).unwrap();
    assert_eq!(a, b);
}

#[test]
fn objects_fill_missing_attributes_with_null() {
    let ty = Type::object([("a", Type::String), ("b", Type::String)]);
    let v = Value::from_msgpack(&[0x81, 0xa1, b'a', 0xa1, b'x'], &ty).unwrap();
    assert_eq!(
        v,
        Value::object([("a", Value::string("x")), ("b", Value::Null)])
    );
}

#[test]
fn malformed_input_is_an_error_with_a_place() {
    let ty = all_types();
    let cases: Vec<(&[u8], &str)> = vec![
        (&[], "ends early"),
        (&[0x81], "longer than the data"),
        (&[0xc1], "expected object"),
        (&[0x81, 0xa1, b's', 0xc3], "expected string, found a bool"),
        (&[0x81, 0xa1, b'q', 0xc0], "unsupported attribute \"q\""),
        (
            &[0x81, 0xa1, b'l', 0xdd, 0xff, 0xff, 0xff, 0xff],
            "longer than the data",
        ),
        (&[0x81, 0xa1, b's', 0xa2, 0xff, 0xfe], "not valid UTF-8"),
        (&[0x81, 0xa1, b'n', 0xa3, b'a', b'b', b'c'], "not a number"),
        (
            &[0x81, 0xa1, b'n', 0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0],
            "not finite",
        ),
        (&[0xc0, 0xc0], "unexpected bytes"),
        (&[0x81, 0xa1, b't', 0x91, 0xa0], "tuple of 2"),
        (&[0x81, 0xa1, b'm', 0x81, 0x01, 0xc3], "key is not a string"),
    ];
    for (bytes, want) in cases {
        let e = Value::from_msgpack(bytes, &ty).unwrap_err();
        assert!(
            e.to_string().contains(want),
            "{bytes:x?}: {e} (wanted {want})"
        );
    }
    let e = Value::from_msgpack(&[0x81, 0xa1, b's', 0xc3], &ty).unwrap_err();
    assert_eq!(e.path, crate::diag::AttributePath::new("s"));
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let mut ty = Type::String;
    for _ in 0..200 {
        ty = Type::list(ty);
    }
    let mut bytes = vec![0x91; 200];
    bytes.push(0xa0);
    let e = Value::from_msgpack(&bytes, &ty).unwrap_err();
    assert!(e.message.contains("nested too deeply"));
}

#[test]
fn json_state_decodes_per_type() {
    let ty = Type::object([
        ("id", Type::String),
        ("owners", Type::set(Type::String)),
        ("version", Type::Number),
        ("meta", Type::map(Type::String)),
        ("gone", Type::Bool),
    ]);
    let v = Value::from_json(
        br#"{"id":"x","owners":["b","a"],"version":3,"meta":{"k":"v"}}"#,
        &ty,
    )
    .unwrap();
    assert_eq!(
        v.attr("owners"),
        &Value::set(vec![Value::string("a"), Value::string("b")])
    );
    assert_eq!(v.attr("version"), &Value::from(3));
    assert_eq!(v.attr("gone"), &Value::Null);
    assert!(Value::from_json(b"{", &ty).is_err());
    let e = Value::from_json(br#"{"id":1}"#, &ty).unwrap_err();
    assert_eq!(e.path, crate::diag::AttributePath::new("id"));
    assert!(Value::from_json(br#"{"nope":1}"#, &ty).is_err());
}

#[test]
fn dynamic_values_decode_with_their_type() {
    // ["\"string\"" as bin, "hi"]
    let mut bytes = vec![0x92, 0xc4, 8];
    bytes.extend_from_slice(b"\"string\"");
    bytes.extend_from_slice(&[0xa2, b'h', b'i']);
    assert_eq!(
        Value::from_msgpack(&bytes, &Type::Dynamic).unwrap(),
        Value::string("hi")
    );
    assert!(Value::from_json(br#"{"type":"number","value":4}"#, &Type::Dynamic).is_ok());
}

#[test]
fn plain_json_round_trip() {
    let ty = all_types();
    let mut v = sample();
    assert!(v.to_plain_json().is_none(), "unknowns have no plain JSON");
    v.set_attr("l", Value::List(vec![Value::string("a")]));
    v.set_attr("o", Value::Null);
    let j = v.to_plain_json().unwrap();
    assert_eq!(Value::from_plain_json(&j, &ty).unwrap(), v);
}

#[test]
fn encoding_checks_the_type() {
    assert!(Value::string("x").to_msgpack(&Type::Number).is_err());
    let ty = Type::object([("a", Type::String)]);
    assert!(Value::object([("b", Value::Null)]).to_msgpack(&ty).is_err());
}

#[test]
fn types_round_trip_through_json() {
    let ty = all_types();
    assert_eq!(Type::from_json(&ty.to_json()).unwrap(), ty);
    assert_eq!(
        Type::set(Type::String).to_json().to_string(),
        r#"["set","string"]"#
    );
}

/// Integers, floats (kept as their exact binary value), and decimals of any
/// size and exponent, including the cases Terraform users write.
fn arb_number() -> BoxedStrategy<Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::Int),
        any::<u64>().prop_map(Number::from_u64),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        (any::<bool>(), "[1-9][0-9]{0,60}", -600i64..600).prop_map(|(neg, digits, exp)| {
            let sign = if neg { "-" } else { "" };
            Number::parse(&format!("{sign}{digits}e{exp}")).unwrap()
        }),
        prop::sample::select(vec!["0.1", "18446744073709551617", "1e400", "-1e-400", "0"])
            .prop_map(|s| Number::parse(s).unwrap()),
    ]
    .boxed()
}

fn arb_value(ty: Type) -> BoxedStrategy<Value> {
    let leaf = match &ty {
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::List(et) => prop::collection::vec(arb_value((**et).clone()), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(et) => prop::collection::vec(arb_value((**et).clone()), 0..4)
            .prop_map(Value::set)
            .boxed(),
        Type::Map(et) => prop::collection::btree_map("[a-z]{0,3}", arb_value((**et).clone()), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Object(attrs) => {
            let parts: Vec<_> = attrs
                .iter()
                .map(|(k, t)| (Just(k.clone()), arb_value(t.clone())))
                .collect();
            parts
                .prop_map(|kv| Value::Object(kv.into_iter().collect()))
                .boxed()
        }
        Type::Tuple(ets) => {
            let parts: Vec<_> = ets.iter().map(|t| arb_value(t.clone())).collect();
            parts.prop_map(Value::Tuple).boxed()
        }
        Type::Dynamic => Just(Value::Null).boxed(),
    };
    prop_oneof![8 => leaf, 1 => Just(Value::Null), 1 => Just(Value::Unknown)].boxed()
}

proptest! {
    #[test]
    fn any_value_round_trips(v in arb_value(all_types())) {
        let ty = all_types();
        let bytes = v.to_msgpack(&ty).unwrap();
        prop_assert_eq!(Value::from_msgpack(&bytes, &ty).unwrap(), v);
    }

    /// Through Terraform's JSON (as stored state holds it) and back.
    #[test]
    fn known_values_round_trip_through_json(v in arb_value(all_types())) {
        let ty = all_types();
        if let Some(j) = v.to_plain_json() {
            let text = serde_json::to_vec(&j).unwrap();
            prop_assert_eq!(Value::from_json(&text, &ty).unwrap(), v);
        }
    }

    /// Exact order and equality: a < b iff their difference is negative,
    /// and sets de-duplicate exactly.
    #[test]
    fn numbers_order_exactly(a in arb_number(), b in arb_number()) {
        use std::cmp::Ordering;
        let text_a = a.to_string();
        prop_assert_eq!(Number::parse(&text_a).unwrap(), a.clone());
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        prop_assert_eq!(a == b, a.cmp(&b) == Ordering::Equal);
        // Rounding is monotonic: the floats' order, where it is strict, is theirs.
        let (fa, fb) = (a.to_f64_lossy(), b.to_f64_lossy());
        if fa < fb {
            prop_assert_eq!(a.cmp(&b), Ordering::Less);
        }
        let set = Value::set(vec![Value::Number(a.clone()), Value::Number(b.clone())]);
        let Value::Set(items) = set else { unreachable!() };
        prop_assert_eq!(items.len(), if a == b { 1 } else { 2 });
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = Value::from_msgpack(&bytes, &all_types());
        let _ = Value::from_msgpack(&bytes, &Type::Dynamic);
        let _ = Value::from_json(&bytes, &all_types());
    }

    #[test]
    fn truncated_values_are_errors(v in arb_value(all_types()), cut in 0usize..64) {
        let ty = all_types();
        let bytes = v.to_msgpack(&ty).unwrap();
        if cut < bytes.len() {
            prop_assert!(Value::from_msgpack(&bytes[..cut], &ty).is_err());
        }
    }
}
