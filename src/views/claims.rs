//! PersistentVolumeClaims: `enter` shows the pods that mount the claim.

use super::{Drill, View};
use crate::model::table::ResourceRow;

pub struct PersistentVolumeClaims;

impl View for PersistentVolumeClaims {
    fn kind(&self) -> (&'static str, &'static str) {
        ("", "PersistentVolumeClaim")
    }

    fn drill(&self, _row: &ResourceRow) -> Drill {
        Drill::PodsUsingClaim
    }
}
