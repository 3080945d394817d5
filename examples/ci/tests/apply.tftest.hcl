# Real runs: creates the connector, checks it, and destroys it. Needs
# credentials in the environment (CONDUCTORONE_CLIENT_ID and _SECRET,
# SEGMENT_ACCESS_TOKEN for the provider, TF_VAR_segment_token and
# TF_VAR_owner_ids): a test tenant, or the sandbox (`conductorone-sandbox
# --env-file sandbox.env`). Never run it against production.
#   terraform test -filter=tests/apply.tftest.hcl

run "creates_the_connector_and_checks_its_token" {
  command = apply

  assert {
    condition     = conductorone_segment_integration.segment.id != null && conductorone_segment_integration.segment.app_id != null
    error_message = "The connector and its app must exist."
  }

  assert {
    condition     = conductorone_segment_integration.segment.segment_workspace_id != null
    error_message = "The token must have been checked against a Segment workspace."
  }

  assert {
    condition     = conductorone_segment_integration.segment.display_name == "Segment (production)"
    error_message = "The connector's name must say its environment."
  }
}

run "a_token_rotation_updates_in_place" {
  command = apply

  variables {
    segment_token_version = 2
  }

  assert {
    condition     = conductorone_segment_integration.segment.segment_access_token_wo_version == 2
    error_message = "The new token version must be recorded."
  }
}
