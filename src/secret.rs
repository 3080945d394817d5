//! A string that never prints itself, and is wiped from memory when dropped.

use std::fmt;

use zeroize::Zeroizing;

/// A secret value: tokens, client secrets, OIDC and access tokens. `Debug`
/// and `Display` print `REDACTED`, so a secret cannot reach a log line or an
/// error message by accident; [`Secret::expose`] is the one way to read it.
/// Its memory is zeroed when it is dropped.
///
/// In a model, a `Secret` attribute is a string: it serializes to its value
/// (Terraform stores sensitive attributes that are not write-only), and it
/// is empty by default.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// A secret; from now on no text the provider sends out (diagnostics,
    /// logs) shows it, raw or encoded ([`tfplugin::redact`]).
    pub fn new(s: impl Into<String>) -> Self {
        let s = Zeroizing::new(s.into());
        tfplugin::redact::register(&s);
        Secret(s)
    }
    /// A value sent among secrets (a form's `grant_type`, a client ID) that
    /// is not one itself: it may be shown.
    pub fn public(s: impl Into<String>) -> Self {
        Secret(Zeroizing::new(s.into()))
    }
    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A part of a secret that a server might echo alone (the key inside a
/// client secret): never shown either, like a [`Secret`].
pub fn hide(part: &str) {
    tfplugin::redact::register(part);
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(REDACTED)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("REDACTED")
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret::new(v))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Secret, E> {
                Ok(Secret::new(v))
            }
        }
        d.deserialize_string(V)
    }
}

impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "REDACTED Secret(REDACTED)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn reads_and_writes_as_a_string() {
        let s: Secret = serde_json::from_str("\"hunter2\"").unwrap();
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"hunter2\"");
        #[derive(Debug, serde::Deserialize)]
        struct M {
            #[allow(dead_code)]
            token: Option<Secret>,
        }
        let m: M = serde_json::from_str(r#"{"token":"hunter2"}"#).unwrap();
        assert!(
            !format!("{m:?}").contains("hunter2"),
            "a model's Debug hides it"
        );
    }
}
