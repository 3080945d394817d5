//! Behaviour declared on a model's fields, after terraform-plugin-framework's
//! `Default`, `PlanModifiers` and `Validators`, and applied here for every
//! resource alike. A field declares it next to its doc comment:
//!
//! ```text
//! #[schemars(extend(
//!     "x-tf-default" = "Segment",
//!     "x-tf-plan" = ["use_state_for_unknown", "requires_replace"],
//!     "x-tf-validate" = ["not_empty", {"conflicts_with": ["app_id"]}],
//! ))]
//! ```
//!
//! [`Schema::derive`](crate::schema::Schema::derive) parses these into each
//! attribute's [`Behaviour`] (an unknown name fails the derivation, which each
//! model's unit test runs); [`validate`] and [`plan`] apply them.

use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use serde_json::Value as J;

use crate::diag::{AttributePath, Diagnostics};
use crate::schema::{Attribute, Schema};
use crate::value::Value;

/// What an attribute declares beyond its type and flags.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Behaviour {
    /// The value planned when the configuration leaves the attribute null
    /// (the attribute must be computed).
    pub default: Option<J>,
    pub plan: Vec<PlanModifier>,
    pub validators: Vec<Validator>,
    /// For a write-only attribute: the attribute to use instead with a
    /// Terraform that has no write-only attributes (before 1.11)
    /// (`"x-tf-write-only-fallback" = "name"`).
    pub write_only_fallback: Option<String>,
}

/// Plan modifiers, as the framework names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PlanModifier {
    /// Where the plan has the value unknown, keep the prior one (for values
    /// fixed once the object exists). Does nothing while the prior is null.
    UseStateForUnknown,
    /// A change to the value on an existing object replaces the object.
    RequiresReplace,
}

/// Validators, run on the configuration during `terraform validate` and
/// before every plan. Value validators pass null and unknown values (they
/// are checked once known); presence validators look at null-ness only.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Validator {
    /// A string, or each string element of a collection, is not blank.
    NotEmpty,
    /// A string, or each string element of a collection, can be one
    /// segment of a URL path as it is: not `.` or `..`, which a URL resolves
    /// away (an ID that would change the path of the request it is sent in).
    PathSegment,
    /// A string matches the pattern; `message` says what is expected.
    Regex { pattern: Pattern, message: String },
    /// A string is one of these.
    OneOf(Vec<String>),
    /// An absolute `https` URL (or `http` to a loopback address).
    Url,
    /// A string is itself a valid regular expression.
    ValidRegex,
    /// A collection has at least this many elements.
    MinItems(usize),
    /// None of these attributes may be set together with this one.
    ConflictsWith(Vec<String>),
    /// This attribute may be set only together with all of these.
    AlsoRequires(Vec<String>),
    /// Exactly one of this attribute and these must be set.
    ExactlyOneOf(Vec<String>),
}

/// A validator's regular expression, compiled when first used (compiling
/// costs more than deriving a schema, and most processes never validate the
/// attribute that declares it); equal when the text is.
#[derive(Clone, Debug, Deserialize)]
#[serde(from = "String")]
pub struct Pattern {
    text: String,
    compiled: Arc<OnceLock<Result<regex::Regex, regex::Error>>>,
}

impl From<String> for Pattern {
    fn from(text: String) -> Self {
        Pattern {
            text,
            compiled: Arc::default(),
        }
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Pattern {}

impl Pattern {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The compiled expression (compiled once).
    pub fn regex(&self) -> Result<&regex::Regex, &regex::Error> {
        self.compiled
            .get_or_init(|| regex::Regex::new(&self.text))
            .as_ref()
    }
}

/// Reads an attribute's declared behaviour from its JSON Schema.
pub(crate) fn parse(obj: &serde_json::Map<String, J>) -> Result<Behaviour, String> {
    let plan = match obj.get("x-tf-plan") {
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("x-tf-plan: {e}"))?,
        None => Vec::new(),
    };
    let validators: Vec<Validator> = match obj.get("x-tf-validate") {
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("x-tf-validate: {e}"))?,
        None => Vec::new(),
    };
    // A bad pattern is a programming error that each model's unit test
    // (a debug build) catches here; release builds compile it when first used.
    #[cfg(debug_assertions)]
    for v in &validators {
        if let Validator::Regex { pattern, .. } = v {
            pattern
                .regex()
                .map_err(|e| format!("x-tf-validate regex: {e}"))?;
        }
    }
    let write_only_fallback = match obj.get("x-tf-write-only-fallback") {
        None => None,
        Some(J::String(s)) => Some(s.clone()),
        Some(other) => return Err(format!("x-tf-write-only-fallback: not a name: {other}")),
    };
    Ok(Behaviour {
        default: obj.get("x-tf-default").cloned(),
        plan,
        validators,
        write_only_fallback,
    })
}

