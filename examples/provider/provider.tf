terraform {
  required_providers {
    conductorone = {
      source = "seed/conductorone"
    }
  }
}

# Credentials usually come from the environment:
#   CONDUCTORONE_CLIENT_ID, CONDUCTORONE_CLIENT_SECRET (or CONDUCTORONE_ACCESS_TOKEN),
#   SEGMENT_ACCESS_TOKEN, and optionally CONDUCTORONE_SERVER_URL and SEGMENT_API_URL.
provider "conductorone" {}
