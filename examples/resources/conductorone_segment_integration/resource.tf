variable "segment_access_token" {
  description = "A Segment Public API token with the Workspace Owner access level."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "segment_access_token_version" {
  description = "Bump to send a rotated token to ConductorOne."
  type        = number
  default     = 1
}

variable "owner_ids" {
  description = "ConductorOne user IDs of the connector's owners."
  type        = set(string)
}

# The connector in its own ConductorOne app (created and deleted with it).
# The token is write-only: it is checked against Segment during plan and
# apply, sent to ConductorOne, and kept out of the plan and the state.
resource "conductorone_segment_integration" "segment" {
  display_name                    = "Segment (production)"
  user_ids                        = var.owner_ids
  segment_access_token_wo         = var.segment_access_token
  segment_access_token_wo_version = var.segment_access_token_version
}

# In an app that exists already: set app_id.
resource "conductorone_segment_integration" "in_existing_app" {
  app_id                  = "2Ykq3Wb8wQ3nN1GmHcM4oVt9Xyz"
  segment_access_token_wo = var.segment_access_token
}

output "segment_workspace" {
  value = conductorone_segment_integration.segment.segment_workspace_slug
}
