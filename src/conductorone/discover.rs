//! Discovery across a tenant: every connector of a catalog in every app
//! (for `terraform query`'s list resource). Apps are read page by page; each
//! app's connectors are listed with bounded concurrency, so that hundreds of
//! apps cost the app pages plus apps / concurrency round trips.

use futures_util::stream::{self, StreamExt, TryStreamExt};

use super::{App, C1Client, C1Error, Connector};

/// How many apps' connectors are listed at once.
pub const CONCURRENCY: usize = 16;

impl C1Client {
    /// `GET /api/v1/apps`, every page (100 apps each).
    pub async fn all_apps(&self) -> Result<Vec<App>, C1Error> {
        let apps: Vec<App> = self.every_page("/api/v1/apps").await?;
        Ok(apps
            .into_iter()
            .filter(|a| a.deleted_at.is_none())
            .collect())
    }

    /// Every connector of catalog `catalog_id` in `apps` (or in every app of
    /// the tenant when `apps` is `None`), with its app, in app order.
    pub async fn connectors_of_catalog(
        &self,
        catalog_id: &str,
        apps: Option<Vec<App>>,
    ) -> Result<Vec<(App, Connector)>, C1Error> {
        let apps = match apps {
            Some(a) => a,
            None => self.all_apps().await?,
        };
        let lists: Vec<(App, Vec<Connector>)> = stream::iter(apps)
            .map(|app| async move {
                let cs = self.connectors(&app.id).await?;
                Ok::<_, C1Error>((app, cs))
            })
            .buffered(CONCURRENCY)
            .try_collect()
            .await?;
        Ok(lists
            .into_iter()
            .flat_map(|(app, cs)| {
                cs.into_iter()
                    .filter(|c| c.catalog_id == catalog_id)
                    .map(move |c| (app.clone(), c))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::super::auth::tests::{auth, sandbox};
    use super::*;
    use crate::http::Transport;

    const SEGMENT: &str = "2YuQMfugzij8vRI4FGkYNcMxgOe";

    /// 500 apps holding 37 Segment connectors and 20 others, 20 ms per
    /// request: all 37 are found, and the time is reported against the floor
    /// (5 app pages + 500 / CONCURRENCY rounds of 20 ms).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn finds_every_segment_connector_across_hundreds_of_apps() {
        let (s, sb) = sandbox(&[
            "--c1-apps",
            "500",
            "--c1-segment-connectors",
            "37",
            "--c1-other-connectors",
            "20",
            "--latency-ms",
            "20",
        ])
        .await;
        let client =
            C1Client::new(Transport::new(reqwest::Client::new()), &auth(&s.env, None)).unwrap();
        client.caller_user_id().await.unwrap();
        let start = Instant::now();
        let found = client.connectors_of_catalog(SEGMENT, None).await.unwrap();
        let took = start.elapsed();
        assert_eq!(found.len(), 37);
        assert!(found
            .iter()
            .all(|(a, c)| c.app_id == a.id && c.catalog_id == SEGMENT));
        let mut names: Vec<&str> = found.iter().map(|(_, c)| c.display_name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 37, "each once");
        let floor_ms = 20 * (5 + 500_usize.div_ceil(CONCURRENCY));
        eprintln!(
            "500 apps, 37 Segment connectors at 20 ms latency: {} ms (floor {floor_ms} ms, concurrency {CONCURRENCY})",
            took.as_millis()
        );
        let requests = sb.requests().len();
        assert!(requests <= 2 + 5 + 500 + 1, "{requests} requests");
    }
}
