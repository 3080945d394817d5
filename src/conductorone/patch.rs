//! Connector updates, in the two forms ConductorOne's own code has sent
//! since 2023 (its Terraform provider's 148 integrations,
//! `../shared/reference/conductorone.md` §7), and no other:
//!
//! - `Update` (`POST /api/v1/apps/{app_id}/connectors/{id}`): the whole
//!   connector object with a new `config`, `updateMask: "config"`;
//! - `UpdateDelegated` (`POST .../connectors/{id}/delegated`): the whole
//!   object with `displayName` and `userIds` (both sent) and an empty
//!   config, `updateMask: "displayName,userIds"`.
//!
//! A connector's description is set when it is created and never updated.

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

/// One connector update, in one of the two proven forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectorUpdate {
    /// `Update` with `updateMask: "config"`.
    Config(EnvConfig),
    /// `UpdateDelegated` with `updateMask: "displayName,userIds"`.
    NameAndOwners {
        display_name: String,
        user_ids: Vec<String>,
    },
}

impl ConnectorUpdate {
    /// The path below the connector's own.
    pub fn suffix(&self) -> &'static str {
        match self {
            ConnectorUpdate::Config(_) => "",
            ConnectorUpdate::NameAndOwners { .. } => "/delegated",
        }
    }

    pub fn mask(&self) -> &'static str {
        match self {
            ConnectorUpdate::Config(_) => "config",
            ConnectorUpdate::NameAndOwners { .. } => "displayName,userIds",
        }
    }

    /// The secrets the request carries, to scrub from error messages.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            ConnectorUpdate::Config(c) => c.secrets().collect(),
            ConnectorUpdate::NameAndOwners { .. } => Vec::new(),
        }
    }

    /// The request body for `current` (as ConductorOne returned it): the
    /// whole connector object, as ConductorOne's own provider sends it.
    pub fn request_body(&self, current: &Connector) -> Value {
        let (display_name, user_ids, config) = match self {
            ConnectorUpdate::Config(c) => (
                current.display_name.as_str(),
                current.user_ids.as_slice(),
                c.to_json(),
            ),
            ConnectorUpdate::NameAndOwners {
                display_name,
                user_ids,
            } => (
                display_name.as_str(),
                user_ids.as_slice(),
                EnvConfig::default().to_json(),
            ),
        };
        json!({
            "connector": {
                "id": current.id,
                "appId": current.app_id,
                "catalogId": current.catalog_id,
                "displayName": display_name,
                "userIds": user_ids,
                "config": config,
            },
            "updateMask": self.mask(),
        })
    }

    /// What of this update `answer` (ConductorOne's connector after it) did
    /// not take: the field's name and the value ConductorOne kept.
    pub fn not_taken(&self, answer: &Connector) -> Option<(&'static str, String)> {
        match self {
            ConnectorUpdate::Config(c) => {
                let set = c.secrets().next().is_some();
                let has = answer.config.as_ref().is_some_and(|v| !v.is_null());
                (set && !has).then(|| ("config", "no configuration".to_string()))
            }
            ConnectorUpdate::NameAndOwners {
                display_name,
                user_ids,
            } => {
                if &answer.display_name != display_name {
                    return Some(("displayName", format!("{:?}", answer.display_name)));
                }
                let (mut want, mut have) = (user_ids.clone(), answer.user_ids.clone());
                want.sort();
                have.sort();
                (want != have).then(|| ("userIds", format!("{:?}", answer.user_ids)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current() -> Connector {
        Connector {
            id: "c".into(),
            app_id: "a".into(),
            catalog_id: "k".into(),
            display_name: "Twilio Segment".into(),
            user_ids: vec!["u1".into()],
            ..Default::default()
        }
    }

    #[test]
    fn the_two_forms_are_the_official_providers() {
        let c = current();
        let names = ConnectorUpdate::NameAndOwners {
            display_name: "Segment".into(),
            user_ids: vec!["u2".into()],
        };
        let body = names.request_body(&c);
        assert_eq!(names.suffix(), "/delegated");
        assert_eq!(body["updateMask"], "displayName,userIds");
        assert_eq!(body["connector"]["displayName"], "Segment");
        assert_eq!(body["connector"]["userIds"], json!(["u2"]));
        assert_eq!(
            body["connector"]["config"],
            json!({"@type": ENV_CONFIG_TYPE, "configuration": {}})
        );
        assert!(body["connector"].get("description").is_none());
        let token = Secret::new("s");
        let config = ConnectorUpdate::Config(EnvConfig::with_secret("token", Some(&token)));
        let body = config.request_body(&c);
        assert_eq!(config.suffix(), "");
        assert_eq!(body["updateMask"], "config");
        assert_eq!(body["connector"]["displayName"], "Twilio Segment");
        assert_eq!(body["connector"]["userIds"], json!(["u1"]));
        assert_eq!(
            body["connector"]["config"]["configuration"]["token"]["stringValue"],
            "s"
        );
        assert_eq!(config.secrets().len(), 1);
    }

    #[test]
    fn what_the_server_did_not_take_is_named() {
        let names = ConnectorUpdate::NameAndOwners {
            display_name: "Segment".into(),
            user_ids: vec!["u2".into(), "u1".into()],
        };
        let mut answer = current();
        assert_eq!(
            names.not_taken(&answer),
            Some(("displayName", "\"Twilio Segment\"".into()))
        );
        answer.display_name = "Segment".into();
        assert_eq!(names.not_taken(&answer).map(|(f, _)| f), Some("userIds"));
        answer.user_ids = vec!["u1".into(), "u2".into()];
        assert_eq!(names.not_taken(&answer), None);
        let token = Secret::new("s");
        let config = ConnectorUpdate::Config(EnvConfig::with_secret("token", Some(&token)));
        assert!(config.not_taken(&answer).is_some());
        answer.config = Some(json!({"@type": ENV_CONFIG_TYPE, "configuration": {}}));
        assert_eq!(config.not_taken(&answer), None);
    }
}
