//! Namespaces: `enter` makes one the namespace in view (`:ns NAME` does the same by name).

use super::{Drill, View};
use crate::model::table::ResourceRow;

pub struct Namespaces;

impl View for Namespaces {
    fn kind(&self) -> (&'static str, &'static str) {
        ("", "Namespace")
    }

    fn drill(&self, _row: &ResourceRow) -> Drill {
        Drill::Namespace
    }
}
