//! Discovery across a tenant: every connector of a catalog in every app
//! (for `terraform query`'s list resource). Apps are read page by page, and
//! each app's connectors listed with bounded concurrency as soon as its page
//! arrives, so that hundreds of apps cost one page plus apps / concurrency
//! round trips.

use futures_util::stream::{self, StreamExt, TryStreamExt};

use super::{app_path, App, C1Client, C1Error, ConnectorView, ListedConnector, Present};
use crate::http::Budget;

/// How many apps' connectors are listed at once.
pub const CONCURRENCY: usize = 16;

/// The most bytes of ConductorOne's answers one discovery reads, all lists
/// together, and a share of them for one answer (so that the lists read at
/// once hold at most this much). A tenant's connector lists are a few KiB
/// per app; a server that sends more ends the discovery with an error
/// instead of the provider's memory growing with it.
pub const DISCOVERY_BYTES: usize = 64 << 20;

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
    /// the tenant when `apps` is `None`), with its app, in app order. The
    /// app pages are read one after another while the connectors of the
    /// apps already known are listed, so the pages cost one round trip.
    pub async fn connectors_of_catalog(
        &self,
        catalog_id: &str,
        apps: Option<Vec<App>>,
    ) -> Result<Vec<(App, ListedConnector)>, C1Error> {
        let per_answer = DISCOVERY_BYTES / CONCURRENCY;
        let budget = &Budget::new("the discovery", DISCOVERY_BYTES, per_answer);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<App>();
        let produce = async move {
            let send = |page: Vec<App>| {
                let live = page.into_iter().filter(|a| a.deleted_at.is_none());
                live.for_each(|a| drop(tx.send(a)));
            };
            match apps {
                Some(a) => {
                    send(a);
                    Ok(())
                }
                None => self.each_page("/api/v1/apps", Some(budget), send).await,
            }
        };
        let apps = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|a| (a, rx)) });
        // Unordered, so that a slow answer never holds a slot; sorted back
        // into app order at the end.
        let lists = apps
            .enumerate()
            .map(|(i, app)| async move {
                let cs = self.listed_connectors(&app.id, catalog_id, budget).await?;
                Ok::<_, C1Error>((i, app, cs))
            })
            .buffer_unordered(CONCURRENCY)
            .try_collect::<Vec<(usize, App, Vec<ListedConnector>)>>();
        let (produced, lists) = tokio::join!(produce, lists);
        produced?;
        let mut lists = lists?;
        lists.sort_unstable_by_key(|(i, _, _)| *i);
        Ok(lists
            .into_iter()
            .flat_map(|(_, app, cs)| cs.into_iter().map(move |c| (app.clone(), c)))
            .collect())
    }

    /// The live connectors of `catalog_id` in app `app_id`, each kept only
    /// if it is of the catalog, as its page arrives, without its config.
    async fn listed_connectors(
        &self,
        app_id: &str,
        catalog_id: &str,
        budget: &Budget,
    ) -> Result<Vec<ListedConnector>, C1Error> {
        let path = format!("{}/connectors", app_path(app_id)?);
        let mut kept = Vec::new();
        self.each_page(&path, Some(budget), |page: Vec<ConnectorView<Present>>| {
            let live = page.into_iter().filter_map(|v| v.connector);
            kept.extend(live.filter(|c| c.deleted_at.is_none() && c.catalog_id == catalog_id));
        })
        .await?;
        Ok(kept)
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
    /// (5 app pages + 500 / CONCURRENCY rounds of 20 ms; 1 page + the rounds
    /// with the pages read while listing).
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
        let client = C1Client::new(Transport::new().unwrap(), &auth(&s.env, None)).unwrap();
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
        let pipelined_ms = 20 * (1 + 500_usize.div_ceil(CONCURRENCY));
        eprintln!(
            "500 apps, 37 Segment connectors at 20 ms latency: {} ms (floor: pages then lists {floor_ms} ms, \
             pages while listing {pipelined_ms} ms; concurrency {CONCURRENCY})",
            took.as_millis()
        );
        let requests = sb.requests().len();
        assert!(requests <= 2 + 5 + 500 + 1, "{requests} requests");
    }
}
