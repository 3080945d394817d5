//! Plan helpers, after terraform-plugin-framework's defaults and plan
//! modifiers, kept apart from schemas and validators. A resource's `plan`
//! starts from Terraform's proposed new state and applies these in order:
//! defaults, then [`mark_computed_unknown`] when something changes, then
//! [`use_state_for_unknown`] for values that never change once set.

use crate::diag::AttributePath;
use crate::schema::Schema;
use crate::value::Value;

/// Sets `attr` to `default` when the configuration leaves it null.
pub fn default_if_null(planned: &mut Value, config: &Value, attr: &str, default: Value) {
    if config.attr(attr).is_null() {
        planned.set_attr(attr, default);
    }
}

/// Marks every computed attribute that the configuration leaves null as
/// unknown: the apply may change any of them. Call it only when the plan
/// differs from the prior state, as the framework does.
pub fn mark_computed_unknown(schema: &Schema, config: &Value, planned: &mut Value) {
    for a in &schema.attributes {
        if a.computed && config.attr(&a.name).is_null() && !a.write_only {
            planned.set_attr(&a.name, Value::Unknown);
        }
    }
}

/// Keeps the prior value of `attr` where the plan has it unknown (for values
/// such as IDs that are fixed once the object exists).
pub fn use_state_for_unknown(planned: &mut Value, prior: &Value, attr: &str) {
    if prior.is_null() {
        return;
    }
    if planned.attr(attr).is_unknown() {
        planned.set_attr(attr, prior.attr(attr).clone());
    }
}

/// `attr` when changing it needs a new object: on an update whose planned
/// value differs from the prior one. Never on create or destroy.
pub fn requires_replace(prior: &Value, planned: &Value, attr: &str) -> Option<AttributePath> {
    if prior.is_null() || planned.is_null() {
        return None;
    }
    (prior.attr(attr) != planned.attr(attr)).then(|| AttributePath::new(attr))
}

/// The attributes among `attrs` whose planned value differs from the prior one.
pub fn changed<'a>(prior: &Value, planned: &Value, attrs: &[&'a str]) -> Vec<&'a str> {
    attrs
        .iter()
        .copied()
        .filter(|a| prior.attr(a) != planned.attr(a))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, AttributeType, DescriptionKind};
    use crate::value::Type;

    fn attr(name: &str, optional: bool, computed: bool) -> Attribute {
        Attribute {
            name: name.into(),
            ty: AttributeType::Type(Type::String),
            description: String::new(),
            description_kind: DescriptionKind::Plain,
            required: false,
            optional,
            computed,
            sensitive: false,
            write_only: false,
            deprecated: None,
        }
    }

    #[test]
    fn framework_order_of_plan_helpers() {
        let schema = Schema {
            attributes: vec![
                attr("id", false, true),
                attr("name", true, true),
                attr("note", true, false),
            ],
            ..Schema::default()
        };
        let prior = Value::object([
            ("id", Value::string("x")),
            ("name", Value::string("old")),
            ("note", Value::string("a")),
        ]);
        let config = Value::object([
            ("id", Value::Null),
            ("name", Value::Null),
            ("note", Value::string("b")),
        ]);
        let mut planned = Value::object([
            ("id", Value::string("x")),
            ("name", Value::string("old")),
            ("note", Value::string("b")),
        ]);
        default_if_null(&mut planned, &config, "name", Value::string("default"));
        assert_eq!(
            changed(&prior, &planned, &["name", "note"]),
            ["name", "note"]
        );
        mark_computed_unknown(&schema, &config, &mut planned);
        assert!(planned.attr("id").is_unknown());
        assert!(planned.attr("name").is_unknown());
        assert_eq!(planned.attr("note"), &Value::string("b"));
        use_state_for_unknown(&mut planned, &prior, "id");
        assert_eq!(planned.attr("id"), &Value::string("x"));
        assert_eq!(
            requires_replace(&prior, &planned, "note"),
            Some(AttributePath::new("note"))
        );
        assert_eq!(requires_replace(&Value::Null, &planned, "note"), None);
        assert_eq!(requires_replace(&prior, &planned, "id"), None);
    }
}
