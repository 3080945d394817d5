//! Actions (Terraform 1.14+), one file each.

pub mod segment_sync;
