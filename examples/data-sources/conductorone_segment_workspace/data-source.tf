data "conductorone_segment_workspace" "this" {}

output "segment_workspace" {
  value = {
    id   = data.conductorone_segment_workspace.this.id
    name = data.conductorone_segment_workspace.this.name
    slug = data.conductorone_segment_workspace.this.slug
  }
}
