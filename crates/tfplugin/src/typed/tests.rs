use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::*;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
struct M {
    /// A.
    #[schemars(extend("x-tf-computed" = true, "x-tf-optional" = true))]
    a: Option<String>,
    /// B.
    b: Option<BTreeSet<String>>,
    /// N.
    n: Option<i64>,
}

fn schema() -> Schema {
    Schema::derive::<M>().unwrap()
}

#[test]
fn partial_models_keep_unknowns_apart() {
    let s = schema();
    let v = Value::object([
        ("a", Value::Unknown),
        ("b", Value::set(vec![Value::string("x"), Value::Unknown])),
        ("n", Value::from(3)),
    ]);
    let p: Partial<M> = Partial::from_value(&v, &s).unwrap();
    assert!(p.is_unknown(|m| &m.a) && p.is_unknown(|m| &m.b) && !p.is_unknown(|m| &m.n));
    assert_eq!(
        p.get(),
        &M {
            a: None,
            b: None,
            n: Some(3)
        }
    );
    // Only what changed is written back; the partly unknown set stays as is.
    let mut changed = p.clone();
    changed.set(|m| &mut m.a, Some("known".into()));
    changed.set_unknown(|m| &mut m.n);
    let mut out = v.clone();
    changed.merge_into(&mut out, &s).unwrap();
    assert_eq!(out.attr("a"), &Value::string("known"));
    assert!(out.attr("n").is_unknown());
    assert_eq!(out.attr("b"), v.attr("b"));
    let mut same = v.clone();
    p.merge_into(&mut same, &s).unwrap();
    assert_eq!(same, v);
}
