use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::*;

/// A model declaring each kind of behaviour.
#[derive(Serialize, Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Thing {
    /// ID.
    #[schemars(extend("x-tf-computed" = true, "x-tf-plan" = ["use_state_for_unknown"]))]
    id: Option<String>,
    /// Name.
    #[schemars(extend("x-tf-optional" = true, "x-tf-computed" = true, "x-tf-default" = "thing", "x-tf-validate" = ["not_empty"]))]
    name: Option<String>,
    /// Home.
    #[schemars(extend("x-tf-optional" = true, "x-tf-computed" = true, "x-tf-plan" = ["use_state_for_unknown", "requires_replace"], "x-tf-validate" = [{"conflicts_with": ["place"]}]))]
    home: Option<String>,
    /// Place.
    #[schemars(extend("x-tf-validate" = [{"one_of": ["here", "there"]}]))]
    place: Option<String>,
    /// Site.
    #[schemars(extend("x-tf-validate" = ["url", {"regex": {"pattern": "^https", "message": "use https"}}]))]
    site: Option<String>,
    /// Tags.
    #[schemars(extend("x-tf-validate" = [{"min_items": 1}, "not_empty"]))]
    tags: Option<BTreeSet<String>>,
    /// Version.
    #[schemars(extend("x-tf-validate" = [{"also_requires": ["secret"]}]))]
    version: Option<i64>,
    /// Secret.
    #[schemars(extend("x-tf-write-only" = true, "x-tf-sensitive" = true, "x-tf-write-only-fallback" = "site"))]
    secret: Option<String>,
    /// Pattern.
    #[schemars(extend("x-tf-validate" = ["valid_regex", {"exactly_one_of": ["place"]}]))]
    pattern: Option<String>,
}

fn schema() -> Schema {
    Schema::derive::<Thing>().unwrap()
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    let mut v = Value::null_object(&schema().value_type());
    for (k, x) in pairs {
        v.set_attr(k, x.clone());
    }
    v
}

fn errors(config: &Value) -> Vec<(String, String)> {
    let mut d = Diagnostics::new();
    validate(&schema(), config, &mut d);
    d.iter()
        .map(|d| {
            let at = d.path.as_ref().map(ToString::to_string).unwrap_or_default();
            (at, d.summary.clone())
        })
        .collect()
}

#[test]
fn declarations_are_parsed() {
    let s = schema();
    let home = &s.attribute("home").unwrap().behaviour;
    assert_eq!(
        home.plan,
        [
            PlanModifier::UseStateForUnknown,
            PlanModifier::RequiresReplace
        ]
    );
    assert_eq!(
        home.validators,
        [Validator::ConflictsWith(vec!["place".into()])]
    );
    assert_eq!(
        s.attribute("name").unwrap().behaviour.default,
        Some(J::from("thing"))
    );
}

#[test]
fn bad_declarations_fail_the_derivation() {
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Typo {
        #[schemars(extend("x-tf-validate" = ["not_emtpy"]))]
        a: Option<String>,
    }
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct DefaultNotComputed {
        #[schemars(extend("x-tf-default" = "x"))]
        a: Option<String>,
    }
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct NoSuchOther {
        #[schemars(extend("x-tf-validate" = [{"conflicts_with": ["b"]}]))]
        a: Option<String>,
    }
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct BadRegex {
        #[schemars(extend("x-tf-validate" = [{"regex": {"pattern": "(", "message": "m"}}]))]
        a: Option<String>,
    }
    assert!(Schema::derive::<Typo>()
        .unwrap_err()
        .to_string()
        .contains("not_emtpy"));
    assert!(Schema::derive::<DefaultNotComputed>().is_err());
    assert!(Schema::derive::<NoSuchOther>()
        .unwrap_err()
        .to_string()
        .contains("unknown attribute b"));
    assert!(Schema::derive::<BadRegex>().is_err());
}

#[test]
fn validators_name_the_attribute() {
    let ok = obj(&[("place", Value::string("here"))]);
    assert_eq!(errors(&ok), []);
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            obj(&[
                ("place", Value::string("here")),
                ("name", Value::string(" ")),
            ]),
            "name",
            "Empty value",
        ),
        (
            obj(&[
                ("place", Value::string("here")),
                ("home", Value::string("h")),
            ]),
            "home",
            "Conflicting attributes",
        ),
        (
            obj(&[("place", Value::string("nowhere"))]),
            "place",
            "Invalid value",
        ),
        (
            obj(&[
                ("place", Value::string("here")),
                ("site", Value::string("http://x.example")),
            ]),
            "site",
            "Invalid URL",
        ),
        (
            obj(&[
                ("place", Value::string("here")),
                ("tags", Value::set(vec![])),
            ]),
            "tags",
            "Too few elements",
        ),
        (
            obj(&[
                ("place", Value::string("here")),
                ("tags", Value::set(vec![Value::string("")])),
            ]),
            "tags",
            "Empty element",
        ),
        (
            obj(&[
                ("place", Value::string("here")),
                ("version", Value::from(1)),
            ]),
            "version",
            "Missing attribute",
        ),
        (
            obj(&[("pattern", Value::string("("))]),
            "pattern",
            "Invalid regular expression",
        ),
        (
            obj(&[
                ("pattern", Value::string("a")),
                ("place", Value::string("here")),
            ]),
            "place",
            "Conflicting attributes",
        ),
    ];
    for (config, at, summary) in cases {
        let got = errors(&config);
        assert!(
            got.contains(&(at.to_string(), summary.to_string())),
            "{at}: {got:?}"
        );
    }
    let none = errors(&obj(&[]));
    assert_eq!(none, [(String::new(), "Missing attribute".to_string())]);
    // Unknown values wait until they are known.
    let unknown = obj(&[
        ("place", Value::Unknown),
        ("site", Value::Unknown),
        ("tags", Value::Unknown),
    ]);
    assert_eq!(errors(&unknown), []);
}

