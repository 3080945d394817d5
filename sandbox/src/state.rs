//! The sandbox's data: ConductorOne apps, connectors and users, and a Segment
//! workspace with roles, groups and users. Everything is in memory, behind one
//! mutex, and optionally saved to `--state-file`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::ids::Ids;

/// The Segment connector's catalog id in ConductorOne.
pub const SEGMENT_CATALOG_ID: &str = "2YuQMfugzij8vRI4FGkYNcMxgOe";
pub const ENV_CONFIG_TYPE: &str = "type.googleapis.com/c1.api.app.v1.EnvConfig";

pub fn rfc3339(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    pub id: String,
    pub display_name: String,
    pub description: String,
    pub created_at: String,
    pub updated_at: String,
}

impl App {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "displayName": self.display_name,
            "description": self.description,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "deletedAt": null,
            "isDirectory": false,
            "isManuallyManaged": true,
            "userCount": "0",
            "monthlyCostUsd": 0,
            "appOwners": [],
            "iconUrl": "",
            "logoUri": "",
            "parentAppId": "",
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub status: String,
    pub last_error: String,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub updated_at: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connector {
    pub id: String,
    pub app_id: String,
    pub catalog_id: String,
    pub display_name: String,
    pub description: String,
    pub user_ids: Vec<String>,
    /// The config as sent, secrets included; never returned as is.
    pub config: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub status: SyncStatus,
    /// When the running sync finishes (unix milliseconds).
    pub sync_done_at_ms: Option<u128>,
    /// Set while the connector is paused (`POST .../pause`).
    #[serde(default)]
    pub paused: Option<Paused>,
}

/// A paused connector: since when, and how the API shows it
/// (`--c1-paused-as`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Paused {
    pub at: String,
    /// Shown as `status.status` `SYNC_STATUS_DISABLED` rather than by
    /// `syncDisabledAt` and `syncDisabledReason`.
    pub as_status: bool,
}

/// Config keys whose values are secret and never returned.
const SECRET_KEYS: &[&str] = &[
    "segment_access_token",
    "token",
    "client_secret",
    "api_key",
    "password",
];

impl Connector {
    /// The config with secret values removed.
    pub fn public_config(&self) -> Value {
        let Some(cfg) = &self.config else {
            return Value::Null;
        };
        let mut cfg = cfg.clone();
        if let Some(conf) = cfg.get_mut("configuration").and_then(Value::as_object_mut) {
            conf.retain(|k, _| !SECRET_KEYS.contains(&k.as_str()));
        }
        cfg
    }

    /// The keys of the config's `configuration`, sorted.
    pub fn config_keys(&self) -> Vec<String> {
        let conf = self.config.as_ref().and_then(|c| c.get("configuration"));
        let mut keys: Vec<String> = conf
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }

    /// The Segment token in the config (under `key`, the catalog's secret
    /// field), if any.
    pub fn segment_token(&self, key: &str) -> Option<String> {
        let v = self.config.as_ref()?.get("configuration")?.get(key)?;
        v.get("stringValue")
            .and_then(Value::as_str)
            .or_else(|| v.as_str())
            .map(str::to_string)
    }

    pub fn to_json(&self) -> Value {
        let mut status = self.status.clone();
        // What a pause sets is undocumented beyond `syncDisabledAt`
        // existing: the reason and category stay empty, so that nothing may
        // depend on them.
        let disabled_at = match &self.paused {
            Some(p) if p.as_status => {
                status.status = "SYNC_STATUS_DISABLED".into();
                Value::Null
            }
            Some(p) => json!(p.at),
            None => Value::Null,
        };
        json!({
            "id": self.id,
            "appId": self.app_id,
            "catalogId": self.catalog_id,
            "displayName": self.display_name,
            "description": self.description,
            "userIds": self.user_ids,
            "config": self.public_config(),
            "status": status,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "deletedAt": null,
            "canResumeSync": self.paused.is_some(),
            "disableCheckBadSync": false,
            "syncDisabledAt": disabled_at,
            "syncDisabledCategory": "",
            "syncDisabledReason": "",
            "downloadUrl": "",
            "connectorApiVersion": 0,
        })
    }

