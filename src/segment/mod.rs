//! A typed client for Segment's Public API (`https://api.segmentapis.com`,
//! or `https://eu1.api.segmentapis.com` for EU workspaces).
//!
//! Every call takes the token to use, because data sources may override the
//! provider's. Lists are read page by page (`pagination[count]=200`, then the
//! cursor) until `next` is absent, null or empty; a cursor seen twice, or
//! more than [`MAX_PAGES`] pages or 32 MiB, is an error, not a loop. Rate limits (429) and server or connection failures are
//! retried by the shared transport (`crate::http`). Error bodies are never
//! echoed whole: we show Segment's own message, scrubbed, cut short.

mod error;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::http::{encode_segment, join_url, Idempotent, Pager, Prepared, Transport, MAX_BODY};
pub use error::SegmentError;

use crate::secret::Secret;

/// The page size we ask for: the most Segment's v1 IAM lists allow.
pub const PAGE_SIZE: u32 = 200;
/// The most pages of one list: 100,000 items, within
/// [`crate::http::paging::LIST_BYTES`] in all.
pub const MAX_PAGES: u32 = 500;

/// A Segment workspace (`WorkspaceV1`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub slug: String,
}

/// A role (`RoleV1`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// A resource a permission applies to (`PermissionResourceV1`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PermissionResource {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// A role on resources (`PermissionV1`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    pub role_id: String,
    #[serde(default)]
    pub role_name: Option<String>,
    #[serde(default)]
    pub resources: Vec<PermissionResource>,
}

/// A user group (`UserGroupV1`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub member_count: Option<f64>,
    #[serde(default)]
    pub permissions: Vec<Permission>,
}

/// A workspace user, as group member lists show them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Member {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

/// One page of a list, decoded straight into its items.
#[derive(Deserialize)]
struct Page<T> {
    #[serde(
        alias = "userGroups",
        alias = "roles",
        alias = "users",
        alias = "emails",
        default = "Vec::new"
    )]
    items: Vec<T>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Deserialize)]
struct Pagination {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
struct WorkspaceData {
    workspace: Workspace,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupData {
    user_group: Group,
}

/// A client for one Segment API base URL, sharing the process's transport.
#[derive(Clone, Debug)]
pub struct SegmentClient {
    transport: Transport,
    base: url::Url,
}

impl SegmentClient {
    pub fn new(transport: Transport, base: url::Url) -> Self {
        SegmentClient { transport, base }
    }

    /// The API base URL.
    pub fn base(&self) -> &url::Url {
        &self.base
    }

    /// `GET /`: the workspace the token belongs to.
    pub async fn workspace(&self, token: &Secret) -> Result<Workspace, SegmentError> {
        let data: WorkspaceData = self.get("", &[], token).await?;
        Ok(data.workspace)
    }

    /// `GET /roles`, every page.
    pub async fn roles(&self, token: &Secret) -> Result<Vec<Role>, SegmentError> {
        let r = self.list("roles", token).await;
        self.iam(token, "roles", r).await
    }

    /// `GET /{what}` with one item (`users`, `groups`, `roles`): whether the
    /// token may read it (refused: `Unauthorized`).
    pub async fn can_read(&self, token: &Secret, what: &str) -> Result<(), SegmentError> {
        let one = [("pagination[count]", "1".to_string())];
        self.get::<Value>(what, &one, token).await.map(|_| ())
    }

    /// `GET /groups`, every page.
    pub async fn groups(&self, token: &Secret) -> Result<Vec<Group>, SegmentError> {
        let r = self.list("groups", token).await;
        self.iam(token, "groups", r).await
    }

    /// `GET /groups/{id}`.
    pub async fn group(&self, token: &Secret, id: &str) -> Result<Group, SegmentError> {
        let r: Result<GroupData, _> = self
            .get(&format!("groups/{}", encode_segment(id)?), &[], token)
            .await;
        self.iam(token, "groups", r).await.map(|d| d.user_group)
    }

    /// `GET /groups/{id}/users`, every page.
    pub async fn group_members(
        &self,
        token: &Secret,
        id: &str,
    ) -> Result<Vec<Member>, SegmentError> {
        let r = self
            .list(&format!("groups/{}/users", encode_segment(id)?), token)
            .await;
        self.iam(token, "group members", r).await
    }

    /// `GET /groups/{id}/invites`, every page: the emails invited to the
    /// group who have not yet joined the workspace.
    pub async fn group_invites(
        &self,
        token: &Secret,
        id: &str,
    ) -> Result<Vec<String>, SegmentError> {
        let r: Result<Vec<String>, _> = self
            .list(&format!("groups/{}/invites", encode_segment(id)?), token)
            .await;
        self.iam(token, "group invites", r).await
    }

    /// An access-management read refused with a token that can read the
    /// workspace means the token's access level is too low, not that it is
    /// bad: it cannot read `what`.
    async fn iam<T>(
        &self,
        token: &Secret,
        what: &str,
        r: Result<T, SegmentError>,
    ) -> Result<T, SegmentError> {
        match r {
            Err(SegmentError::Unauthorized { status, .. })
                if self.workspace(token).await.is_ok() =>
            {
                Err(SegmentError::CannotRead {
                    what: what.to_string(),
                    status,
                })
            }
            other => other,
        }
    }

