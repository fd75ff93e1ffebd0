//! First-party, cookieless analytics (P6, P14, P15; the policy's `website_analytics` purpose on
//! legitimate interests): a page view is the page's route template, its language, the referring
//! site's host, and the random per-tab id the storefront keeps in `sessionStorage`. No IP
//! address, no user agent, no account is stored; the per-tab id goes after the policy's 30 days
//! (retention rule `analytics`).
//!
//! Nothing is recorded when the browser asks not to be tracked, nor for a signed-in customer
//! who restricted their data (Art. 18) or objected to analytics (Art. 21).

use luxevault_core::Lang;
use luxevault_storage::{NewPageView, PageViews};
use uuid::Uuid;

use crate::Shop;
use crate::error::ShopError;
use crate::privacy::limits::{Person, may_process};

/// The `sessionStorage` key of the per-tab id (published by the policy, P14).
pub const SID_KEY: &str = "lg_sid";

/// The storefront's pages, as route templates without the language prefix: no slug, id or
/// query ever reaches the table.
pub const PAGE_TEMPLATES: &[&str] = &[
    "/",
    "/collections/{slug}",
    "/products/{slug}",
    "/cart",
    "/privacy",
    "/privacy/centre",
    "/account",
    "/account/reset",
    "/checkout",
    "/orders/{id}",
];

/// The route template of a storefront path without its language prefix, e.g.
/// `/products/escarpin` → `/products/{slug}`.
pub fn page_template(path: &str) -> Option<&'static str> {
    if let Some(exact) = PAGE_TEMPLATES.iter().find(|t| **t == path && !t.contains('{')) {
        return Some(exact);
    }
    let (section, rest) = path.trim_start_matches('/').split_once('/')?;
    if rest.is_empty() || rest.contains('/') {
        return None;
    }
    match section {
        "collections" => Some("/collections/{slug}"),
        "products" => Some("/products/{slug}"),
        "orders" => Some("/orders/{id}"),
        _ => None,
    }
}

fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
}

/// A page view as the storefront's script reports it.
pub struct PageView<'a> {
    pub path: &'a str,
    pub lang: &'a str,
    pub referrer: Option<&'a str>,
    pub sid: &'a str,
}

fn invalid(message: &'static str) -> ShopError {
    ShopError::invalid("invalid_page_view", message)
}

/// Records a page view unless the visitor opted out (`do_not_track`: Global Privacy Control or
/// Do Not Track) or the signed-in `viewer` restricted their data or objected to analytics.
/// Returns whether it was kept; a malformed view is refused whatever the visitor's choice.
pub async fn record_view(
    shop: &Shop,
    view: PageView<'_>,
    viewer: Option<Uuid>,
    do_not_track: bool,
) -> Result<bool, ShopError> {
    if !PAGE_TEMPLATES.contains(&view.path) {
        return Err(invalid("path must be one of the shop's page templates, e.g. /products/{slug}"));
    }
    let lang = Lang::parse(view.lang)
        .filter(|l| shop.settings().langs.contains(l))
        .ok_or_else(|| invalid("lang must be a language of the shop"))?;
    let sid_ok = (16..=64).contains(&view.sid.len()) && view.sid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !sid_ok {
        return Err(invalid("sid must be 16 to 64 letters, digits or dashes"));
    }
    let referrer = view.referrer.map(str::trim).filter(|r| !r.is_empty()).map(str::to_ascii_lowercase);
    if referrer.as_deref().is_some_and(|r| !valid_host(r)) {
        return Err(invalid("referrer must be a host name, e.g. example.com"));
    }
    if do_not_track {
        return Ok(false);
    }
    let now = shop.clock().now();
    if let Some(customer) = viewer {
        // Art. 18 and 21: a restricted or objecting customer's visits are not analysed.
        let person = Person::of_account(shop, customer).await?;
        if !may_process(shop, &person, "website_analytics", now).await? {
            return Ok(false);
        }
    }
    let record =
        NewPageView { path: view.path, lang: lang.as_str(), referrer_host: referrer.as_deref(), sid: Some(view.sid) };
    PageViews::record(shop.db(), &record, now).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_templates_and_nothing_else_passes() {
        assert_eq!(page_template("/"), Some("/"));
        assert_eq!(page_template("/products/escarpin-alma"), Some("/products/{slug}"));
        assert_eq!(page_template("/orders/0193a0b2"), Some("/orders/{id}"));
        assert_eq!(page_template("/privacy/centre"), Some("/privacy/centre"));
        assert_eq!(page_template("/products/a/b"), None);
        assert_eq!(page_template("/admin"), None);
    }

    #[test]
    fn referrers_are_host_names_only() {
        assert!(valid_host("example.com"));
        assert!(valid_host("shop.example:8443"));
        assert!(!valid_host("https://example.com/path?email=a@b"));
        assert!(!valid_host(""));
    }
}
