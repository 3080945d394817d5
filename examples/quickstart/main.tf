# Quickstart: reads the Segment workspace, its user groups and its roles.
# Run it against the local sandbox with `make demo`, or against the real
# services with CONDUCTORONE_* and SEGMENT_ACCESS_TOKEN set.
terraform {
  required_providers {
    conductorone = {
      source = "seed/conductorone"
    }
  }
}

provider "conductorone" {}

data "conductorone_segment_workspace" "this" {}

data "conductorone_segment_groups" "all" {}

data "conductorone_segment_role" "owner" {
  name = "Workspace Owner"
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

output "workspace_owner_role_id" {
  value = data.conductorone_segment_role.owner.id
}
