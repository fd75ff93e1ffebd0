//! What the operator configures about the shop's face.

use luxevault_core::Lang;

/// Browser storage keys. Defaults are the names the privacy policy publishes (P14); a shop that
/// publishes other names configures them here and the script follows.
#[derive(Debug, Clone)]
pub struct StorageKeys {
    pub cart: String,
    pub currency: String,
    /// The customer's session token, from sign-in until sign-out.
    pub session: String,
}

impl Default for StorageKeys {
    fn default() -> Self {
        Self { cart: "luxevault_cart".into(), currency: "lg_currency".into(), session: "lg_session".into() }
    }
}

/// The data controller and its privacy contacts, as published (P1).
#[derive(Debug, Clone)]
pub struct Controller {
    pub name: String,
    pub email: String,
    pub whatsapp: String,
}

#[derive(Debug, Clone)]
pub struct ShopSettings {
    pub name: String,
    pub tagline: String,
    /// Languages offered; the first is the default, served without a URL prefix.
    pub langs: Vec<Lang>,
    pub storage: StorageKeys,
    pub controller: Controller,
    /// The house's clock on the wall: every time staff read, and the dashboard's days.
    pub time_zone: luxevault_core::local_time::ShopTimeZone,
}

impl ShopSettings {
    pub fn default_lang(&self) -> &Lang {
        // Validated non-empty when the shop is built.
        &self.langs[0]
    }

    /// URL prefix for a language: "" for the default, "/fr" for French.
    pub fn prefix(&self, lang: &Lang) -> String {
        if lang == self.default_lang() { String::new() } else { format!("/{lang}") }
    }
}

/// The language's own name for itself, for the language picker.
pub fn lang_label(lang: &Lang) -> String {
    match lang.as_str() {
        "en" => "English",
        "fr" => "Français",
        "de" => "Deutsch",
        "it" => "Italiano",
        "es" => "Español",
        "ja" => "日本語",
        "zh" => "中文",
        other => return other.to_uppercase(),
    }
    .to_string()
}
