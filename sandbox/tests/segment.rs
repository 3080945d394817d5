//! The Segment part, against the running sandbox.

mod common;

use std::collections::HashSet;

use common::start;

#[tokio::test]
async fn workspace_for_owner_and_member_tokens_not_revoked() {
    let sb = start(&["--seed", "7"]);
    let (s, h, body) = sb.seg_get("/", sb.var("SEGMENT_ACCESS_TOKEN")).await;
    assert_eq!(s, 200);
    assert_eq!(body["data"]["workspace"]["slug"], "sandbox-workspace");
    assert!(h.contains_key("x-ratelimit-remaining") && h.contains_key("x-ratelimit-reset"));
    httpdate_ok(h["x-ratelimit-reset"].to_str().unwrap());
    let (s, _, _) = sb.seg_get("/", sb.var("SEGMENT_MEMBER_TOKEN")).await;
    assert_eq!(s, 200);
    let (s, _, body) = sb.seg_get("/", sb.var("SEGMENT_REVOKED_TOKEN")).await;
    assert_eq!(s, 401);
    assert_eq!(body["errors"][0]["type"], "unauthorized");
    let r = sb.http.get(sb.segment("/")).send().await.unwrap();
    assert_eq!(r.status(), 401, "no token");
}

fn httpdate_ok(s: &str) {
    assert!(s.ends_with(" GMT") && s.len() == 29, "RFC 5322 date: {s}");
}

