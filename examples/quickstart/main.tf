# Quickstart: reads the Segment workspace that SEGMENT_ACCESS_TOKEN belongs to.
# The integration resource and the group and role data sources join this
# example as they are built.
terraform {
  required_providers {
    conductorone = {
      source = "seed/conductorone"
    }
  }
}

provider "conductorone" {}

data "conductorone_segment_workspace" "this" {}

output "segment_workspace_slug" {
  value = data.conductorone_segment_workspace.this.slug
}
