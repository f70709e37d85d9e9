//! CustomResourceDefinitions: `enter` opens the resource's objects.

use super::{Drill, View};
use crate::model::table::ResourceRow;

pub struct CustomResourceDefinitions;

impl View for CustomResourceDefinitions {
    fn kind(&self) -> (&'static str, &'static str) {
        ("apiextensions.k8s.io", "CustomResourceDefinition")
    }

    fn drill(&self, row: &ResourceRow) -> Drill {
        // A CRD is named `plural.group`, which is how kubectl names its objects too.
        Drill::Command(row.id.name.clone())
    }
}
