//! List resources for `terraform query` (Terraform 1.14+), one file each,
//! named like the managed resource whose objects they find.

pub mod segment_integration;
