# Quickstart: registers Segment in ConductorOne and reads the workspace's
# user groups and roles. Needs Terraform 1.11 or later (the token is
# write-only); with Terraform 1.6 to 1.10, use segment_access_token instead
# (the resource page, "Terraform before 1.11"). `make demo` runs it against the local sandbox; against
# the real services, set CONDUCTORONE_CLIENT_ID, CONDUCTORONE_CLIENT_SECRET,
# SEGMENT_ACCESS_TOKEN and TF_VAR_segment_access_token.
terraform {
  required_version = ">= 1.11"
  required_providers {
    conductorone = {
      source = "seed/conductorone"
    }
  }
}

provider "conductorone" {}

variable "segment_access_token" {
  description = "The Segment token the connector will use (Workspace Owner access level)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "owner_ids" {
  description = "ConductorOne user IDs of the connector's owners; null makes the caller the owner."
  type        = set(string)
  default     = null
}

# The connector, in an app of its own. The token is checked against Segment
# during plan and apply, and is never written to the plan or the state.
resource "conductorone_segment_integration" "segment" {
  display_name                    = "Segment"
  user_ids                        = var.owner_ids
  segment_access_token_wo         = var.segment_access_token
  segment_access_token_wo_version = 1
}

# The sync's health, read at every plan: a failed sync (such as a revoked
# token) or a paused connector is a warning from the check, never drift.
# (Declared outside the check: a data source nested in a check block is
# always planned as "read during apply", which makes every plan exit 2
# under -detailed-exitcode.)
data "conductorone_segment_sync_status" "segment" {
  app_id       = conductorone_segment_integration.segment.app_id
  connector_id = conductorone_segment_integration.segment.id
}

check "segment_sync" {
  assert {
    condition     = data.conductorone_segment_sync_status.segment.status != "SYNC_STATUS_ERROR"
    error_message = "ConductorOne's last Segment sync failed: ${coalesce(data.conductorone_segment_sync_status.segment.last_error, "no message")}"
  }

  assert {
    condition     = !data.conductorone_segment_sync_status.segment.paused
    error_message = "The Segment connector is paused in ConductorOne: no syncs run until it is resumed."
  }
}

data "conductorone_segment_workspace" "this" {}

data "conductorone_segment_groups" "all" {}

data "conductorone_segment_roles" "all" {}

data "conductorone_segment_role" "owner" {
  name = "Workspace Owner"
}

output "connector" {
  value = {
    app_id       = conductorone_segment_integration.segment.app_id
    connector_id = conductorone_segment_integration.segment.id
    owners       = conductorone_segment_integration.segment.user_ids
    segment_slug = conductorone_segment_integration.segment.segment_workspace_slug
  }
}

output "segment_workspace" {
  value = {
    id   = data.conductorone_segment_workspace.this.id
    name = data.conductorone_segment_workspace.this.name
    slug = data.conductorone_segment_workspace.this.slug
  }
}

output "segment_group_names" {
  value = data.conductorone_segment_groups.all.groups[*].name
}

output "segment_role_names" {
  value = data.conductorone_segment_roles.all.roles[*].name
}

output "workspace_owner_role_id" {
  value = data.conductorone_segment_role.owner.id
}