/// Checks the declarations against the schema they are part of.
pub(crate) fn check(schema: &Schema) -> Result<(), String> {
    for a in &schema.attributes {
        let b = &a.behaviour;
        if b.default.is_some() && !a.computed {
            return Err(format!("{}: a default needs a computed attribute", a.name));
        }
        if let Some(d) = &b.default {
            Value::from_plain_json(d, &a.value_type())
                .map_err(|e| format!("{}: default: {e}", a.name))?;
        }
        if let Some(f) = &b.write_only_fallback {
            if !a.write_only || schema.attribute(f).is_none() {
                return Err(format!(
                    "{}: a write-only fallback needs a write-only attribute and an existing one to fall back to ({f})",
                    a.name
                ));
            }
        }
        for v in &b.validators {
            let others = match v {
                Validator::ConflictsWith(o)
                | Validator::AlsoRequires(o)
                | Validator::ExactlyOneOf(o) => o,
                _ => continue,
            };
            if let Some(o) = others.iter().find(|o| schema.attribute(o).is_none()) {
                return Err(format!("{}: validator names unknown attribute {o}", a.name));
            }
        }
    }
    Ok(())
}

/// Write-only attributes need Terraform 1.11 or later, which says so in its
/// client capabilities. An older Terraform expects each planned value to
/// equal the configuration's and would fail the plan calling it a bug in
/// the provider; so a write-only attribute it sets (known or not) is an
/// error on that attribute here, at validation, naming the attribute the
/// model declares for older Terraform.
pub fn write_only_support(
    schema: &Schema,
    config: &Value,
    client: crate::framework::ClientCapabilities,
    diags: &mut Diagnostics,
) {
    if client.write_only_attributes_allowed {
        return;
    }
    for a in schema.attributes.iter().filter(|a| a.write_only) {
        if config.attr(&a.name).is_null() {
            continue;
        }
        let instead = match &a.behaviour.write_only_fallback {
            Some(f) => format!(" With this Terraform, set {f} instead (kept, marked sensitive, in the state), or upgrade Terraform."),
            None => " Upgrade Terraform, or leave it out.".to_string(),
        };
        diags.error_at(
            AttributePath::new(&a.name),
            format!("{}: write-only attributes need Terraform 1.11 or later", a.name),
            format!(
                "{} is write-only: Terraform keeps it out of the plan and the state, which this version of \
                 Terraform cannot do (write-only attributes came with Terraform 1.11).{instead}",
                a.name
            ),
        );
    }
}

/// Runs every attribute's declared validators over `config`.
pub fn validate(schema: &Schema, config: &Value, diags: &mut Diagnostics) {
    for a in &schema.attributes {
        for v in &a.behaviour.validators {
            check_one(v, a, config, diags);
        }
    }
}

fn check_one(v: &Validator, a: &Attribute, config: &Value, diags: &mut Diagnostics) {
    let value = config.attr(&a.name);
    let path = AttributePath::new(&a.name);
    match v {
        Validator::ConflictsWith(o) => conflicts(&a.name, o, config, diags),
        Validator::AlsoRequires(o) => also_requires(&a.name, o, config, diags),
        Validator::ExactlyOneOf(o) => exactly_one_of(&a.name, o, config, diags),
        _ if !value.is_wholly_known() || value.is_null() => {}
        Validator::NotEmpty => not_empty(value, &path, diags),
        Validator::PathSegment => crate::validate::path_segments(value, &path, diags),
        Validator::Regex { pattern, message } => {
            let s = value.as_str().unwrap_or_default();
            match pattern.regex() {
                Ok(r) if r.is_match(s) => {}
                Ok(_) => diags.error_at(path, "Invalid value", format!("{}: {message}.", a.name)),
                Err(e) => diags.error_at(
                    path,
                    "Invalid validator",
                    format!("The provider declares an invalid pattern for {}: {e}. This is a bug in the provider.", a.name),
                ),
            }
        }
        Validator::OneOf(allowed) => {
            let s = value.as_str().unwrap_or_default();
            if !allowed.iter().any(|x| x == s) {
                let detail = format!(
                    "{} must be one of {}; got {s:?}.",
                    a.name,
                    allowed.join(", ")
                );
                diags.error_at(path, "Invalid value", detail);
            }
        }
        Validator::Url => {
            crate::validate::service_url(value, &path, diags);
        }
        Validator::ValidRegex => {
            if let Err(e) = regex::Regex::new(value.as_str().unwrap_or_default()) {
                diags.error_at(path, "Invalid regular expression", e.to_string());
            }
        }
        Validator::MinItems(n) => {
            if value.elements().len() < *n {
                let detail = format!("{} needs at least {n} element(s).", a.name);
                diags.error_at(path, "Too few elements", detail);
            }
        }
    }
}

fn not_empty(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if matches!(value, Value::String(_)) {
        return crate::validate::not_empty(value, path, diags);
    }
    if value
        .elements()
        .iter()
        .any(|e| e.as_str().is_some_and(|s| s.trim().is_empty()))
    {
        diags.error_at(
            path.clone(),
            "Empty element",
            format!("{path} holds an empty string; each element must have a value."),
        );
    }
}

