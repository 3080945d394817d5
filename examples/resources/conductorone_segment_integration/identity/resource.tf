# The block to write before importing: the connector's app and name as
# ConductorOne has them, so that the plan after the import changes nothing.
resource "conductorone_segment_integration" "segment" {
  app_id       = "2Ykq3Wb8wQ3nN1GmHcM4oVt9Xyz"
  display_name = "Segment (production)"
}
