//! The Segment data sources under real Terraform against the sandbox.

use serde_json::{json, Value};

use crate::harness::{each_terraform, WorkDir};
use crate::sandbox::Sandbox;

fn outputs(wd: &WorkDir) -> Value {
    let out = wd.run(&["output", "-json"]);
    out.success();
    serde_json::from_str(&out.stdout).expect("output JSON")
}

fn out(o: &Value, name: &str) -> Value {
    o[name]["value"].clone()
}

#[test]
fn every_data_source_reads_what_segment_holds() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[
            "--segment-groups",
            "12",
            "--segment-roles",
            "9",
            "--segment-users",
            "40",
        ]);
        let state = sb.state();
        let groups = state["segment"]["groupList"].as_array().unwrap().clone();
        let roles = state["segment"]["roleList"].as_array().unwrap().clone();
        let with_members = groups
            .iter()
            .find(|g| g["memberCount"].as_i64().unwrap() >= 2)
            .expect("a group with members")
            .clone();
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.config(&format!(
            r#"
provider "conductorone" {{}}

data "conductorone_segment_workspace" "ws" {{}}
data "conductorone_segment_groups" "all" {{}}
data "conductorone_segment_groups" "eng" {{
  name_regex = "^Engineering"
}}
data "conductorone_segment_group" "by_name" {{
  name = "{name}"
}}
data "conductorone_segment_group" "by_id" {{
  id = "{id}"
}}
data "conductorone_segment_roles" "all" {{}}
data "conductorone_segment_roles" "source" {{
  name_regex = "^Source "
}}
data "conductorone_segment_role" "owner" {{
  name = "Workspace Owner"
}}

output "ws" {{
  value = {{
    id   = data.conductorone_segment_workspace.ws.id
    name = data.conductorone_segment_workspace.ws.name
    slug = data.conductorone_segment_workspace.ws.slug
  }}
}}
output "groups" {{ value = data.conductorone_segment_groups.all.groups }}
output "eng" {{ value = data.conductorone_segment_groups.eng.groups[*].name }}
output "by_name" {{
  value = {{
    id            = data.conductorone_segment_group.by_name.id
    name          = data.conductorone_segment_group.by_name.name
    member_count  = data.conductorone_segment_group.by_name.member_count
    member_emails = data.conductorone_segment_group.by_name.member_emails
  }}
}}
output "by_id" {{
  value = {{
    id            = data.conductorone_segment_group.by_id.id
    name          = data.conductorone_segment_group.by_id.name
    member_count  = data.conductorone_segment_group.by_id.member_count
    member_emails = data.conductorone_segment_group.by_id.member_emails
  }}
}}
output "roles" {{ value = data.conductorone_segment_roles.all.roles }}
output "source" {{ value = data.conductorone_segment_roles.source.roles[*].name }}
output "owner" {{
  value = {{
    id          = data.conductorone_segment_role.owner.id
    description = data.conductorone_segment_role.owner.description
  }}
}}
"#,
            name = with_members["name"].as_str().unwrap(),
            id = with_members["id"].as_str().unwrap(),
        ));
        wd.run(&["apply", "-auto-approve", "-no-color"]).success();
        let o = outputs(&wd);

        let ws = out(&o, "ws");
        assert_eq!(ws["slug"], state["segment"]["workspace"]["slug"]);
        assert_eq!(ws["id"], state["segment"]["workspace"]["id"]);

        // Every group, with its fields, sorted by name then id.
        let got = out(&o, "groups");
        let got = got.as_array().unwrap();
        assert_eq!(got.len(), groups.len());
        let mut want: Vec<&Value> = groups.iter().collect();
        want.sort_by(|a, b| {
            (a["name"].as_str(), a["id"].as_str()).cmp(&(b["name"].as_str(), b["id"].as_str()))
        });
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g["id"], w["id"]);
            assert_eq!(g["name"], w["name"]);
            assert_eq!(g["member_count"], w["memberCount"]);
            assert_eq!(
                g["permissions"][0]["role_id"],
                w["permissions"][0]["roleId"]
            );
            assert_eq!(
                g["permissions"][0]["role_name"],
                w["permissions"][0]["roleName"]
            );
            assert_eq!(g["permissions"][0]["resources"][0]["type"], "WORKSPACE");
        }
        let eng = out(&o, "eng");
        let want_eng: Vec<&str> = groups
            .iter()
            .filter_map(|g| g["name"].as_str())
            .filter(|n| n.starts_with("Engineering"))
            .collect();
        assert_eq!(eng.as_array().unwrap().len(), want_eng.len());
        assert!(!want_eng.is_empty());

        for name in ["by_name", "by_id"] {
            let g = out(&o, name);
            assert_eq!(g["id"], with_members["id"], "{name}");
            assert_eq!(g["name"], with_members["name"], "{name}");
            let mut emails: Vec<String> = with_members["memberEmails"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_str().unwrap().to_string())
                .collect();
            emails.sort();
            assert_eq!(g["member_emails"], json!(emails), "{name}");
            assert_eq!(g["member_count"], with_members["memberCount"], "{name}");
        }

        let got_roles = out(&o, "roles");
        assert_eq!(got_roles.as_array().unwrap().len(), roles.len());
        let mut names: Vec<&str> = got_roles
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        let sorted = {
            let mut s = names.clone();
            s.sort_unstable();
            s
        };
        assert_eq!(names, sorted, "roles sorted by name");
        names.dedup();
        assert_eq!(
            out(&o, "source"),
            json!(["Source Admin", "Source Read-only"])
        );
        let owner = out(&o, "owner");
        let want_owner = roles
            .iter()
            .find(|r| r["name"] == "Workspace Owner")
            .unwrap();
        assert_eq!(owner["id"], want_owner["id"]);
        assert_eq!(owner["description"], want_owner["description"]);

        // Reading again plans no change.
        let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(plan.code, 0, "second plan is empty:\n{}", plan.all());
    });
}