    pub fn view(&self) -> Value {
        json!({ "connector": self.to_json(), "appPath": "", "usersPath": "", "capabilitiesPath": "" })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub status: String,
    pub role_ids: Vec<String>,
    pub created_at: String,
}

impl User {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "email": self.email,
            "emails": [self.email],
            "username": self.email,
            "usernames": [self.email],
            "displayName": self.display_name,
            "status": self.status,
            "type": "USER_TYPE_HUMAN",
            "roleIds": self.role_ids,
            "createdAt": self.created_at,
            "updatedAt": self.created_at,
            "deletedAt": null,
        })
    }

    pub fn view(&self) -> Value {
        json!({ "user": self.to_json(), "userId": self.id })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SegmentRole {
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SegmentUser {
    pub id: String,
    pub name: String,
    pub email: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SegmentGroup {
    pub id: String,
    pub name: String,
    /// (role index, resource type, resource id)
    pub permissions: Vec<(usize, String, String)>,
    /// Indexes into the workspace users.
    pub members: Vec<usize>,
    /// Emails invited to the group who have not joined the workspace yet.
    #[serde(default)]
    pub invites: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Segment {
    pub workspace_id: String,
    pub workspace_name: String,
    pub workspace_slug: String,
    pub roles: Vec<SegmentRole>,
    pub groups: Vec<SegmentGroup>,
    pub users: Vec<SegmentUser>,
}

impl Segment {
    pub fn role_json(&self, r: &SegmentRole) -> Value {
        json!({ "id": r.id, "name": r.name, "description": r.description })
    }

    pub fn group_json(&self, g: &SegmentGroup) -> Value {
        let permissions: Vec<Value> = g
            .permissions
            .iter()
            .filter_map(|(ri, ty, rid)| {
                let role = self.roles.get(*ri)?;
                Some(json!({
                    "roleId": role.id,
                    "roleName": role.name,
                    "resources": [{ "id": rid, "type": ty, "labels": [] }],
                }))
            })
            .collect();
        json!({ "id": g.id, "name": g.name, "memberCount": g.members.len(), "permissions": permissions })
    }

    pub fn user_json(&self, u: &SegmentUser) -> Value {
        json!({ "id": u.id, "name": u.name, "email": u.email })
    }
}

/// Everything that changes, and is saved with `--state-file`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Data {
    pub apps: BTreeMap<String, App>,
    pub connectors: BTreeMap<String, Connector>,
    pub users: Vec<User>,
    /// Access token -> expiry (unix seconds).
    pub access_tokens: HashMap<String, u64>,
    /// The access tokens issued to the read-only client.
    #[serde(default)]
    pub readonly_tokens: HashSet<String>,
    pub segment: Segment,
    /// A second workspace (staging), reached with its own owner token.
    #[serde(default)]
    pub segment_other: Option<Segment>,
    /// Segment tokens revoked (`POST /__sandbox/segment/revoke`).
    #[serde(default)]
    pub revoked_segment_tokens: BTreeSet<String>,
}

impl Data {
    /// The workspace a Segment token reaches.
    pub fn workspace(&self, ws: Workspace) -> &Segment {
        match (ws, &self.segment_other) {
            (Workspace::Other, Some(other)) => other,
            _ => &self.segment,
        }
    }
}

/// Which seeded Segment workspace a token belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workspace {
    Main,
    Other,
}

/// The credentials the sandbox hands out.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Credentials {
    pub client_id: String,
    /// Ed25519 private seed and public key of the client secret.
    pub ed25519_seed: Vec<u8>,
    pub ed25519_public: Vec<u8>,
    pub client_secret: String,
    pub tenant_id: String,
    pub admin_user_id: String,
    pub segment_owner_token: String,
    pub segment_member_token: String,
    pub segment_revoked_token: String,
    /// A second client, allowed to read only (`CONDUCTORONE_READONLY_*`):
    /// the credentials a plan-only CI job needs.
    pub readonly_client_id: String,
    pub readonly_ed25519_public: Vec<u8>,
    pub readonly_client_secret: String,
    /// Owner tokens beyond the first (`--segment-owner-tokens`).
    #[serde(default)]
    pub more_owner_tokens: Vec<String>,
    /// The Workspace Owner token of the second workspace.
    #[serde(default)]
    pub segment_other_owner_token: String,
}

impl Credentials {
    /// A token with the Workspace Owner access level.
    pub fn is_owner_token(&self, token: &str) -> bool {
        token == self.segment_owner_token || self.more_owner_tokens.iter().any(|t| t == token)
    }

    /// The workspace a token reaches (with any access level), if any.
    pub fn workspace_of(&self, token: &str) -> Option<Workspace> {
        if self.is_owner_token(token) || token == self.segment_member_token {
            Some(Workspace::Main)
        } else if !self.segment_other_owner_token.is_empty()
            && token == self.segment_other_owner_token
        {
            Some(Workspace::Other)
        } else {
            None
        }
    }
}

impl Credentials {
    /// The client ID of the sandbox's workload federation trust (`/wfe`).
    pub fn federation_client_id(&self) -> String {
        match self.client_id.rsplit_once('/') {
            Some((base, _)) => format!("{base}/wfe"),
            None => format!("{}/wfe", self.client_id),
        }
    }
}

const ROLE_NAMES: &[(&str, &str)] = &[
    ("Workspace Owner", "Owners have full read and edit access to everything in the workspace, including Sources, Destinations, add-on products, and settings."),
    ("Workspace Member", "Members can view the workspace but need permissions for each resource."),
    ("Source Admin", "Edit access to assigned Sources, their settings and connected Destinations."),
    ("Source Read-only", "Read access to assigned Sources and their connected Destinations."),
    ("Warehouse Admin", "Edit access to assigned Warehouses."),
    ("Warehouse Read-only", "Read access to assigned Warehouses."),
    ("Function Admin", "Create, edit and delete Functions."),
    ("Minimal Workspace Access", "Access to view the workspace. Cannot view any sub resources or make changes to the workspace."),
];

const GROUP_WORDS: &[&str] = &[
    "Engineering",
    "Marketing",
    "Data Platform",
    "Analytics",
    "Growth",
    "Security",
    "Finance",
    "Support",
    "Sales",
    "Product",
    "Design",
    "Legal",
    "Operations",
    "Research",
    "Mobile",
];

const FIRST: &[&str] = &[
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Radia", "Donald", "Frances", "Leslie",
];
const LAST: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Perlman", "Knuth", "Allen",
    "Lamport",
];