#[test]
fn plan_applies_defaults_then_marks_unknown_then_modifiers() {
    let s = schema();
    let config = obj(&[("home", Value::string("h")), ("secret", Value::string("s"))]);
    // Create: defaults, write-only null, computed unknown.
    let p = plan(&s, &Value::Null, &config, &config);
    assert!(p.changes);
    assert_eq!(p.state.attr("name"), &Value::string("thing"));
    assert!(p.state.attr("secret").is_null());
    assert!(p.state.attr("id").is_unknown());
    assert!(p.requires_replace.is_empty());
    // No change: the prior state is the plan.
    let prior = obj(&[
        ("id", Value::string("1")),
        ("name", Value::string("thing")),
        ("home", Value::string("h")),
    ]);
    let p = plan(&s, &prior, &config, &prior);
    assert!(!p.changes);
    assert_eq!(p.state, prior);
    // A change: id kept (use state for unknown), home replaces.
    let config = obj(&[("home", Value::string("g"))]);
    let mut proposed = prior.clone();
    proposed.set_attr("home", Value::string("g"));
    let p = plan(&s, &prior, &config, &proposed);
    assert!(p.changes);
    assert_eq!(p.state.attr("id"), &Value::string("1"));
    assert_eq!(p.requires_replace, [AttributePath::new("home")]);
    // A null prior value stays unknown.
    let mut no_id = prior.clone();
    no_id.set_attr("id", Value::Null);
    let p = plan(&s, &no_id, &config, &proposed);
    assert!(p.state.attr("id").is_unknown());
}

#[test]
fn generated_config_keeps_only_what_a_user_sets() {
    let state = obj(&[
        ("id", Value::string("i-1")),
        ("name", Value::string("thing")),
        ("home", Value::string("h")),
        ("place", Value::string("here")),
        ("secret", Value::string("s")),
    ]);
    let want = obj(&[
        ("home", Value::string("h")),
        ("place", Value::string("here")),
    ]);
    assert_eq!(
        config_from_state(&schema(), &state),
        want,
        "read-only, default and secret left out"
    );
    let named = obj(&[("name", Value::string("other"))]);
    assert_eq!(
        config_from_state(&schema(), &named),
        named,
        "a name other than the default stays"
    );
    assert_eq!(config_from_state(&schema(), &Value::Null), Value::Null);
}

#[test]
fn patterns_compile_once_and_compare_by_text() {
    let p = Pattern::from("^[1-9][0-9]*s$".to_string());
    assert!(
        std::ptr::eq(p.regex().unwrap(), p.clone().regex().unwrap()),
        "clones share the compiled expression"
    );
    assert!(p.regex().unwrap().is_match("90s"));
    assert_eq!(p, Pattern::from("^[1-9][0-9]*s$".to_string()));
    assert!(Pattern::from("(".to_string()).regex().is_err());
}

/// Before Terraform 1.11 (no `write_only_attributes_allowed`), a write-only
/// attribute set in the configuration, known or not, is an error on it
/// naming the declared fallback; with 1.11 and later, nothing.
#[test]
fn write_only_attributes_need_a_terraform_that_has_them() {
    use crate::framework::ClientCapabilities;
    let s = schema();
    let old = ClientCapabilities::default();
    let new = ClientCapabilities {
        write_only_attributes_allowed: true,
        ..Default::default()
    };
    for v in [Value::string("x"), Value::Unknown] {
        let config = obj(&[("secret", v)]);
        let mut d = Diagnostics::new();
        write_only_support(&s, &config, old, &mut d);
        let e = d.iter().next().expect("an error");
        assert_eq!(e.path, Some(AttributePath::new("secret")));
        assert!(
            e.summary.contains("Terraform 1.11 or later"),
            "{}",
            e.summary
        );
        assert!(e.detail.contains("set site instead"), "{}", e.detail);
        assert!(!e.detail.contains("bug"), "{}", e.detail);
        let mut d = Diagnostics::new();
        write_only_support(&s, &config, new, &mut d);
        assert!(d.is_empty());
    }
    let mut d = Diagnostics::new();
    write_only_support(&s, &obj(&[]), old, &mut d);
    assert!(d.is_empty(), "not set: nothing to say");
}
