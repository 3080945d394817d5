# Every role of the workspace, sorted by name.
data "conductorone_segment_roles" "all" {}

output "role_names" {
  value = data.conductorone_segment_roles.all.roles[*].name
}
