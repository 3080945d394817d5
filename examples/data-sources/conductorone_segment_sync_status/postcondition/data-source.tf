variable "app_id" {
  description = "The integration's app_id (conductorone_segment_integration.NAME.app_id)."
  type        = string
}

variable "connector_id" {
  description = "The integration's id (conductorone_segment_integration.NAME.id)."
  type        = string
}

# For teams who want a broken sync to stop the pipeline: a failed
# postcondition fails the plan.
data "conductorone_segment_sync_status" "segment" {
  app_id       = var.app_id
  connector_id = var.connector_id

  lifecycle {
    postcondition {
      condition     = self.status != "SYNC_STATUS_ERROR"
      error_message = "ConductorOne's last Segment sync failed: ${coalesce(self.last_error, "no message")}"
    }

    postcondition {
      condition     = !self.paused
      error_message = "The Segment connector is paused in ConductorOne: no syncs run until it is resumed."
    }
  }
}
