//! The provider's configuration as Terraform sees it: schema and validation.

use crate::harness::{each_terraform, WorkDir};

#[test]
fn schema_shows_the_provider_configuration() {
    each_terraform(|tf| {
        let wd = WorkDir::new(tf);
        wd.config("provider \"conductorone\" {}\n");
        let out = wd.run(&["providers", "schema", "-json"]);
        out.success();
        let j: serde_json::Value = serde_json::from_str(&out.stdout).expect("schema JSON");
        let block =
            &j["provider_schemas"]["registry.terraform.io/seed/conductorone"]["provider"]["block"];
        let attrs = block["attributes"]
            .as_object()
            .expect("provider attributes");
        let mut names: Vec<&str> = attrs.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "client_id",
                "client_secret",
                "oidc_token",
                "segment_access_token",
                "segment_api_url",
                "server_url"
            ]
        );
        for (name, a) in attrs {
            assert_eq!(a["type"], "string", "{name}");
            assert_eq!(a["optional"], true, "{name}");
            assert!(a.get("required").is_none(), "{name}");
            assert_eq!(a["description_kind"], "markdown", "{name}");
            assert!(
                a["description"].as_str().is_some_and(|d| d.len() > 20),
                "{name} needs a description"
            );
            let sensitive = a
                .get("sensitive")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false);
            assert_eq!(
                sensitive,
                ["client_secret", "oidc_token", "segment_access_token"].contains(&name.as_str()),
                "{name} sensitivity"
            );
        }
        assert!(attrs["server_url"]["description"]
            .as_str()
            .unwrap()
            .contains("CONDUCTORONE_SERVER_URL"));
        let ds = &j["provider_schemas"]["registry.terraform.io/seed/conductorone"]
            ["data_source_schemas"];
        assert!(
            ds.get("conductorone_segment_workspace").is_some(),
            "workspace data source listed"
        );
        let res = &j["provider_schemas"]["registry.terraform.io/seed/conductorone"]
            ["resource_schemas"]["conductorone_segment_integration"]["block"]["attributes"];
        assert_eq!(res["segment_access_token_wo"]["write_only"], true, "{res}");
        assert_eq!(res["segment_access_token_wo"]["sensitive"], true);
        assert_eq!(res["segment_access_token"]["sensitive"], true);
        assert_eq!(
            res["user_ids"]["type"],
            serde_json::json!(["set", "string"])
        );
        assert_eq!(res["id"]["computed"], true);
    });
}

#[test]
fn validate_passes_with_an_empty_provider_block_and_no_env() {
    each_terraform(|tf| {
        let wd = WorkDir::new(tf);
        // A data source makes Terraform evaluate the provider block.
        wd.config(
            "provider \"conductorone\" {}\n\ndata \"conductorone_segment_workspace\" \"this\" {}\n",
        );
        wd.run(&["validate", "-no-color"])
            .success()
            .contains("The configuration is valid");
    });
}

#[test]
fn validate_names_the_bad_attribute() {
    each_terraform(|tf| {
        let wd = WorkDir::new(tf);
        let data = "data \"conductorone_segment_workspace\" \"this\" {}\n";
        wd.config(&format!(
            "provider \"conductorone\" {{\n  server_url = true\n}}\n\n{data}"
        ));
        wd.run(&["validate", "-no-color"])
            .failure()
            .contains("Invalid URL")
            .contains("server_url = true")
            .contains("server_url must be an absolute https:// URL");

        wd.config(&format!(
            "provider \"conductorone\" {{\n  client_id = [1]\n}}\n\n{data}"
        ));
        wd.run(&["validate", "-no-color"])
            .failure()
            .contains("Incorrect attribute value type")
            .contains("client_id = [1]")
            .contains("Inappropriate value for attribute \"client_id\"");

        wd.config(&format!("provider \"conductorone\" {{\n  segment_api_url = \"http://segment.example.com\"\n}}\n\n{data}"));
        wd.run(&["validate", "-no-color"])
            .failure()
            .contains("segment_api_url = \"http://segment.example.com\"")
            .contains("plain http, which is allowed only for loopback");
    });
}

#[test]
fn data_source_reads_through_terraform_with_env_credentials() {
    let mock = crate::mock_http::serve(
        "env-token",
        r#"{"data":{"workspace":{"id":"ws_1","name":"Demo","slug":"demo"}}}"#,
    );
    each_terraform(|tf| {
        let mut wd = WorkDir::new(tf);
        wd.setenv("SEGMENT_API_URL", &mock.url)
            .setenv("SEGMENT_ACCESS_TOKEN", "env-token");
        wd.config(
            "provider \"conductorone\" {}\n\ndata \"conductorone_segment_workspace\" \"this\" {}\n\n\
             output \"slug\" {\n  value = data.conductorone_segment_workspace.this.slug\n}\n",
        );
        wd.run(&["plan", "-no-color"])
            .success()
            .contains("slug = \"demo\"");
    });
    let seen = mock.requests.lock().unwrap().clone();
    assert!(
        seen.iter().any(|r| r.starts_with("GET / HTTP/1.1")),
        "Segment's GET / was called: {seen:?}"
    );
}

#[test]
fn a_refused_token_fails_the_plan_without_echoing_it() {
    let mock = crate::mock_http::serve(
        "right-token",
        r#"{"data":{"workspace":{"id":"x","name":"x","slug":"x"}}}"#,
    );
    each_terraform(|tf| {
        let mut wd = WorkDir::new(tf);
        wd.setenv("TF_VAR_segment_token", "wrong-token-7f3a");
        wd.config(&format!(
            "variable \"segment_token\" {{\n  type      = string\n  sensitive = true\n}}\n\n\
             provider \"conductorone\" {{\n  segment_api_url = \"{}\"\n}}\n\n\
             data \"conductorone_segment_workspace\" \"this\" {{\n  segment_access_token = var.segment_token\n}}\n",
            mock.url
        ));
        let out = wd.run(&["plan", "-no-color"]);
        out.failure()
            .contains("Segment refused the access token")
            .contains("Workspace Owner");
        assert!(
            !out.all().contains("wrong-token-7f3a"),
            "token leaked:\n{}",
            out.all()
        );
    });
}

#[test]
fn a_missing_token_names_the_attribute_and_env_var() {
    each_terraform(|tf| {
        let wd = WorkDir::new(tf);
        wd.config(
            "provider \"conductorone\" {}\n\ndata \"conductorone_segment_workspace\" \"this\" {}\n",
        );
        wd.run(&["plan", "-no-color"])
            .failure()
            .contains("Missing Segment access token")
            .contains("SEGMENT_ACCESS_TOKEN");
    });
}

/// Regression: validation and configuration agree on where the server comes
/// from. A client ID without a tenant host is fine when
/// `CONDUCTORONE_SERVER_URL` names the server, and refused when nothing does.
#[test]
fn validate_honours_the_server_url_from_the_environment() {
    each_terraform(|tf| {
        let mut wd = WorkDir::new(tf);
        let config = "provider \"conductorone\" {\n  client_id = \"fox-1\"\n}\n\n\
                      data \"conductorone_segment_workspace\" \"this\" {}\n";
        wd.config(config);
        wd.run(&["validate", "-no-color"])
            .failure()
            .contains("Invalid client ID")
            .contains("client_id = \"fox-1\"");
        wd.setenv("CONDUCTORONE_SERVER_URL", "https://acme.conductor.one");
        wd.run(&["validate", "-no-color"])
            .success()
            .contains("The configuration is valid");
    });
}
