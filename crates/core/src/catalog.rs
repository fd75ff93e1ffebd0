//! Rules of the catalog: what is for sale and how stock is shown.

use serde::Serialize;

/// At or below this many pieces a variant shows "only a few left".
pub const LOW_STOCK_THRESHOLD: i64 = 2;

/// Whether a product or a variant is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// On sale.
    Active,
    /// No longer offered; kept so old carts and orders still resolve.
    Retired,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Retired => "retired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "retired" => Some(Self::Retired),
            _ => None,
        }
    }
}

/// What a customer is told about a variant's stock. Exact counts are shown only when low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StockState {
    InStock,
    LowStock,
    SoldOut,
}

impl StockState {
    pub fn of(stock: i64) -> Self {
        match stock {
            s if s <= 0 => Self::SoldOut,
            s if s <= LOW_STOCK_THRESHOLD => Self::LowStock,
            _ => Self::InStock,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InStock => "in_stock",
            Self::LowStock => "low_stock",
            Self::SoldOut => "sold_out",
        }
    }
}

/// A URL-safe identifier for products and collections: lowercase ASCII letters, digits, hyphens.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 120
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// A stock-keeping unit: uppercase ASCII letters, digits and hyphens.
pub fn is_valid_sku(sku: &str) -> bool {
    !sku.is_empty() && sku.len() <= 64 && sku.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// A size as a reader of `lang` writes it: "38.5" is "38,5" in French and the other languages
/// that write a decimal comma. Only a size that is a decimal number changes ("M", "38",
/// "38 EU", "8.5/9" stay); the stored size keeps the point, so a SKU's size means one thing.
pub fn size_label(size: &str, lang: &crate::Lang) -> String {
    const DECIMAL_COMMA: &[&str] =
        &["fr", "de", "it", "es", "pt", "nl", "da", "sv", "nb", "fi", "pl", "cs", "ru", "tr", "el", "hu", "ro"];
    let is_decimal = size.split_once('.').is_some_and(|(whole, fraction)| {
        !whole.is_empty()
            && !fraction.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.bytes().all(|b| b.is_ascii_digit())
    });
    if is_decimal && DECIMAL_COMMA.contains(&lang.as_str()) { size.replacen('.', ",", 1) } else { size.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_sizes_read_with_the_readers_decimal_mark() {
        let fr = crate::Lang::parse("fr").unwrap_or_else(|| panic!("fr"));
        let en = crate::Lang::parse("en").unwrap_or_else(|| panic!("en"));
        assert_eq!(size_label("38.5", &fr), "38,5");
        assert_eq!(size_label("38.5", &en), "38.5");
        for kept in ["M", "38", "8.5/9", "38.", ".5", "XS.1", "1.2.3"] {
            assert_eq!(size_label(kept, &fr), kept, "{kept}");
        }
    }

    #[test]
    fn stock_states() {
        assert_eq!(StockState::of(-1), StockState::SoldOut);
        assert_eq!(StockState::of(0), StockState::SoldOut);
        assert_eq!(StockState::of(1), StockState::LowStock);
        assert_eq!(StockState::of(LOW_STOCK_THRESHOLD), StockState::LowStock);
        assert_eq!(StockState::of(LOW_STOCK_THRESHOLD + 1), StockState::InStock);
    }

    #[test]
    fn slugs_and_skus() {
        assert!(is_valid_slug("cabas-riviera"));
        assert!(!is_valid_slug("Cabas"));
        assert!(!is_valid_slug("a/b"));
        assert!(!is_valid_slug("-a"));
        assert!(is_valid_sku("ME-CR-NOIR-38"));
        assert!(!is_valid_sku("me-cr"));
        assert!(!is_valid_sku(""));
    }

    fn product(published_at: Option<crate::Timestamp>, availability: Availability) -> snapshot::Product {
        snapshot::Product {
            id: uuid::Uuid::nil(),
            slug: "sac".into(),
            availability,
            featured: false,
            texts: Default::default(),
            images: Vec::new(),
            image_alts: Vec::new(),
            collections: Vec::new(),
            variants: Vec::new(),
            prices: Vec::new(),
            tax_class: "standard".into(),
            published_at,
        }
    }

    #[test]
    fn publication_is_decided_at_read_time() {
        use crate::Timestamp;
        let now = Timestamp(1_000);
        assert!(!product(None, Availability::Active).on_sale(now), "a draft");
        let scheduled = product(Some(Timestamp(2_000)), Availability::Active);
        assert!(!scheduled.on_sale(now));
        assert!(scheduled.on_sale(Timestamp(2_000)), "on sale from its time on");
        assert!(!product(Some(now), Availability::Retired).on_sale(now), "retired wins over published");
    }
}

/// The catalog as the storefront reads it: every collection, product, variant and price, indexed
/// by slug and SKU. Storage loads it whole (a boutique has hundreds of pieces, not millions) and
/// reloads it when the catalog's version changes, so a page is rendered without a query per field.
pub mod snapshot {
    use std::collections::HashMap;

    use uuid::Uuid;

    use super::{Availability, StockState};
    use crate::pricing::CurrencyTable;
    use crate::{Lang, Money, Timestamp};

    /// Texts keyed by language code.
    pub type Localized<T> = HashMap<String, T>;

    /// The text in `lang`, else in `fallback`, else in any language (a product added in one
    /// language is still shown).
    pub fn localized<'a, T>(texts: &'a Localized<T>, lang: &Lang, fallback: &Lang) -> Option<&'a T> {
        texts
            .get(lang.as_str())
            .or_else(|| texts.get(fallback.as_str()))
            .or_else(|| texts.keys().min().and_then(|k| texts.get(k)))
    }

    #[derive(Debug, Clone)]
    pub struct Colour {
        pub code: String,
        pub hex: String,
        pub names: Localized<String>,
    }

    #[derive(Debug, Clone)]
    pub struct CollectionText {
        pub name: String,
        pub description: String,
    }

    #[derive(Debug, Clone)]
    pub struct Collection {
        pub id: Uuid,
        pub slug: String,
        pub image: Option<String>,
        pub texts: Localized<CollectionText>,
        /// The product the house puts first on the collection's page.
        pub featured_product: Option<Uuid>,
    }

    #[derive(Debug, Clone, Default)]
    pub struct ProductText {
        pub name: String,
        pub subtitle: String,
        pub description: Vec<String>,
        pub details: Vec<String>,
        /// The page's `<title>` and meta description; empty means "derive from name and subtitle".
        pub seo_title: String,
        pub seo_description: String,
    }

    #[derive(Debug, Clone)]
    pub struct Variant {
        pub id: Uuid,
        pub sku: String,
        pub colour: Option<String>,
        pub size: Option<String>,
        pub material: Option<String>,
        /// EAN/UPC/GTIN as printed on the label; empty when the house has none.
        pub barcode: String,
        /// Shipping weight, for rates and customs.
        pub weight_grams: i64,
        /// Harmonized System code for customs declarations; empty when not yet classified.
        pub hs_code: String,
        /// ISO 3166-1 alpha-2 country of origin; empty when unknown.
        pub origin_country: String,
        pub stock: i64,
        pub availability: Availability,
    }

    impl Variant {
        pub fn stock_state(&self) -> StockState {
            match self.availability {
                Availability::Active => StockState::of(self.stock),
                Availability::Retired => StockState::SoldOut,
            }
        }
    }

    #[derive(Debug, Clone)]
    pub struct Product {
        pub id: Uuid,
        pub slug: String,
        pub availability: Availability,
        pub featured: bool,
        pub texts: Localized<ProductText>,
        pub images: Vec<String>,
        /// Alt texts of `images`, one map per image in the same order.
        pub image_alts: Vec<Localized<String>>,
        /// Collection ids, in the order the product is filed.
        pub collections: Vec<Uuid>,
        pub variants: Vec<Variant>,
        /// Explicit prices, one per currency the house priced it in.
        pub prices: Vec<Money>,
        /// The tax class its rates are looked up by ("standard", "reduced", ...).
        pub tax_class: String,
        /// `None`: a draft; a time in the future: scheduled.
        pub published_at: Option<Timestamp>,
    }

    impl Product {
        /// Whether the storefront shows it at `now`. Decided at read time, not at load time: the
        /// snapshot is cached by catalog version, and a scheduled product appears without a write.
        pub fn is_published(&self, now: Timestamp) -> bool {
            self.published_at.is_some_and(|at| at <= now)
        }

        /// Where the product stands at `now`: `draft`, `scheduled` (published later) or
        /// `published` — whatever its availability.
        pub fn publication(&self, now: Timestamp) -> &'static str {
            match self.published_at {
                None => "draft",
                Some(at) if at > now => "scheduled",
                Some(_) => "published",
            }
        }

        /// Offered to shoppers at `now`: active and published.
        pub fn on_sale(&self, now: Timestamp) -> bool {
            self.availability == Availability::Active && self.is_published(now)
        }

        /// The alt text of image `index` in `lang` (or the fallback language); empty when none.
        pub fn image_alt(&self, index: usize, lang: &Lang, fallback: &Lang) -> &str {
            self.image_alts.get(index).and_then(|alts| localized(alts, lang, fallback)).map_or("", String::as_str)
        }

        pub fn sold_out(&self) -> bool {
            self.variants.iter().all(|v| v.stock_state() == StockState::SoldOut)
        }
    }

    #[derive(Debug, Clone)]
    pub struct Catalog {
        pub version: i64,
        pub currencies: CurrencyTable,
        pub colours: Vec<Colour>,
        pub collections: Vec<Collection>,
        pub products: Vec<Product>,
        product_by_slug: HashMap<String, usize>,
        variant_by_sku: HashMap<String, (usize, usize)>,
        collection_by_slug: HashMap<String, usize>,
    }

    impl Catalog {
        pub fn new(
            version: i64,
            currencies: CurrencyTable,
            colours: Vec<Colour>,
            collections: Vec<Collection>,
            products: Vec<Product>,
        ) -> Self {
            let product_by_slug = products.iter().enumerate().map(|(i, p)| (p.slug.clone(), i)).collect();
            let variant_by_sku = products
                .iter()
                .enumerate()
                .flat_map(|(pi, p)| p.variants.iter().enumerate().map(move |(vi, v)| (v.sku.clone(), (pi, vi))))
                .collect();
            let collection_by_slug = collections.iter().enumerate().map(|(i, c)| (c.slug.clone(), i)).collect();
            Self {
                version,
                currencies,
                colours,
                collections,
                products,
                product_by_slug,
                variant_by_sku,
                collection_by_slug,
            }
        }

        pub fn product(&self, slug: &str) -> Option<&Product> {
            self.product_by_slug.get(slug).and_then(|&i| self.products.get(i))
        }

        pub fn variant(&self, sku: &str) -> Option<(&Product, &Variant)> {
            let &(pi, vi) = self.variant_by_sku.get(sku)?;
            let product = self.products.get(pi)?;
            Some((product, product.variants.get(vi)?))
        }

        pub fn collection(&self, slug: &str) -> Option<&Collection> {
            self.collection_by_slug.get(slug).and_then(|&i| self.collections.get(i))
        }

        pub fn collection_by_id(&self, id: Uuid) -> Option<&Collection> {
            self.collections.iter().find(|c| c.id == id)
        }

        pub fn colour(&self, code: &str) -> Option<&Colour> {
            self.colours.iter().find(|c| c.code == code)
        }

        /// Products on sale at `now` in a collection: its featured product first, then the others
        /// in catalog order.
        pub fn products_in(&self, collection: Uuid, now: Timestamp) -> impl Iterator<Item = &Product> {
            let featured = self.collection_by_id(collection).and_then(|c| c.featured_product);
            let in_it = move |p: &&Product| p.on_sale(now) && p.collections.contains(&collection);
            let first = self.products.iter().filter(move |p| Some(p.id) == featured).filter(in_it);
            first.chain(self.products.iter().filter(move |p| Some(p.id) != featured).filter(in_it))
        }

        /// Products on sale at `now`, in catalog order.
        pub fn products_on_sale(&self, now: Timestamp) -> impl Iterator<Item = &Product> {
            self.products.iter().filter(move |p| p.on_sale(now))
        }
    }
}
