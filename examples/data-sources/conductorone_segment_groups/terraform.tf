terraform {
  required_providers {
    conductorone = {
      source = "seed/conductorone"
    }
  }
}

provider "conductorone" {}
