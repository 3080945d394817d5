//! Managed resources, one file each.

pub mod segment_integration;
