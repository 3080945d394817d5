terraform {
  required_version = ">= 1.14"
  required_providers {
    conductorone = {
      source = "seed/conductorone"
    }
  }
}

provider "conductorone" {}
