//! A typed client for Segment's Public API (`https://api.segmentapis.com`,
//! or `https://eu1.api.segmentapis.com` for EU workspaces).
//!
//! Every call takes the token to use, because data sources may override the
//! provider's. Error bodies are never echoed whole: we show Segment's own
//! message, cut short, and never the token.

mod error;

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

pub use error::SegmentError;

use crate::secret::Secret;

/// A Segment workspace (`WorkspaceV1`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub slug: String,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Deserialize)]
struct WorkspaceData {
    workspace: Workspace,
}

/// A client for one Segment API base URL, sharing the process's HTTP client.
#[derive(Clone, Debug)]
pub struct SegmentClient {
    http: reqwest::Client,
    base: url::Url,
}

impl SegmentClient {
    pub fn new(http: reqwest::Client, base: url::Url) -> Self {
        SegmentClient { http, base }
    }

    /// `GET /`: the workspace the token belongs to.
    pub async fn workspace(&self, token: &Secret) -> Result<Workspace, SegmentError> {
        let data: WorkspaceData = self.get("", &[], token).await?;
        Ok(data.workspace)
    }

    fn url(&self, path: &str) -> url::Url {
        let mut u = self.base.clone();
        let joined = format!(
            "{}/{}",
            u.path().trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        u.set_path(&joined);
        u
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        token: &Secret,
    ) -> Result<T, SegmentError> {
        let url = self.url(path);
        let resp = self
            .http
            .get(url)
            .query(query)
            .bearer_auth(token.expose())
            .header(
                reqwest::header::ACCEPT,
                "application/vnd.segment.v1+json, application/json",
            )
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .map_err(SegmentError::transport)?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(SegmentError::transport)?;
        if !status.is_success() {
            return Err(SegmentError::from_response(status.as_u16(), &body, token));
        }
        let env: Envelope<T> =
            serde_json::from_slice(&body).map_err(|e| SegmentError::Decode(e.to_string()))?;
        Ok(env.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_base_path() {
        let http = reqwest::Client::new();
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
    }
}
