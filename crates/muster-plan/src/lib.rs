//! Reading the documents that describe a company: Backstage catalogs (and,
//! later, the incident plan as code) into the core's catalog model, with every
//! problem reported at its `file:line`.

pub mod backstage;
pub mod plan;
