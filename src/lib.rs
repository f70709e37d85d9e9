//! gpudeck library root: the module list only (tests and benches reach everything through it).

pub mod cli;
pub mod sim;