#[tokio::test]
async fn member_tokens_are_refused_iam_reads() {
    let sb = start(&[]);
    for path in ["/roles", "/groups", "/users"] {
        let (s, _, body) = sb.seg_get(path, sb.var("SEGMENT_MEMBER_TOKEN")).await;
        assert_eq!(s, 403, "{path}");
        assert!(body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Workspace Owner"));
        let (s, _, _) = sb.seg_get(path, sb.var("SEGMENT_REVOKED_TOKEN")).await;
        assert_eq!(s, 401, "{path}");
    }
}

#[tokio::test]
async fn roles_groups_users_and_members() {
    let sb = start(&[
        "--segment-groups",
        "12",
        "--segment-roles",
        "10",
        "--segment-users",
        "30",
    ]);
    let tok = sb.var("SEGMENT_ACCESS_TOKEN");
    let (s, _, roles) = sb.seg_get("/roles", tok).await;
    assert_eq!(s, 200);
    let roles = roles["data"]["roles"].as_array().unwrap().clone();
    assert_eq!(roles.len(), 10);
    assert_eq!(roles[0]["name"], "Workspace Owner");
    assert!(roles
        .iter()
        .all(|r| r["id"].is_string() && r["description"].is_string()));

    let (s, _, groups) = sb.seg_get("/groups", tok).await;
    assert_eq!(s, 200);
    let groups = groups["data"]["userGroups"].as_array().unwrap().clone();
    assert_eq!(groups.len(), 12);
    let role_ids: HashSet<&str> = roles.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for g in &groups {
        let p = &g["permissions"][0];
        assert!(
            role_ids.contains(p["roleId"].as_str().unwrap()),
            "permissions name real roles"
        );
        assert_eq!(p["resources"][0]["type"], "WORKSPACE");
    }
    let g = groups
        .iter()
        .find(|g| g["memberCount"].as_u64().unwrap() > 1)
        .expect("a group with members");
    let id = g["id"].as_str().unwrap();
    let (s, _, one) = sb.seg_get(&format!("/groups/{id}"), tok).await;
    assert_eq!(s, 200);
    assert_eq!(one["data"]["userGroup"], *g);
    let (s, _, members) = sb
        .seg_get(&format!("/groups/{id}/users?pagination[count]=1"), tok)
        .await;
    assert_eq!(s, 200);
    assert_eq!(members["data"]["users"].as_array().unwrap().len(), 1);
    assert!(members["data"]["pagination"]["next"].is_string());
    assert!(members["data"]["users"][0]["email"]
        .as_str()
        .unwrap()
        .contains('@'));

    let (s, _, users) = sb.seg_get("/users?pagination[count]=200", tok).await;
    assert_eq!(s, 200);
    assert_eq!(users["data"]["users"].as_array().unwrap().len(), 30);
    assert!(
        users["data"]["pagination"].get("next").is_none(),
        "no next on the last page"
    );

    let (s, _, body) = sb.seg_get("/groups/nope", tok).await;
    assert_eq!(s, 404);
    assert_eq!(body["errors"][0]["type"], "not-found");
    let (s, _, _) = sb.seg_get("/groups/nope/users", tok).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn page_sizes_are_checked() {
    let sb = start(&["--segment-groups", "250"]);
    let tok = sb.var("SEGMENT_ACCESS_TOKEN");
    let (s, _, body) = sb.seg_get("/groups", tok).await;
    assert_eq!(s, 200);
    assert_eq!(
        body["data"]["userGroups"].as_array().unwrap().len(),
        200,
        "200 when omitted"
    );
    for bad in ["0", "201", "abc", "1.5", "-1"] {
        let (s, _, body) = sb
            .seg_get(&format!("/groups?pagination[count]={bad}"), tok)
            .await;
        assert_eq!(s, 400, "count {bad}");
        assert_eq!(body["errors"][0]["field"], "pagination.count");
    }
    let (s, _, body) = sb
        .seg_get("/groups?pagination[count]=5&pagination[cursor]=%%%", tok)
        .await;
    assert_eq!(s, 400);
    assert_eq!(body["errors"][0]["field"], "pagination.cursor");
    let (s, _, body) = sb.seg_get("/groups?pagination.count=7", tok).await;
    assert_eq!(s, 200, "dot form as in Segment's docs");
    assert_eq!(body["data"]["userGroups"].as_array().unwrap().len(), 7);
}

/// Pages through `/groups` at `count`, returning every id and the page count.
async fn all_groups(sb: &common::Sandbox, count: usize) -> (Vec<String>, usize) {
    let tok = sb.var("SEGMENT_ACCESS_TOKEN");
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut q = vec![("pagination[count]".to_string(), count.to_string())];
        if let Some(c) = &cursor {
            q.push(("pagination[cursor]".to_string(), c.clone()));
        }
        let r = sb
            .http
            .get(sb.segment("/groups"))
            .query(&q)
            .bearer_auth(tok)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.unwrap();
        pages += 1;
        for g in body["data"]["userGroups"].as_array().unwrap() {
            ids.push(g["id"].as_str().unwrap().to_string());
        }
        match body["data"]["pagination"]["next"].as_str() {
            Some(n) if !n.is_empty() => cursor = Some(n.to_string()),
            _ => break,
        }
        assert!(pages < 10_000, "paging does not end");
    }
    (ids, pages)
}

#[tokio::test]
async fn ten_thousand_groups_in_fifty_pages_each_once() {
    let sb = start(&["--segment-groups", "10000", "--seed", "3"]);
    let (ids, pages) = all_groups(&sb, 200).await;
    assert_eq!(pages, 50);
    assert_eq!(ids.len(), 10_000);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 10_000, "each group once");
    let state = sb.state().await;
    assert_eq!(state["segment"]["groups"], 10_000);
}