pub struct SeedSizes {
    pub groups: usize,
    pub duplicate_names: usize,
    pub roles: usize,
    pub users: usize,
    /// Segment tokens with the Workspace Owner access level (at least 1).
    pub owner_tokens: usize,
}

/// A client's key: Ed25519 seed and public key, and the client secret that
/// carries them (ConductorOne's `secret-token:conductorone.com:v1:` + a
/// base64url JWK).
struct ClientKey {
    seed: Vec<u8>,
    public: Vec<u8>,
    secret: String,
}

fn client_key(ids: &Ids) -> ClientKey {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let seed = ids.bytes(32);
    let public = match aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(&seed) {
        Ok(kp) => {
            use aws_lc_rs::signature::KeyPair as _;
            kp.public_key().as_ref().to_vec()
        }
        Err(_) => Vec::new(),
    };
    let jwk =
        json!({ "kty": "OKP", "crv": "Ed25519", "x": b64.encode(&public), "d": b64.encode(&seed) });
    let secret = format!(
        "secret-token:conductorone.com:v1:{}",
        b64.encode(jwk.to_string())
    );
    ClientKey {
        seed,
        public,
        secret,
    }
}

/// Builds the seeded credentials and data.
pub fn seed(ids: &Ids, sizes: &SeedSizes, now: SystemTime) -> (Credentials, Data) {
    let key = client_key(ids);
    let created = rfc3339(now);

    let admin = User {
        id: ids.id(),
        email: "admin@sandbox.example.com".into(),
        display_name: "Sandbox Admin".into(),
        status: "ENABLED".into(),
        role_ids: vec!["connector-administrator".into()],
        created_at: created.clone(),
    };
    let member = User {
        id: ids.id(),
        email: "member@sandbox.example.com".into(),
        display_name: "Sandbox Member".into(),
        status: "ENABLED".into(),
        role_ids: Vec::new(),
        created_at: created.clone(),
    };
    let disabled = User {
        id: ids.id(),
        email: "former@sandbox.example.com".into(),
        display_name: "Former Employee".into(),
        status: "DISABLED".into(),
        role_ids: Vec::new(),
        created_at: created,
    };

    let client_id = format!(
        "sandbox-{}@sandbox.conductor.one/spc",
        ids.base62(8).to_ascii_lowercase()
    );
    let tenant_id = ids.id();
    let tokens: Vec<String> = (0..3).map(|_| format!("sgp_{}", ids.base62(64))).collect();
    let readonly = client_key(ids);
    let creds = Credentials {
        readonly_client_id: format!(
            "readonly-{}@sandbox.conductor.one/spc",
            ids.base62(8).to_ascii_lowercase()
        ),
        client_id,
        ed25519_seed: key.seed,
        ed25519_public: key.public,
        client_secret: key.secret,
        tenant_id,
        admin_user_id: admin.id.clone(),
        segment_owner_token: tokens[0].clone(),
        segment_member_token: tokens[1].clone(),
        segment_revoked_token: tokens[2].clone(),
        readonly_ed25519_public: readonly.public,
        readonly_client_secret: readonly.secret,
        more_owner_tokens: (1..sizes.owner_tokens)
            .map(|_| format!("sgp_{}", ids.base62(64)))
            .collect(),
        segment_other_owner_token: format!("sgp_{}", ids.base62(64)),
    };

    let workspace_id = ids.short_id();
    let roles: Vec<SegmentRole> = (0..sizes.roles)
        .map(|i| {
            let (name, description) = ROLE_NAMES
                .get(i)
                .map(|(n, d)| ((*n).to_string(), (*d).to_string()))
                .unwrap_or_else(|| {
                    (
                        format!("Custom Role {:04}", i + 1),
                        format!("Custom role number {}.", i + 1),
                    )
                });
            SegmentRole {
                id: ids.id(),
                name,
                description,
            }
        })
        .collect();
    let users: Vec<SegmentUser> = (0..sizes.users)
        .map(|i| {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len()) % LAST.len()];
            let n = i / (FIRST.len() * LAST.len());
            let suffix = if n == 0 { String::new() } else { n.to_string() };
            SegmentUser {
                id: ids.short_id(),
                name: format!("{first} {last}"),
                email: format!(
                    "{}.{}{suffix}@sandbox.example.com",
                    first.to_lowercase(),
                    last.to_lowercase()
                ),
            }
        })
        .collect();
    let groups: Vec<SegmentGroup> = (0..sizes.groups)
        .map(|i| {
            let word = GROUP_WORDS[i % GROUP_WORDS.len()];
            // The first of each word plain (as the examples name them), the
            // rest numbered: every name unique.
            let name = if i < GROUP_WORDS.len() {
                word.to_string()
            } else {
                format!("{word} {:05}", i + 1)
            };
            let mut permissions = Vec::new();
            if !roles.is_empty() {
                permissions.push((
                    i % roles.len(),
                    "WORKSPACE".to_string(),
                    workspace_id.clone(),
                ));
            }
            let members = if users.is_empty() {
                Vec::new()
            } else {
                (0..(i % 5))
                    .map(|k| (i * 7 + k * 3) % users.len())
                    .collect()
            };
            let mut members = members;
            members.sort_unstable();
            members.dedup();
            // Every third group has a pending invitation.
            let invites = match i % 3 {
                0 => vec![format!("invitee-{}@sandbox.example.com", i + 1)],
                _ => Vec::new(),
            };
            SegmentGroup {
                id: ids.short_id(),
                name,
                permissions,
                members,
                invites,
            }
        })
        .collect();

    let mut groups = groups;
    let n = groups.len();
    for i in 0..sizes.duplicate_names.min(n / 2) {
        groups[n - 1 - i].name = groups[i].name.clone();
    }
    let data = Data {
        apps: BTreeMap::new(),
        connectors: BTreeMap::new(),
        users: vec![admin, member, disabled],
        access_tokens: HashMap::new(),
        readonly_tokens: HashSet::new(),
        segment_other: Some(other_workspace(ids, &roles)),
        revoked_segment_tokens: BTreeSet::new(),
        segment: Segment {
            workspace_id,
            workspace_name: "Sandbox Workspace".into(),
            workspace_slug: "sandbox-workspace".into(),
            roles,
            groups,
            users,
        },
    };
    (creds, data)
}

