//! gpudeck library root: the module list only (tests and benches reach everything through it).

pub mod action;
pub mod app;
pub mod cli;
pub mod config;
pub mod describe;
pub mod diff;
pub mod effects;
pub mod event;
pub mod infer;
pub mod keymap;
pub mod layout;
pub mod manifest;
pub mod model;
pub mod quiet_backend;
pub mod sanitize;
pub mod selector;
pub mod sim;
pub mod sources;
pub mod state;
pub mod theme;
pub mod ui;
pub mod views;