#[tokio::test]
async fn paging_at_small_counts_covers_everything() {
    let sb = start(&["--segment-groups", "53"]);
    let (ids, pages) = all_groups(&sb, 10).await;
    assert_eq!((ids.len(), pages), (53, 6));
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let sb = start(&["--segment-rate-limit", "3"]);
    let tok = sb.var("SEGMENT_ACCESS_TOKEN");
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let (s, h, _) = sb.seg_get("/roles", tok).await;
        assert_eq!(s, 200);
        remaining.push(h["x-ratelimit-remaining"].to_str().unwrap().to_string());
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let (s, h, body) = sb.seg_get("/roles", tok).await;
    assert_eq!(s, 429);
    let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(body["errors"][0]["message"], "Too many requests");
    // The budget is per token.
    let (s, _, _) = sb.seg_get("/", sb.var("SEGMENT_MEMBER_TOKEN")).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn seeds_make_ids_and_tokens_deterministic() {
    let a = start(&["--seed", "42", "--segment-groups", "3"]);
    let b = start(&["--seed", "42", "--segment-groups", "3"]);
    let c = start(&["--seed", "43", "--segment-groups", "3"]);
    for k in [
        "SEGMENT_ACCESS_TOKEN",
        "CONDUCTORONE_CLIENT_SECRET",
        "CONDUCTORONE_SANDBOX_ADMIN_USER_ID",
        "CONDUCTORONE_CLIENT_ID",
    ] {
        assert_eq!(a.var(k), b.var(k), "{k}");
        assert_ne!(a.var(k), c.var(k), "{k}");
    }
    let (_, _, ga) = a.seg_get("/groups", a.var("SEGMENT_ACCESS_TOKEN")).await;
    let (_, _, gb) = b.seg_get("/groups", b.var("SEGMENT_ACCESS_TOKEN")).await;
    assert_eq!(ga, gb);
}

/// `--segment-owner-tokens 3`: SEGMENT_ACCESS_TOKEN, _2 and _3 each read
/// access management as a Workspace Owner.
#[tokio::test]
async fn more_owner_tokens_each_read_access_management() {
    let sb = start(&["--segment-owner-tokens", "3"]);
    let tokens = [
        sb.var("SEGMENT_ACCESS_TOKEN"),
        sb.var("SEGMENT_ACCESS_TOKEN_2"),
        sb.var("SEGMENT_ACCESS_TOKEN_3"),
    ];
    assert!(tokens[0] != tokens[1] && tokens[1] != tokens[2]);
    for t in tokens {
        let (status, _, _) = sb.seg_get("/roles", t).await;
        assert_eq!(status, 200);
    }
}

/// The modes for what the record leaves open: a member token that may list
/// roles, a plan without user groups, 429s with the wait only in the body,
/// a host that redirects every request; and group invitations.
#[tokio::test]
async fn modes_the_record_leaves_open() {
    let sb = start(&["--segment-member-reads-roles", "--segment-no-groups-plan"]);
    let member = sb.var("SEGMENT_MEMBER_TOKEN");
    let (s, _, _) = sb.seg_get("/roles?pagination[count]=1", member).await;
    assert_eq!(s, 200, "the member lists roles");
    for path in ["/users", "/groups"] {
        let (s, _, _) = sb.seg_get(path, member).await;
        assert_eq!(s, 403, "{path}: still not users or groups");
    }
    let owner = sb.var("SEGMENT_ACCESS_TOKEN");
    let (s, _, body) = sb.seg_get("/groups", owner).await;
    assert_eq!(s, 400);
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Your plan does not include User Groups"));
    let (s, _, _) = sb.seg_get("/users", owner).await;
    assert_eq!(s, 200);

    let sb = start(&["--segment-rate-limit", "1", "--segment-429-body-only"]);
    let owner = sb.var("SEGMENT_ACCESS_TOKEN");
    sb.seg_get("/", owner).await;
    let (s, h, body) = sb.seg_get("/", owner).await;
    assert_eq!(s, 429);
    assert!(
        h.get("retry-after").is_none() && h.get("x-ratelimit-reset").is_none(),
        "{h:?}"
    );
    assert!(
        body["errors"][0]["data"]["msBeforeNext"].as_u64().is_some(),
        "{body}"
    );

    let sb = start(&["--segment-redirect-to", "https://eu1.api.segmentapis.com"]);
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_follow
        .get(sb.segment("/groups?pagination[count]=1"))
        .bearer_auth(sb.var("SEGMENT_ACCESS_TOKEN"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(
        r.headers()["location"],
        "https://eu1.api.segmentapis.com/groups?pagination[count]=1"
    );

    let sb = start(&[]);
    let owner = sb.var("SEGMENT_ACCESS_TOKEN");
    let (_, _, groups) = sb.seg_get("/groups", owner).await;
    let first = groups["data"]["userGroups"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _, body) = sb.seg_get(&format!("/groups/{first}/invites"), owner).await;
    assert_eq!(s, 200, "{body}");
    let emails = body["data"]["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 1, "the first group has a pending invitation");
    assert!(emails[0].as_str().unwrap().starts_with("invitee-"));
}
