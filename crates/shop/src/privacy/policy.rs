//! The published privacy policy: the policy in force with the controller's identity and
//! contacts from the configuration (P1), as one document (what `/privacy.json` serves and the
//! access copy quotes).

use serde_json::{Value, json};

use crate::Shop;

/// The policy with the controller's identity and contacts (P1), as one document.
pub fn published_document(shop: &Shop) -> Value {
    let settings = shop.settings();
    let mut document = shop.policy().json.clone();
    if let Some(map) = document.as_object_mut() {
        map.insert(
            "controller".into(),
            json!({"name": settings.controller.name, "email": settings.controller.email, "whatsapp": settings.controller.whatsapp}),
        );
    }
    document
}
