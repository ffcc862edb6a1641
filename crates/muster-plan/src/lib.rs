//! Reading the documents that describe a company: Backstage catalogs and the
//! incident plan as code into the core's model, with every problem reported
//! at its `file:line`; and the plan's stored documents back into schedules
//! and escalation policies ([`oncall`]), alert routes ([`alerting`]),
//! integrations ([`integrations`]) and runbooks ([`runbooks`]).

pub mod alerting;
pub mod backstage;
pub mod communications;
pub mod integrations;
pub mod oncall;
pub mod plan;
pub mod runbooks;
pub mod scenarios;
pub mod stakeholders;
pub mod status_components;
pub mod updates;