/// A second, small workspace ("Staging Workspace"): Segment's roles under
/// their own IDs, two groups and three users.
fn other_workspace(ids: &Ids, roles: &[SegmentRole]) -> Segment {
    let workspace_id = ids.short_id();
    let roles: Vec<SegmentRole> = roles
        .iter()
        .map(|r| SegmentRole {
            id: ids.id(),
            ..r.clone()
        })
        .collect();
    let users: Vec<SegmentUser> = ["Staging Admin", "Staging Engineer", "Staging Analyst"]
        .iter()
        .map(|name| SegmentUser {
            id: ids.short_id(),
            name: (*name).to_string(),
            email: format!(
                "{}@staging.example.com",
                name.to_lowercase().replace(' ', ".")
            ),
        })
        .collect();
    let groups = ["Staging Engineers", "Staging Analysts"]
        .iter()
        .enumerate()
        .map(|(i, name)| SegmentGroup {
            id: ids.short_id(),
            name: (*name).to_string(),
            permissions: match roles.len() {
                0 => Vec::new(),
                n => vec![(i % n, "WORKSPACE".to_string(), workspace_id.clone())],
            },
            members: vec![i, 2],
            invites: Vec::new(),
        })
        .collect();
    Segment {
        workspace_id,
        workspace_name: "Staging Workspace".into(),
        workspace_slug: "staging-workspace".into(),
        roles,
        groups,
        users,
    }
}

