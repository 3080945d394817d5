# One role by its exact name (or set id instead).
data "conductorone_segment_role" "owner" {
  name = "Workspace Owner"
}

output "workspace_owner_role_id" {
  value = data.conductorone_segment_role.owner.id
}
