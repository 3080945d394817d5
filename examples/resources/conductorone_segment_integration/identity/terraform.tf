terraform {
  required_version = ">= 1.12"
  required_providers {
    conductorone = {
      source = "seed/conductorone"
    }
  }
}

provider "conductorone" {}
