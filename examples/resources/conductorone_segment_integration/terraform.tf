terraform {
  required_version = ">= 1.11"
  required_providers {
    conductorone = {
      source = "seed/conductorone"
    }
  }
}

provider "conductorone" {}
