//! Generic Terraform plugin machinery (protocol 6): the go-plugin handshake
//! with mutual TLS, the gRPC services, msgpack values with unknowns, schemas
//! derived from model structs, diagnostics with attribute paths, and the
//! traits a provider implements. Nothing here knows any particular provider.

pub mod diag;
pub mod framework;
pub mod logging;
pub mod redact;
pub mod rules;
pub mod schema;
pub mod server;
pub mod validate;
pub mod value;

mod deferred;
mod grpc;
mod platform;
pub mod tls;
pub mod transport;
pub mod typed;

/// Generated protocol types.
pub mod proto {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    pub mod tfplugin6 {
        tonic::include_proto!("tfplugin6");
    }
    pub mod plugin {
        tonic::include_proto!("plugin");
    }
}

pub use diag::{AttributePath, Diagnostic, Diagnostics};
pub use framework::{Context, DataSource, Provider, Resource};
pub use schema::Schema;
pub use value::{Number, Type, Value};