pub fn unix_ms(t: SystemTime) -> u128 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis()
}

/// The app an identity provider integration makes when the tenant signs in
/// to Segment through it: named "Segment", without a connector.
pub fn seed_idp_segment_app(ids: &Ids, d: &mut Data, now: SystemTime) {
    let at = rfc3339(now);
    let app = App {
        id: ids.id(),
        display_name: "Segment".into(),
        description: "Created by the Okta identity provider integration.".into(),
        created_at: at.clone(),
        updated_at: at,
    };
    d.apps.insert(app.id.clone(), app);
}

/// How many apps and connectors to seed in the ConductorOne tenant.
pub struct TenantSizes {
    pub apps: usize,
    pub segment_connectors: usize,
    pub other_connectors: usize,
}

/// Seeds `sizes.apps` apps, and Segment and other connectors spread over
/// them (Segment ones carry `token` as their config, and are synced).
pub fn seed_tenant(
    ids: &Ids,
    d: &mut Data,
    sizes: &TenantSizes,
    creds: &Credentials,
    now: SystemTime,
) {
    if sizes.apps == 0 {
        return;
    }
    let at = rfc3339(now);
    let apps: Vec<String> = (1..=sizes.apps)
        .map(|i| {
            let app = App {
                id: ids.id(),
                display_name: format!("App {i}"),
                description: String::new(),
                created_at: at.clone(),
                updated_at: at.clone(),
            };
            let id = app.id.clone();
            d.apps.insert(id.clone(), app);
            id
        })
        .collect();
    let spread = |i: usize, n: usize| &apps[(i * apps.len()) / n.max(1)];
    let mut add = |app_id: &str, catalog_id: &str, name: String, config: Option<Value>| {
        let c = Connector {
            id: ids.id(),
            app_id: app_id.to_string(),
            catalog_id: catalog_id.to_string(),
            display_name: name,
            description: String::new(),
            user_ids: vec![creds.admin_user_id.clone()],
            config,
            created_at: at.clone(),
            updated_at: at.clone(),
            status: SyncStatus {
                status: "SYNC_STATUS_DONE".into(),
                last_error: String::new(),
                started_at: Some(at.clone()),
                completed_at: Some(at.clone()),
                updated_at: Some(at.clone()),
            },
            sync_done_at_ms: None,
            paused: None,
        };
        d.connectors.insert(c.id.clone(), c);
    };
    for i in 0..sizes.segment_connectors {
        let config = json!({
            "@type": ENV_CONFIG_TYPE,
            "configuration": { "segment_access_token": { "stringValue": creds.segment_owner_token } },
        });
        let app = spread(i, sizes.segment_connectors).clone();
        add(
            &app,
            SEGMENT_CATALOG_ID,
            format!("Segment (env-{})", i + 1),
            Some(config),
        );
    }
    for i in 0..sizes.other_connectors {
        let app = spread(i, sizes.other_connectors).clone();
        add(&app, &ids.id(), format!("Connector {}", i + 1), None);
    }
}