fn conflicts(name: &str, others: &[String], config: &Value, diags: &mut Diagnostics) {
    if config.attr(name).is_null() {
        return;
    }
    for o in others.iter().filter(|o| !config.attr(o).is_null()) {
        diags.error_at(
            AttributePath::new(name),
            "Conflicting attributes",
            format!("Only one of {name}, {o} may be set; found {name} and {o}."),
        );
    }
}

fn also_requires(name: &str, others: &[String], config: &Value, diags: &mut Diagnostics) {
    if config.attr(name).is_null() {
        return;
    }
    for o in others.iter().filter(|o| config.attr(o).is_null()) {
        diags.error_at(
            AttributePath::new(name),
            "Missing attribute",
            format!("{name} applies only with {o}: set {o} too, or leave {name} out."),
        );
    }
}

fn exactly_one_of(name: &str, others: &[String], config: &Value, diags: &mut Diagnostics) {
    let all: Vec<&str> = std::iter::once(name)
        .chain(others.iter().map(String::as_str))
        .collect();
    if all.iter().any(|n| config.attr(n).is_unknown()) {
        return;
    }
    let set: Vec<&str> = all
        .iter()
        .copied()
        .filter(|n| !config.attr(n).is_null())
        .collect();
    let list = all.join(" or ");
    match set.as_slice() {
        [_] => {}
        [] => diags.error("Missing attribute", format!("Set exactly one of {list}.")),
        [_, rest @ ..] => diags.error_at(
            AttributePath::new(rest[0]),
            "Conflicting attributes",
            format!("Set exactly one of {list}, not both."),
        ),
    }
}

/// The outcome of [`plan`].
#[derive(Debug, Default)]
pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<AttributePath>,
    /// The plan differs from the prior state (always so on create).
    pub changes: bool,
}

/// Applies the declared behaviour to Terraform's proposed new state, in the
/// framework's order: write-only values null, defaults where the
/// configuration is null, then (only when something changes) computed
/// attributes the configuration leaves null marked unknown, except those with
/// a default; then plan modifiers.
pub fn plan(schema: &Schema, prior: &Value, config: &Value, proposed: &Value) -> Planned {
    let mut state = proposed.clone();
    for a in &schema.attributes {
        if a.write_only {
            state.set_attr(&a.name, Value::Null);
        } else if let Some(d) = default_value(a, config) {
            state.set_attr(&a.name, d);
        }
    }
    let changes = prior.is_null() || *prior != state;
    if changes {
        mark_computed_unknown(schema, config, &mut state);
    }
    let mut requires_replace = Vec::new();
    for a in &schema.attributes {
        for m in &a.behaviour.plan {
            modify(*m, &a.name, prior, &mut state, &mut requires_replace);
        }
    }
    Planned {
        state,
        requires_replace,
        changes,
    }
}

/// The smallest configuration that plans no change from `state` (for
/// `-generate-config-out`): what the user sets, nothing more. Read-only,
/// deprecated, sensitive and write-only attributes are null (Terraform
/// writes a sensitive one as `null # sensitive`, never its value), and so is
/// an attribute whose value is its declared default.
pub fn config_from_state(schema: &Schema, state: &Value) -> Value {
    let mut config = state.clone();
    if state.is_null() {
        return config;
    }
    for a in &schema.attributes {
        let read_only = a.computed && !a.optional && !a.required;
        let secret = a.sensitive || a.write_only;
        let is_default = default_value(a, &Value::Null).is_some_and(|d| &d == state.attr(&a.name));
        if read_only || secret || a.deprecated.is_some() || is_default {
            config.set_attr(&a.name, Value::Null);
        }
    }
    config
}

fn default_value(a: &Attribute, config: &Value) -> Option<Value> {
    let d = a.behaviour.default.as_ref()?;
    if !config.attr(&a.name).is_null() {
        return None;
    }
    Value::from_plain_json(d, &a.value_type()).ok()
}

fn mark_computed_unknown(schema: &Schema, config: &Value, state: &mut Value) {
    for a in &schema.attributes {
        let defaulted = a.behaviour.default.is_some();
        if a.computed && !a.write_only && !defaulted && config.attr(&a.name).is_null() {
            state.set_attr(&a.name, Value::Unknown);
        }
    }
}

fn modify(
    m: PlanModifier,
    name: &str,
    prior: &Value,
    state: &mut Value,
    rr: &mut Vec<AttributePath>,
) {
    if prior.is_null() {
        return;
    }
    match m {
        PlanModifier::UseStateForUnknown => {
            if state.attr(name).is_unknown() && !prior.attr(name).is_null() {
                state.set_attr(name, prior.attr(name).clone());
            }
        }
        PlanModifier::RequiresReplace => {
            if prior.attr(name) != state.attr(name) {
                rr.push(AttributePath::new(name));
            }
        }
    }
}

#[cfg(test)]
mod tests;
