variable "segment_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "segment_token_version" {
  description = "Bump after rotating the token, to send it again."
  type        = number
  default     = 1
}

resource "conductorone_segment_integration" "segment" {
  segment_access_token_wo         = var.segment_token
  segment_access_token_wo_version = var.segment_token_version

  # A sync after the connector is made and after each token rotation proves
  # that ConductorOne can use the token.
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.conductorone_segment_sync.segment]
    }
  }
}

# Also runs on request:
#   terraform apply -invoke=action.conductorone_segment_sync.segment
action "conductorone_segment_sync" "segment" {
  config {
    app_id       = conductorone_segment_integration.segment.app_id
    connector_id = conductorone_segment_integration.segment.id
    timeout      = "10m"
  }
}
