# Every Segment connector in the ConductorOne tenant, across all apps.
# Run `terraform query` to list them, or
# `terraform query -generate-config-out=adopt.tf` to write an import block
# and a resource block for each.
list "conductorone_segment_integration" "all" {
  provider = conductorone
  limit    = 1000
}