#[test]
fn lookups_that_match_nothing_or_two_say_which() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&["--segment-groups", "10", "--segment-duplicate-names", "1"]);
        let state = sb.state();
        let dup = state["segment"]["groupList"][0]["name"]
            .as_str()
            .unwrap()
            .to_string();
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.config("provider \"conductorone\" {}\n\ndata \"conductorone_segment_group\" \"g\" {\n  name = \"No Such Group\"\n}\n");
        wd.run(&["plan", "-no-color"])
            .failure()
            .contains("No such Segment group")
            .contains("No Such Group")
            .contains("name = \"No Such Group\"");
        wd.config(&format!("provider \"conductorone\" {{}}\n\ndata \"conductorone_segment_group\" \"g\" {{\n  name = \"{dup}\"\n}}\n"));
        wd.run(&["plan", "-no-color"])
            .failure()
            .contains("Several Segment groups match")
            .contains("2 user groups are named");
        wd.config("provider \"conductorone\" {}\n\ndata \"conductorone_segment_role\" \"r\" {\n  name = \"Nope\"\n}\n");
        wd.run(&["plan", "-no-color"])
            .failure()
            .contains("No such Segment role")
            .contains("Workspace Owner");
        wd.config("provider \"conductorone\" {}\n\ndata \"conductorone_segment_role\" \"r\" {\n  id = \"x\"\n  name = \"y\"\n}\n");
        wd.run(&["validate", "-no-color"])
            .failure()
            .contains("Set exactly one of id or name");
        wd.config("provider \"conductorone\" {}\n\ndata \"conductorone_segment_groups\" \"g\" {\n  name_regex = \"(\"\n}\n");
        wd.run(&["validate", "-no-color"])
            .failure()
            .contains("Invalid regular expression")
            .contains("name_regex = \"(\"");
    });
}

#[test]
fn ten_thousand_groups_all_arrive_and_replan_is_empty() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&["--segment-groups", "10000"]);
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.config(
            "provider \"conductorone\" {}\n\ndata \"conductorone_segment_groups\" \"all\" {}\n\n\
             output \"count\" {\n  value = length(data.conductorone_segment_groups.all.groups)\n}\n\
             output \"ids\" {\n  value = data.conductorone_segment_groups.all.groups[*].id\n}\n",
        );
        wd.run(&["apply", "-auto-approve", "-no-color"]).success();
        let o = outputs(&wd);
        assert_eq!(out(&o, "count"), 10_000);
        let ids: std::collections::HashSet<String> = out(&o, "ids")
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 10_000, "each group once");
        let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(
            plan.code,
            0,
            "second plan shows no changes:\n{}",
            plan.all()
        );
        let pages = sb
            .requests()
            .iter()
            .filter(|r| {
                r["path"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("/segment/groups?")
            })
            .count();
        assert_eq!(pages, 50 * 2, "50 pages of 200 per read");
    });
}

#[test]
fn a_429_storm_is_ridden_out_by_honouring_retry_after() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&["--segment-groups", "5"]);
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        sb.fault(&json!({ "method": "GET", "path": "/segment/groups", "count": 3, "status": 429, "retry_after": 1 }));
        wd.config(
            "provider \"conductorone\" {}\n\ndata \"conductorone_segment_groups\" \"all\" {}\n\n\
             output \"count\" {\n  value = length(data.conductorone_segment_groups.all.groups)\n}\n",
        );
        let plan = wd.run(&["plan", "-no-color"]);
        plan.success().contains("count = 5");
        assert!(
            plan.elapsed.as_secs_f64() >= 3.0,
            "waited Retry-After three times: {:?}",
            plan.elapsed
        );
        let log = sb.requests();
        let statuses: Vec<u64> = log
            .iter()
            .filter(|r| {
                r["path"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("/segment/groups")
            })
            .map(|r| r["status"].as_u64().unwrap())
            .collect();
        assert!(
            statuses.windows(4).any(|w| w == [429, 429, 429, 200]),
            "{statuses:?}"
        );
    });
}

#[test]
fn refused_and_member_tokens_fail_the_plan_clearly_without_the_secret() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        for (token_var, message) in [
            ("SEGMENT_REVOKED_TOKEN", "Segment refused the access token"),
            (
                "SEGMENT_MEMBER_TOKEN",
                "need a token with the Workspace Owner access level",
            ),
        ] {
            let token = sb.var(token_var).to_string();
            let mut wd = WorkDir::new(tf);
            sb.configure(&mut wd);
            wd.setenv("SEGMENT_ACCESS_TOKEN", &token);
            wd.setenv("TF_LOG", "trace");
            wd.config(
                "provider \"conductorone\" {}\n\ndata \"conductorone_segment_groups\" \"all\" {}\n",
            );
            let plan = wd.run(&["plan", "-no-color"]);
            plan.failure().contains(message).contains("Workspace Owner");
            assert!(
                !plan.all().contains(&token),
                "{token_var} leaked into the output or logs"
            );
        }
    });
}
