//! (placeholder: filled by the sim work)
pub mod tmsp;
