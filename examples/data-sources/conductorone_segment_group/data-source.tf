# One user group by its exact name (or set id instead), with its members.
data "conductorone_segment_group" "data_platform" {
  name = "Data Platform"
}

output "data_platform_members" {
  value = data.conductorone_segment_group.data_platform.member_emails
}
