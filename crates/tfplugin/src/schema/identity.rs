//! Resource identity (protocol 6.9, Terraform 1.12+): the attributes that
//! name one object for its whole life, declared as a model struct like any
//! schema. Its required fields are required for an `import` block's
//! `identity`, its optional ones optional. Older Terraform never asks.

use schemars::JsonSchema;

use super::{Schema, SchemaError};
use crate::proto::tfplugin6 as pb;
use crate::value::Type;

#[derive(Clone, Debug, PartialEq)]
pub struct IdentityAttribute {
    pub name: String,
    pub ty: Type,
    pub required_for_import: bool,
    pub optional_for_import: bool,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IdentitySchema {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

impl IdentitySchema {
    /// From a model struct of plain attributes, at schema `version`.
    pub fn derive<T: JsonSchema + 'static>(version: i64) -> Result<IdentitySchema, SchemaError> {
        let s = Schema::derive::<T>()?;
        let attributes = s
            .attributes
            .iter()
            .map(|a| IdentityAttribute {
                name: a.name.clone(),
                ty: a.value_type(),
                required_for_import: a.required,
                optional_for_import: !a.required,
                description: a.description.clone(),
            })
            .collect();
        Ok(IdentitySchema {
            version,
            attributes,
        })
    }

    /// The object type identity data is encoded with.
    pub fn value_type(&self) -> Type {
        Type::object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone())),
        )
    }

    pub fn to_proto(&self) -> pb::ResourceIdentitySchema {
        pb::ResourceIdentitySchema {
            version: self.version,
            identity_attributes: self
                .attributes
                .iter()
                .map(|a| pb::resource_identity_schema::IdentityAttribute {
                    name: a.name.clone(),
                    r#type: a.ty.to_json().to_string().into_bytes(),
                    required_for_import: a.required_for_import,
                    optional_for_import: a.optional_for_import,
                    description: a.description.clone(),
                })
                .collect(),
        }
    }
}
