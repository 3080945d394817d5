//! Per-process, single-flight caches of what cannot change within one
//! Terraform operation: a Segment token's check and the Segment lists, each
//! per token; a ConductorOne user, per ID; ConductorOne's roles, the apps
//! whose names say Segment, the catalog's configuration fields and the
//! calling user, per API URL. Concurrent callers wait for the
//! one request in flight. A failure is never kept: the caller that saw it
//! reports it, and the next caller asks again (so a retried apply re-checks).
//! Nothing outlives the process, and no key holds a token: tokens are keyed
//! by a SHA-256 of the API URL and the token.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

use crate::conductorone::{self, App, C1Client, C1Error, User};
use crate::secret::Secret;
use crate::segment::{Group, Role, SegmentClient, SegmentError, Workspace};

/// One value per key, loaded once; failures are not kept.
pub struct Flights<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for Flights<K, V> {
    fn default() -> Self {
        Flights {
            cells: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Flights<K, V> {
    /// The value for `key`: loaded by `load` unless another call has (or is
    /// loading it: then this call waits for that one).
    pub async fn get<E, Fut>(&self, key: K, load: impl FnOnce() -> Fut) -> Result<V, E>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(PoisonError::into_inner);
            cells.entry(key).or_default().clone()
        };
        cell.get_or_try_init(load).await.cloned()
    }
}

/// A token, as a cache key: SHA-256 of the API base URL and the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TokenKey([u8; 32]);

impl TokenKey {
    pub fn new(client: &SegmentClient, token: &Secret) -> TokenKey {
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        ctx.update(client.base().as_str().as_bytes());
        ctx.update(b"\n");
        ctx.update(token.expose().as_bytes());
        let mut key = [0_u8; 32];
        key.copy_from_slice(ctx.finish().as_ref());
        TokenKey(key)
    }
}

/// What ConductorOne's Segment connector reads, besides the workspace.
const CONNECTOR_READS: [&str; 3] = ["users", "groups", "roles"];

/// A token passes when it reads what ConductorOne's connector reads: the
/// workspace (`GET /`) and one item each of users, groups and roles, all at
/// once. A workspace whose plan has no user groups is no fault of the token.
async fn check_token(client: &SegmentClient, token: &Secret) -> Result<Workspace, SegmentError> {
    let reads = CONNECTOR_READS.map(|what| client.can_read(token, what));
    let (ws, reads) = futures_util::future::join(
        client.workspace(token),
        futures_util::future::join_all(reads),
    )
    .await;
    let ws = ws?;
    let (mut refused, mut status) = (Vec::new(), 0);
    for (what, r) in CONNECTOR_READS.iter().zip(reads) {
        match r {
            Ok(()) => {}
            Err(e) if *what == "groups" && e.is_no_groups_plan() => {}
            Err(SegmentError::Unauthorized { status: s, .. }) => {
                refused.push(*what);
                status = s;
            }
            Err(e) => return Err(e),
        }
    }
    match refused.is_empty() {
        true => Ok(ws),
        false => Err(SegmentError::CannotRead {
            what: refused.join(", "),
            status,
        }),
    }
}

/// The process's cached reads.
#[derive(Default)]
pub struct Reads {
    token_checks: Flights<TokenKey, Workspace>,
    workspaces: Flights<TokenKey, Workspace>,
    roles: Flights<TokenKey, Arc<Vec<Role>>>,
    groups: Flights<TokenKey, Arc<Vec<Group>>>,
    users: Flights<String, Option<User>>,
    c1_roles: Flights<String, Arc<Vec<conductorone::Role>>>,
    catalog_fields: Flights<(String, String), Arc<Vec<conductorone::CatalogField>>>,
    callers: Flights<String, Option<String>>,
    apps: Flights<(String, String), Option<App>>,
    apps_matching: Flights<(String, String), Arc<Vec<App>>>,
}

impl Reads {
    /// The token's workspace, once the token has also proved it reads what
    /// ConductorOne's connector reads (`GET /`, and one item each of
    /// `/users`, `/groups` and `/roles`).
    pub async fn checked_token(
        &self,
        client: &SegmentClient,
        token: &Secret,
    ) -> Result<Workspace, SegmentError> {
        let key = TokenKey::new(client, token);
        self.token_checks
            .get(key, || check_token(client, token))
            .await
    }

