# Quickstart: reads the Segment workspace that the Segment token belongs to.
# Run it against the local sandbox with `make demo`, or against real services
# with CONDUCTORONE_* and SEGMENT_ACCESS_TOKEN set.
terraform {
  required_providers {
    conductorone = {
      source = "seed/conductorone"
    }
  }
}

provider "conductorone" {}

data "conductorone_segment_workspace" "this" {}

output "segment_workspace" {
  value = {
    id   = data.conductorone_segment_workspace.this.id
    name = data.conductorone_segment_workspace.this.name
    slug = data.conductorone_segment_workspace.this.slug
  }
}
