//! Connector updates, typed: the fields to change (whose names make the
//! update mask) and the endpoint to send them to.

use serde::Serialize;
use serde_json::{json, Value};

use super::Connector;
use crate::secret::Secret;

/// The `@type` of a connector's environment configuration.
pub const ENV_CONFIG_TYPE: &str = "type.googleapis.com/c1.api.app.v1.EnvConfig";

/// A connector's `config` carrying secret values, as ConductorOne's
/// `EnvConfig` expects: `{"@type": ..., "configuration": {key: {"stringValue": v}}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvConfig {
    values: Vec<(String, Secret)>,
}

impl EnvConfig {
    /// One secret value, or (`None`) an empty configuration: the secret removed.
    pub fn with_secret(key: &str, value: Option<&Secret>) -> Self {
        EnvConfig {
            values: value
                .map(|v| (key.to_string(), v.clone()))
                .into_iter()
                .collect(),
        }
    }

    pub fn to_json(&self) -> Value {
        let configuration: serde_json::Map<String, Value> = self
            .values
            .iter()
            .map(|(k, v)| (k.clone(), json!({ "stringValue": v.expose() })))
            .collect();
        json!({ "@type": ENV_CONFIG_TYPE, "configuration": configuration })
    }

    /// The secrets in it, to scrub from error messages.
    pub fn secrets(&self) -> impl Iterator<Item = &Secret> {
        self.values.iter().map(|(_, v)| v)
    }
}

/// The fields of a connector to change; those set make the update mask.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectorPatch {
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub user_ids: Option<Vec<String>>,
    pub config: Option<EnvConfig>,
}

/// The connector object of an update request.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody<'a> {
    id: &'a str,
    app_id: &'a str,
    catalog_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_ids: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<Value>,
}

impl ConnectorPatch {
    pub fn is_empty(&self) -> bool {
        self.mask().is_empty()
    }

    /// The update mask: the camelCase names of the fields set.
    pub fn mask(&self) -> Vec<&'static str> {
        let fields = [
            ("displayName", self.display_name.is_some()),
            ("description", self.description.is_some()),
            ("userIds", self.user_ids.is_some()),
            ("config", self.config.is_some()),
        ];
        fields
            .into_iter()
            .filter(|(_, set)| *set)
            .map(|(n, _)| n)
            .collect()
    }

    /// The `UpdateRequest` body for `current`.
    pub fn request_body(&self, current: &Connector) -> Value {
        let connector = PatchBody {
            id: &current.id,
            app_id: &current.app_id,
            catalog_id: &current.catalog_id,
            display_name: self.display_name.as_deref(),
            description: self.description.as_deref(),
            user_ids: self.user_ids.as_deref(),
            config: self.config.as_ref().map(EnvConfig::to_json),
        };
        json!({ "connector": connector, "updateMask": self.mask().join(",") })
    }
}

/// Which of ConductorOne's two connector update operations to call.
///
/// ConductorOne has `Update` (`POST .../connectors/{id}`, for a connector
/// with a config) and `UpdateDelegated` (`POST .../connectors/{id}/delegated`,
/// for a connector created pending its config). The official provider picks
/// `Update` when the Terraform token is set and `UpdateDelegated` when it is
/// null (`../shared/reference/conductorone.md` §1.5). We pick from facts
/// ConductorOne returned instead of from our configuration, so that a
/// connector configured outside Terraform (or imported) is updated through
/// the operation that fits it: an update carrying a config goes to `Update`;
/// otherwise the connector's own `config` decides (present: `Update`; absent
/// or null: still pending, `UpdateDelegated`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Update,
    UpdateDelegated,
}

impl Endpoint {
    pub fn for_update(current: &Connector, patch: &ConnectorPatch) -> Endpoint {
        let configured = current.config.as_ref().is_some_and(|c| !c.is_null());
        if patch.config.is_some() || configured {
            Endpoint::Update
        } else {
            Endpoint::UpdateDelegated
        }
    }

    /// The path below the connector's own.
    pub fn suffix(self) -> &'static str {
        match self {
            Endpoint::Update => "",
            Endpoint::UpdateDelegated => "/delegated",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mask_follows_the_fields_set() {
        let mut p = ConnectorPatch::default();
        assert!(p.is_empty());
        p.display_name = Some("n".into());
        p.user_ids = Some(vec!["u".into()]);
        assert_eq!(p.mask(), ["displayName", "userIds"]);
        let c = Connector {
            id: "c".into(),
            app_id: "a".into(),
            catalog_id: "k".into(),
            ..Default::default()
        };
        let body = p.request_body(&c);
        assert_eq!(body["updateMask"], "displayName,userIds");
        assert_eq!(body["connector"]["appId"], "a");
        assert!(body["connector"].get("config").is_none());
        assert_eq!(Endpoint::for_update(&c, &p), Endpoint::UpdateDelegated);
        p.config = Some(EnvConfig::with_secret("k", Some(&Secret::new("s"))));
        assert_eq!(Endpoint::for_update(&c, &p), Endpoint::Update);
        assert_eq!(
            p.request_body(&c)["connector"]["config"]["configuration"]["k"]["stringValue"],
            "s"
        );
        let configured = Connector {
            config: Some(json!({"@type": ENV_CONFIG_TYPE, "configuration": {}})),
            ..c
        };
        p.config = None;
        assert_eq!(Endpoint::for_update(&configured, &p), Endpoint::Update);
    }
}
