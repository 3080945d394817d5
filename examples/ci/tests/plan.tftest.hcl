# Needs no credentials: the provider is mocked, and only planned values that
# the configuration decides are asserted.
#   terraform test -filter=tests/plan.tftest.hcl
mock_provider "conductorone" {}

variables {
  segment_token = "mock-token"
  owner_ids     = ["2Xk8lq1FvBq3C9wPzR5tMnY7uHs"]
}

run "names_the_connector_after_its_environment" {
  command = plan

  assert {
    condition     = conductorone_segment_integration.segment.display_name == "Segment (production)"
    error_message = "The connector's name must say its environment."
  }
}

run "the_owners_are_the_ones_given" {
  command = plan

  variables {
    owner_ids = ["2Xk8lq1FvBq3C9wPzR5tMnY7uHs", "2Ykq3Wb8wQ3nN1GmHcM4oVt9Xyz"]
  }

  assert {
    condition     = length(conductorone_segment_integration.segment.user_ids) == 2
    error_message = "Both owners must be planned."
  }
}

run "a_rotation_bumps_the_token_version" {
  command = plan

  variables {
    segment_token_version = 2
  }

  assert {
    condition     = conductorone_segment_integration.segment.segment_access_token_wo_version == 2
    error_message = "The token version must follow the variable."
  }
}
