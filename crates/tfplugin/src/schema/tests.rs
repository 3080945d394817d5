use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;

use super::*;

/// A thing with every kind of attribute.
///
/// Second paragraph,
/// over two lines.
#[derive(JsonSchema)]
#[schemars(extend("x-tf-version" = 2))]
#[allow(dead_code)]
struct Model {
    /// Required string.
    name: String,
    /// Optional bool.
    enabled: Option<bool>,
    /// Computed id.
    #[schemars(extend("x-tf-computed" = true))]
    id: Option<String>,
    /// Optional and computed.
    #[schemars(extend("x-tf-computed" = true, "x-tf-optional" = true))]
    display_name: Option<String>,
    /// Secret.
    #[schemars(extend("x-tf-sensitive" = true))]
    token: Option<String>,
    /// Write-only secret.
    #[schemars(extend("x-tf-sensitive" = true, "x-tf-write-only" = true))]
    token_wo: Option<String>,
    /// Old.
    #[schemars(extend("deprecated" = true, "x-tf-deprecation" = "Use name."))]
    old: Option<String>,
    /// A number.
    count: Option<i64>,
    /// A float.
    ratio: Option<f64>,
    /// A list.
    tags: Option<Vec<String>>,
    /// A set.
    owners: Option<BTreeSet<String>>,
    /// A map.
    labels: Option<BTreeMap<String, String>>,
    /// A single nested object.
    settings: Option<Inner>,
    /// A list of nested objects.
    rules: Option<Vec<Inner>>,
    /// A set of nested objects.
    #[schemars(extend("x-tf-computed" = true))]
    members: Option<BTreeSet<Inner>>,
}

#[derive(JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
#[allow(dead_code)]
struct Inner {
    /// Inner id.
    id: String,
    /// Inner numbers.
    values: Option<Vec<i64>>,
}

fn attr<'a>(s: &'a Schema, name: &str) -> &'a Attribute {
    s.attribute(name)
        .unwrap_or_else(|| panic!("no attribute {name}"))
}

#[test]
fn derives_every_kind() {
    let s = Schema::derive::<Model>().unwrap();
    assert_eq!(s.version, 2);
    assert_eq!(
        s.description,
        "A thing with every kind of attribute.\n\nSecond paragraph, over two lines."
    );
    let name = attr(&s, "name");
    assert!(name.required && !name.optional && !name.computed);
    assert_eq!(name.description, "Required string.");
    assert_eq!(name.description_kind, DescriptionKind::Markdown);
    assert!(attr(&s, "enabled").optional);
    let id = attr(&s, "id");
    assert!(id.computed && !id.optional && !id.required);
    let dn = attr(&s, "display_name");
    assert!(dn.computed && dn.optional);
    assert!(attr(&s, "token").sensitive);
    let wo = attr(&s, "token_wo");
    assert!(wo.write_only && wo.sensitive && wo.optional);
    assert_eq!(attr(&s, "old").deprecated.as_deref(), Some("Use name."));
    assert_eq!(attr(&s, "count").value_type(), Type::Number);
    assert_eq!(attr(&s, "ratio").value_type(), Type::Number);
    assert_eq!(attr(&s, "tags").value_type(), Type::list(Type::String));
    assert_eq!(attr(&s, "owners").value_type(), Type::set(Type::String));
    assert_eq!(attr(&s, "labels").value_type(), Type::map(Type::String));
    let inner = Type::object([("id", Type::String), ("values", Type::list(Type::Number))]);
    assert_eq!(attr(&s, "settings").value_type(), inner);
    assert_eq!(attr(&s, "rules").value_type(), Type::list(inner.clone()));
    assert_eq!(attr(&s, "members").value_type(), Type::set(inner));
    match &attr(&s, "rules").ty {
        AttributeType::Nested {
            nesting: Nesting::List,
            attributes,
        } => {
            assert!(attributes.iter().any(|a| a.name == "id" && a.required));
            assert!(attributes.iter().any(|a| a.name == "values" && a.optional));
        }
        other => panic!("rules should be nested, got {other:?}"),
    }
}

#[test]
fn proto_carries_every_flag() {
    let p = Schema::derive::<Model>().unwrap().to_proto();
    let block = p.block.unwrap();
    assert_eq!(p.version, 2);
    let get = |n: &str| {
        block
            .attributes
            .iter()
            .find(|a| a.name == n)
            .unwrap()
            .clone()
    };
    assert_eq!(get("name").r#type, b"\"string\"");
    assert_eq!(get("owners").r#type, b"[\"set\",\"string\"]");
    let wo = get("token_wo");
    assert!(wo.write_only && wo.sensitive && wo.optional);
    let old = get("old");
    assert!(old.deprecated);
    assert_eq!(old.deprecation_message, "Use name.");
    let rules = get("rules");
    assert!(rules.r#type.is_empty());
    let nested = rules.nested_type.unwrap();
    assert_eq!(nested.nesting, pb::schema::object::NestingMode::List as i32);
    assert_eq!(nested.attributes.len(), 2);
}

#[derive(JsonSchema)]
#[allow(dead_code)]
struct BadWriteOnlyInSet {
    /// Items.
    items: Option<BTreeSet<WoItem>>,
}

#[derive(JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
#[allow(dead_code)]
struct WoItem {
    /// Secret.
    #[schemars(extend("x-tf-write-only" = true))]
    secret: Option<String>,
}

#[test]
fn rejects_what_terraform_rejects() {
    let e = Schema::derive::<BadWriteOnlyInSet>().unwrap_err();
    assert!(e.message.contains("write-only"), "{e}");
}

#[test]
fn reflow_keeps_structure() {
    assert_eq!(reflow("a\nb\n\nc"), "a b\n\nc");
    assert_eq!(
        reflow("list:\n- one\n  more\n- two"),
        "list:\n- one more\n- two"
    );
    assert_eq!(reflow("```\nx\ny\n```\nz"), "```\nx\ny\n```\nz");
}

#[test]
fn nested_attributes_of_computed_attributes_are_computed() {
    let s = Schema::derive::<Model>().unwrap();
    match &attr(&s, "members").ty {
        AttributeType::Nested { attributes, .. } => {
            assert!(attributes
                .iter()
                .all(|a| a.computed && !a.required && !a.optional));
        }
        other => panic!("{other:?}"),
    }
}
