//! The ConductorOne objects we read, decoded leniently: proto3 JSON may omit
//! a field, send it as null, or add fields we do not know.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A string that may be absent or null.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A list that may be absent or null.
fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// A connector (`c1.api.app.v1.Connector`) with its public config.
pub type Connector = ConnectorOf<Option<Value>>;

/// A connector as a discovery lists it: whether it has a config, not the
/// config itself (a server may send megabytes of it, which decoded into a
/// tree cost many times their size; listing never reads them).
pub type ListedConnector = ConnectorOf<Present>;

/// Whether a field was there; its value is skipped without being kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Present(pub bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Present, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Present(true))
    }
}

/// A connector (`c1.api.app.v1.Connector`), its `config` read as `C`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorOf<C> {
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub app_id: String,
    #[serde(default, deserialize_with = "text")]
    pub catalog_id: String,
    #[serde(default, deserialize_with = "text")]
    pub display_name: String,
    #[serde(default, deserialize_with = "text")]
    pub description: String,
    #[serde(default, deserialize_with = "list")]
    pub user_ids: Vec<String>,
    /// The public part of the config (secret values are never returned).
    #[serde(default)]
    pub config: C,
    #[serde(default)]
    pub status: Option<ConnectorStatus>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub deleted_at: Option<String>,
    /// Set while syncing is paused or disabled (`POST .../pause`).
    #[serde(default)]
    pub sync_disabled_at: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub sync_disabled_reason: String,
}

impl<C> ConnectorOf<C> {
    /// Whether syncing is paused (or otherwise disabled): ConductorOne's
    /// spec names `syncDisabledAt` and `SYNC_STATUS_DISABLED`, but not which
    /// a pause sets, so either counts.
    pub fn paused(&self) -> bool {
        self.sync_disabled_at
            .as_deref()
            .is_some_and(|t| !t.is_empty())
            || self
                .status
                .as_ref()
                .is_some_and(|s| s.status == "SYNC_STATUS_DISABLED")
    }

    /// The last sync's error, when the last sync ended in error.
    pub fn sync_error(&self) -> Option<&ConnectorStatus> {
        self.status
            .as_ref()
            .filter(|s| s.status == "SYNC_STATUS_ERROR")
    }
}

/// A connector's sync state (`c1.api.app.v1.ConnectorStatus`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorStatus {
    #[serde(default, deserialize_with = "text")]
    pub status: String,
    #[serde(default, deserialize_with = "text")]
    pub last_error: String,
    /// When the current or last sync started (RFC 3339).
    #[serde(default)]
    pub started_at: Option<String>,
    /// When the last sync ended (RFC 3339).
    #[serde(default)]
    pub completed_at: Option<String>,
}

/// An app (`c1.api.app.v1.App`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub display_name: String,
    #[serde(default, deserialize_with = "text")]
    pub description: String,
    /// When the app was made (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub deleted_at: Option<String>,
}

/// A user (`c1.api.user.v1.User`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub email: String,
    #[serde(default, deserialize_with = "text")]
    pub display_name: String,
    /// `ENABLED`, `DISABLED`, `DELETED` or `UNKNOWN`.
    #[serde(default, deserialize_with = "text")]
    pub status: String,
    /// The IDs of the ConductorOne roles the user holds (absent when none).
    #[serde(default, deserialize_with = "list")]
    pub role_ids: Vec<String>,
    #[serde(default)]
    pub deleted_at: Option<String>,
}

impl User {
    /// How a person knows the user: the email, else the display name (either
    /// may be empty).
    pub fn name(&self) -> &str {
        if self.email.is_empty() {
            &self.display_name
        } else {
            &self.email
        }
    }
}

/// A ConductorOne role (`c1.api.iam.v1.Role`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    /// The name ConductorOne shows, such as `Connector Administrator`.
    #[serde(default, deserialize_with = "text")]
    pub display_name: String,
    /// The role's internal name.
    #[serde(default, deserialize_with = "text")]
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_and_unknown_fields_are_tolerated() {
        let c: Connector = serde_json::from_str(
            r#"{"id":"c","appId":null,"userIds":null,"status":{"status":"SYNC_STATUS_DONE","lastError":null},"future":1}"#,
        )
        .unwrap();
        assert_eq!(c.app_id, "");
        assert!(c.user_ids.is_empty());
        assert_eq!(c.status.unwrap().status, "SYNC_STATUS_DONE");
    }
}