    /// `GET /`: the token's workspace.
    pub async fn workspace(
        &self,
        client: &SegmentClient,
        token: &Secret,
    ) -> Result<Workspace, SegmentError> {
        let key = TokenKey::new(client, token);
        self.workspaces.get(key, || client.workspace(token)).await
    }

    /// Every role of the token's workspace.
    pub async fn roles(
        &self,
        client: &SegmentClient,
        token: &Secret,
    ) -> Result<Arc<Vec<Role>>, SegmentError> {
        let key = TokenKey::new(client, token);
        self.roles
            .get(key, || async { client.roles(token).await.map(Arc::new) })
            .await
    }

    /// Every group of the token's workspace.
    pub async fn groups(
        &self,
        client: &SegmentClient,
        token: &Secret,
    ) -> Result<Arc<Vec<Group>>, SegmentError> {
        let key = TokenKey::new(client, token);
        self.groups
            .get(key, || async { client.groups(token).await.map(Arc::new) })
            .await
    }

    /// A ConductorOne user by ID (`None`: no such user).
    pub async fn user(&self, c1: &C1Client, id: &str) -> Result<Option<User>, C1Error> {
        self.users.get(id.to_string(), || c1.user(id)).await
    }

    /// Every ConductorOne role (`GET /api/v1/iam/roles`).
    pub async fn c1_roles(&self, c1: &C1Client) -> Result<Arc<Vec<conductorone::Role>>, C1Error> {
        let key = c1.base().to_string();
        self.c1_roles
            .get(key, || async { c1.roles().await.map(Arc::new) })
            .await
    }

    /// The fields of a catalog entry's connector configuration.
    pub async fn catalog_fields(
        &self,
        c1: &C1Client,
        catalog_id: &str,
    ) -> Result<Arc<Vec<conductorone::CatalogField>>, C1Error> {
        let key = (c1.base().to_string(), catalog_id.to_string());
        self.catalog_fields
            .get(key, || async {
                c1.config_fields(catalog_id).await.map(Arc::new)
            })
            .await
    }

    /// A ConductorOne app by ID (`None`: no such app).
    pub async fn app(&self, c1: &C1Client, id: &str) -> Result<Option<App>, C1Error> {
        let key = (c1.base().to_string(), id.to_string());
        self.apps.get(key, || c1.app(id)).await
    }

    /// The calling principal's user ID (`None`: introspection names none).
    pub async fn caller(&self, c1: &C1Client) -> Result<Option<String>, C1Error> {
        let key = c1.base().to_string();
        self.callers.get(key, || c1.caller_user_id()).await
    }

    /// The apps ConductorOne's app search finds for `query`.
    pub async fn apps_matching(
        &self,
        c1: &C1Client,
        query: &str,
    ) -> Result<Arc<Vec<App>>, C1Error> {
        let key = (c1.base().to_string(), query.to_string());
        self.apps_matching
            .get(key, || async {
                c1.apps_matching(query).await.map(Arc::new)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Ten concurrent callers share one load; a failure is not kept.
    #[tokio::test]
    async fn one_flight_per_key_and_failures_are_retried() {
        let flights: Flights<&str, u32> = Flights::default();
        let loads = AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            Ok::<u32, ()>(7)
        };
        let all = futures_util::future::join_all((0..10).map(|_| flights.get("a", load))).await;
        assert!(all.iter().all(|r| *r == Ok(7)));
        assert_eq!(loads.load(Ordering::SeqCst), 1);

        let failed: Result<u32, &str> = flights.get("b", || async { Err("refused") }).await;
        assert_eq!(failed, Err("refused"));
        let again: Result<u32, &str> = flights.get("b", || async { Ok(1) }).await;
        assert_eq!(again, Ok(1), "a failure is asked again");
    }
}
