# Every user group whose name starts with "Engineering".
data "conductorone_segment_groups" "engineering" {
  name_regex = "^Engineering"
}

output "engineering_group_ids" {
  value = data.conductorone_segment_groups.engineering.groups[*].id
}