    fn url(&self, path: &str) -> url::Url {
        join_url(&self.base, path)
    }

    /// Reads every page of a list: `{"data": {"<key>": [...], "pagination": {"next": ...}}}`,
    /// at most [`MAX_PAGES`] pages and [`crate::http::paging::LIST_BYTES`]
    /// bytes, else an error.
    async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        token: &Secret,
    ) -> Result<Vec<T>, SegmentError> {
        let list_started = std::time::Instant::now();
        let mut out = Vec::new();
        let mut pager = Pager::new(format!("Segment's /{path}"), MAX_PAGES);
        let mut cursor: Option<String> = None;
        loop {
            let mut query = vec![("pagination[count]", PAGE_SIZE.to_string())];
            if let Some(c) = &cursor {
                query.push(("pagination[cursor]", c.clone()));
            }
            let page_started = std::time::Instant::now();
            let bytes = match (
                self.get_raw(path, &query, token, pager.room()).await,
                pager.overflowed(),
            ) {
                (Err(SegmentError::TooLarge { .. }), Some(bound)) => return Err(bound.into()),
                (read, _) => read?,
            };
            let page: Page<T> = decode(&bytes)?;
            tracing::trace!(
                path,
                ms = u64::try_from(page_started.elapsed().as_millis()).unwrap_or(u64::MAX),
                "page read"
            );
            out.extend(page.items);
            let next = page.pagination.and_then(|p| p.next).unwrap_or_default();
            if !pager.advance(bytes.len(), &next)? {
                tracing::debug!(
                    path,
                    items = out.len(),
                    pages = pager.pages(),
                    ms = u64::try_from(list_started.elapsed().as_millis()).unwrap_or(u64::MAX),
                    "list read"
                );
                return Ok(out);
            }
            cursor = Some(next);
        }
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        token: &Secret,
    ) -> Result<T, SegmentError> {
        let bytes = self.get_raw(path, query, token, MAX_BODY).await?;
        decode(&bytes)
    }

    /// A `GET`'s answer, at most `limit` bytes.
    async fn get_raw(
        &self,
        path: &str,
        query: &[(&str, String)],
        token: &Secret,
        limit: usize,
    ) -> Result<bytes::Bytes, SegmentError> {
        let url = self.url(path);
        self.transport
            .send_within(Idempotent::Yes, limit, || async {
                let request = self
                    .transport
                    .client()
                    .get(url.clone())
                    .query(query)
                    .bearer_auth(token.expose())
                    .header(
                        reqwest::header::ACCEPT,
                        "application/vnd.segment.v1+json, application/json",
                    );
                Ok(Prepared {
                    request,
                    secrets: vec![token.clone()],
                })
            })
            .await
    }
}

/// An answer's `data`.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, SegmentError> {
    let env: Envelope<T> = serde_json::from_slice(bytes)
        .map_err(|e| SegmentError::Decode(crate::http::decode_error(&e)))?;
    Ok(env.data)
}

/// Decodes `body` as each answer and each error this client reads (for the
/// fuzz harness: none may panic).
#[doc(hidden)]
pub fn decode_any_answer(body: &[u8]) {
    let _ = serde_json::from_slice::<Envelope<WorkspaceData>>(body);
    let _ = serde_json::from_slice::<Envelope<Page<Role>>>(body);
    let _ = serde_json::from_slice::<Envelope<Page<Group>>>(body);
    let _ = serde_json::from_slice::<Envelope<Page<Member>>>(body);
    let _ = serde_json::from_slice::<Envelope<GroupData>>(body);
    for status in [400, 401, 403, 404, 429, 500] {
        let b = crate::http::ErrorBody::new(status, None, body, vec![Secret::new("sgp_secret")]);
        let e =
            <SegmentError as crate::http::ApiError>::from_failure(crate::http::Failure::Status(b));
        let _ = e.to_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_base_path() {
        let http = Transport::new().unwrap();
        let c = SegmentClient::new(
            http.clone(),
            url::Url::parse("http://127.0.0.1:9/segment").unwrap(),
        );
        assert_eq!(c.url("").as_str(), "http://127.0.0.1:9/segment/");
        assert_eq!(
            c.url("/groups").as_str(),
            "http://127.0.0.1:9/segment/groups"
        );
        let c = SegmentClient::new(
            http,
            url::Url::parse("https://api.segmentapis.com").unwrap(),
        );
        assert_eq!(c.url("").as_str(), "https://api.segmentapis.com/");
        assert_eq!(c.url("roles").as_str(), "https://api.segmentapis.com/roles");
        assert_eq!(encode_segment("a/b c").unwrap(), "a%2Fb%20c");
        for id in ["", ".", ".."] {
            assert!(encode_segment(id).is_err(), "{id:?}");
        }
        assert_eq!(encode_segment("...").unwrap(), "...");
        assert_eq!(encode_segment("%2e%2e").unwrap(), "%252e%252e");
    }

    #[test]
    fn lenient_decoding() {
        let g: Group = serde_json::from_str(r#"{"id":"g","name":"n","extra":1}"#).unwrap();
        assert_eq!(g.member_count, None);
        assert!(g.permissions.is_empty());
        let r: Role = serde_json::from_str(r#"{"id":"r","name":"n","description":null}"#).unwrap();
        assert_eq!(r.description, None);
    }
}
