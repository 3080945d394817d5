# The configuration a CI job checks: a Segment connector with its owners.
# `terraform test` runs tests/*.tftest.hcl against it: plan.tftest.hcl with a
# mock provider (no credentials), apply.tftest.hcl against a real ConductorOne
# and Segment, or the sandbox.
terraform {
  required_version = ">= 1.11"
  required_providers {
    conductorone = {
      source = "seed/conductorone"
    }
  }
}

provider "conductorone" {}

variable "segment_token" {
  description = "The Segment token the connector uses (Workspace Owner access level)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "segment_token_version" {
  description = "Bump after rotating the token, to send it again."
  type        = number
  default     = 1
}

variable "owner_ids" {
  description = "ConductorOne user IDs of the connector's owners."
  type        = set(string)
}

variable "environment" {
  description = "Which environment this connector serves; part of its name."
  type        = string
  default     = "production"
}

resource "conductorone_segment_integration" "segment" {
  display_name                    = "Segment (${var.environment})"
  user_ids                        = var.owner_ids
  segment_access_token_wo         = var.segment_token
  segment_access_token_wo_version = var.segment_token_version
}

output "connector" {
  value = {
    app_id       = conductorone_segment_integration.segment.app_id
    connector_id = conductorone_segment_integration.segment.id
    workspace    = conductorone_segment_integration.segment.segment_workspace_slug
  }
}
