variable "app_id" {
  description = "The integration's app_id (conductorone_segment_integration.NAME.app_id)."
  type        = string
}

variable "connector_id" {
  description = "The integration's id (conductorone_segment_integration.NAME.id)."
  type        = string
}

# Read at every plan. Declared outside the check block: a data source nested
# in a check block is always planned as "read during apply", so every plan
# would exit 2 under -detailed-exitcode.
data "conductorone_segment_sync_status" "segment" {
  app_id       = var.app_id
  connector_id = var.connector_id
}

# A failed sync or a paused connector shows as a warning; the plan goes on,
# and its exit code does not change.
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
