//! Shopify's product CSV, read and written: a boutique moving from Shopify brings its catalog in
//! the file Shopify exports, and takes it away in the same format. No I/O: bytes in, products and
//! problems out (each naming its line and column), and products in, bytes out.
//!
//! The format (help.shopify.com, "Using CSV files to import and export products"): one header
//! line, then rows grouped by `Handle`. A product's first row carries its fields (`Title`,
//! `Body (HTML)`, `Status`, the option names, the SEO texts) and its first variant; later rows
//! with the same handle carry more variants (option values, `Variant …` columns) and/or more
//! images (`Image Src`, `Image Position`, `Image Alt Text`). A product without options names a
//! single option `Title` with the value `Default Title`. Columns LuxeVault does not keep (Vendor,
//! Type, Tags, Google Shopping, …) are ignored; a missing required column refuses the file.
//!
//! LuxeVault prices a product, not a variant, so variants of one product must share their price.
//! Descriptions are HTML in Shopify and paragraphs of plain text here: the HTML is sanitised
//! (ammonia, no tag kept but paragraph breaks) and never kept.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::catalog::{is_valid_sku, is_valid_slug};
use crate::{Currency, Money};

/// Columns a file must have.
pub const REQUIRED_COLUMNS: [&str; 4] = ["Handle", "Title", "Variant SKU", "Variant Price"];

/// The columns an export writes, in Shopify's order. Those LuxeVault has no data for are written
/// with Shopify's defaults, so Shopify itself reads the file back.
pub const EXPORT_COLUMNS: [&str; 32] = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Gift Card",
    "SEO Title",
    "SEO Description",
    "Variant Weight Unit",
    "Status",
];

/// What is wrong where. Line numbers count from 1 with the header as line 1, as a spreadsheet
/// or an editor shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

impl Problem {
    fn at(line: u64, column: &str, message: impl Into<String>) -> Self {
        Self { line, column: Some(column.to_string()), message: message.into() }
    }

    pub fn on_line(line: u64, message: impl Into<String>) -> Self {
        Self { line, column: None, message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}, column {column}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Shopify's product status and what it becomes here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Published (`published_at` set).
    Active,
    /// Not shown (`published_at` NULL).
    Draft,
    /// No longer offered (availability `retired`).
    Archived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Draft => "draft",
            Self::Archived => "archived",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "active" => Some(Self::Active),
            "draft" => Some(Self::Draft),
            "archived" => Some(Self::Archived),
            _ => None,
        }
    }
}

/// A product as the file describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvProduct {
    pub handle: String,
    pub title: String,
    /// Plain paragraphs.
    pub description: Vec<String>,
    pub status: Status,
    pub seo_title: String,
    pub seo_description: String,
    /// The price in the base currency, shared by every variant.
    pub price: Money,
    pub variants: Vec<CsvVariant>,
    pub images: Vec<CsvImage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvVariant {
    pub sku: String,
    pub size: Option<String>,
    /// The colour's name as written (Shopify has no colour codes).
    pub colour: Option<String>,
    pub material: Option<String>,
    pub stock: i64,
    pub weight_grams: i64,
    pub barcode: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvImage {
    /// A URL or a path, as written.
    pub src: String,
    pub alt: String,
}

/// A product read from the file, with where its parts are (for later messages).
#[derive(Debug, Clone)]
pub struct ParsedProduct {
    pub line: u64,
    pub product: CsvProduct,
    /// The line of each variant, in order.
    pub variant_lines: Vec<u64>,
    /// The line of each image, in order.
    pub image_lines: Vec<u64>,
}

/// A product the file describes badly: not imported.
#[derive(Debug, Clone)]
pub struct BadProduct {
    /// Empty when the rows had no handle.
    pub handle: String,
    pub problems: Vec<Problem>,
}

/// The whole file, read.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    pub products: Vec<ParsedProduct>,
    pub bad: Vec<BadProduct>,
}

impl ParsedFile {
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.bad.iter().flat_map(|b| b.problems.iter())
    }
}

/// Which of our variant facts a Shopify option carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OptionKind {
    Size,
    Colour,
    Material,
    /// Shopify's placeholder for a product without options.
    Title,
}

impl OptionKind {
    fn of(name: &str) -> Option<Self> {
        match name.trim().to_lowercase().as_str() {
            "size" | "taille" => Some(Self::Size),
            "color" | "colour" | "couleur" => Some(Self::Colour),
            "material" | "matière" | "matiere" => Some(Self::Material),
            "title" => Some(Self::Title),
            _ => None,
        }
    }
}

/// The column a header names: Shopify's classic names (`Variant SKU`), whatever their case,
/// and the names of Shopify's newer export (`URL handle`, `SKU`, `Price`, `Inventory quantity`,
/// `Weight value (grams)`, `Product image URL`, …) mapped to them.
fn canonical_column(header: &str) -> String {
    let lower = header.trim().to_lowercase();
    let alias = match lower.as_str() {
        "url handle" => Some("Handle"),
        "description" => Some("Body (HTML)"),
        "published on online store" => Some("Published"),
        "sku" => Some("Variant SKU"),
        "barcode" => Some("Variant Barcode"),
        "price" => Some("Variant Price"),
        "inventory quantity" => Some("Variant Inventory Qty"),
        "weight value (grams)" => Some("Variant Grams"),
        "product image url" => Some("Image Src"),
        _ => None,
    };
    if let Some(name) = alias {
        return name.to_string();
    }
    KNOWN_COLUMNS
        .iter()
        .find(|c| c.to_lowercase() == lower)
        .map(|c| (*c).to_string())
        .unwrap_or_else(|| header.trim().to_string())
}

/// Every column the import reads.
const KNOWN_COLUMNS: [&str; 22] = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Published",
    "Status",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Qty",
    "Variant Price",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "SEO Title",
    "SEO Description",
    "Variant Weight Unit",
];

/// Header positions by name.
struct Columns(HashMap<String, usize>);

impl Columns {
    fn get<'r>(&self, record: &'r csv::StringRecord, name: &str) -> &'r str {
        self.0.get(name).and_then(|&i| record.get(i)).map(str::trim).unwrap_or("")
    }

    /// Untrimmed (descriptions keep their own spacing until they are converted).
    fn raw<'r>(&self, record: &'r csv::StringRecord, name: &str) -> &'r str {
        self.0.get(name).and_then(|&i| record.get(i)).unwrap_or("")
    }
}

/// Products being assembled, by handle, in the order they first appear.
struct Draft {
    handle: String,
    /// Whether its first row was read (even if that row was bad).
    started: bool,
    parsed: Option<ParsedProduct>,
    options: [Option<OptionKind>; 3],
    problems: Vec<Problem>,
    /// (position written, order of appearance, image, line)
    images: Vec<(Option<u32>, usize, CsvImage, u64)>,
}

/// Reads a Shopify product CSV. `Err` when the file as a whole cannot be read (not CSV, a
/// required column missing); otherwise every product, each good or bad with its problems.
pub fn parse(bytes: &[u8], base: Currency) -> Result<ParsedFile, Problem> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes);
    let headers = reader.headers().map_err(|e| Problem::on_line(1, format!("the header is not CSV: {}", plain(&e))))?;
    let mut columns = HashMap::new();
    // The name each column has in this file, for messages.
    let mut written: HashMap<String, String> = HashMap::new();
    for (i, name) in headers.iter().enumerate() {
        let canonical = canonical_column(name);
        written.entry(canonical.clone()).or_insert_with(|| name.trim().to_string());
        columns.entry(canonical).or_insert(i);
    }
    let width = headers.len();
    let missing: Vec<&str> = REQUIRED_COLUMNS.iter().copied().filter(|c| !columns.contains_key(*c)).collect();
    if !missing.is_empty() {
        return Err(Problem::on_line(
            1,
            format!(
                "the required column{} {} {} missing",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                if missing.len() > 1 { "are" } else { "is" }
            ),
        ));
    }
    let columns = Columns(columns);

    let mut drafts: Vec<Draft> = Vec::new();
    let mut by_handle: HashMap<String, usize> = HashMap::new();
    let mut orphans: Vec<Problem> = Vec::new();
    let mut skus: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut last_line = 1;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(last_line + 1);
                // A broken quote or bad bytes make the rest of the file unreliable.
                return Err(Problem::on_line(line, format!("not readable as CSV: {}", plain(&e))));
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(last_line + 1);
        last_line = line;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != width {
            orphans.push(Problem::on_line(line, format!("has {} fields where the header has {width}", record.len())));
            continue;
        }
        let handle = columns.get(&record, "Handle");
        if handle.is_empty() {
            orphans.push(Problem::at(line, "Handle", "the row names no product"));
            continue;
        }
        let index = *by_handle.entry(handle.to_string()).or_insert_with(|| {
            drafts.push(Draft {
                handle: handle.to_string(),
                started: false,
                parsed: None,
                options: [None; 3],
                problems: Vec::new(),
                images: Vec::new(),
            });
            drafts.len() - 1
        });
        let Some(draft) = drafts.get_mut(index) else { continue };
        read_row(draft, &columns, &record, line, base, &mut skus);
    }

    let mut file = ParsedFile::default();
    let rename = |problems: &mut Vec<Problem>| {
        for problem in problems {
            if let Some(name) = problem.column.as_ref().and_then(|c| written.get(c)) {
                problem.column = Some(name.clone());
            }
        }
    };
    rename(&mut orphans);
    for draft in &mut drafts {
        rename(&mut draft.problems);
    }
    if !orphans.is_empty() {
        file.bad.push(BadProduct { handle: String::new(), problems: orphans });
    }
    for mut draft in drafts {
        draft.images.sort_by_key(|(position, order, _, _)| (position.unwrap_or(u32::MAX), *order));
        let mut seen = HashSet::new();
        let images: Vec<(CsvImage, u64)> = draft
            .images
            .into_iter()
            .filter(|(_, _, image, _)| seen.insert(image.src.clone()))
            .map(|(_, _, image, line)| (image, line))
            .collect();
        match draft.parsed {
            Some(mut parsed) if draft.problems.is_empty() => {
                if parsed.product.variants.is_empty() {
                    file.bad.push(BadProduct {
                        handle: draft.handle,
                        problems: vec![Problem::at(parsed.line, "Variant SKU", "the product has no variant")],
                    });
                    continue;
                }
                parsed.image_lines = images.iter().map(|(_, l)| *l).collect();
                parsed.product.images = images.into_iter().map(|(i, _)| i).collect();
                file.products.push(parsed);
            }
            _ => file.bad.push(BadProduct { handle: draft.handle, problems: draft.problems }),
        }
    }
    Ok(file)
}

fn read_row(
    draft: &mut Draft,
    columns: &Columns,
    record: &csv::StringRecord,
    line: u64,
    base: Currency,
    skus: &mut HashMap<String, u64>,
) {
    let problems_before = draft.problems.len();
    let first = !draft.started;
    draft.started = true;
    if first {
        if !is_valid_slug(&draft.handle) {
            draft.problems.push(Problem::at(
                line,
                "Handle",
                format!("'{}' is not a handle (lowercase letters, digits, hyphens)", shorten(&draft.handle)),
            ));
        }
        let title = columns.get(record, "Title");
        if title.is_empty() {
            draft.problems.push(Problem::at(line, "Title", "the first row of a product needs its title"));
        }
        for (i, slot) in draft.options.iter_mut().enumerate() {
            let column = format!("Option{} Name", i + 1);
            let name = columns.get(record, &column);
            if name.is_empty() {
                continue;
            }
            match OptionKind::of(name) {
                Some(kind) => *slot = Some(kind),
                None => draft.problems.push(Problem::at(
                    line,
                    &column,
                    format!("'{}' is not an option LuxeVault keeps (Size, Color, Material)", shorten(name)),
                )),
            }
        }
        let kinds: Vec<OptionKind> = draft.options.iter().flatten().copied().collect();
        if kinds.iter().enumerate().any(|(i, k)| kinds.iter().skip(i + 1).any(|other| other == k)) {
            draft.problems.push(Problem::at(line, "Option1 Name", "the same option is named twice"));
        }
        let status = match columns.get(record, "Status") {
            "" => match columns.get(record, "Published").to_ascii_lowercase().as_str() {
                "" | "true" => Some(Status::Active),
                "false" => Some(Status::Draft),
                other => {
                    draft.problems.push(Problem::at(
                        line,
                        "Published",
                        format!("'{}' is neither TRUE nor FALSE", shorten(other)),
                    ));
                    None
                }
            },
            text => {
                let status = Status::parse(text);
                if status.is_none() {
                    draft.problems.push(Problem::at(
                        line,
                        "Status",
                        format!("'{}' is not active, draft or archived", shorten(text)),
                    ));
                }
                status
            }
        };
        let price = parse_price(columns.get(record, "Variant Price"), base, line, &mut draft.problems);
        if let (Some(status), Some(price)) = (status, price) {
            draft.parsed = Some(ParsedProduct {
                line,
                product: CsvProduct {
                    handle: draft.handle.clone(),
                    title: title.to_string(),
                    description: html_to_paragraphs(columns.raw(record, "Body (HTML)")),
                    status,
                    seo_title: columns.get(record, "SEO Title").to_string(),
                    seo_description: columns.get(record, "SEO Description").to_string(),
                    price,
                    variants: Vec::new(),
                    images: Vec::new(),
                },
                variant_lines: Vec::new(),
                image_lines: Vec::new(),
            });
        } else if draft.problems.len() == problems_before {
            draft.problems.push(Problem::on_line(line, "the product's first row cannot be read"));
        }
    }

    if first {
        for (column, max) in [("SEO Title", 200), ("SEO Description", 1000)] {
            let text = columns.get(record, column);
            if text.chars().count() > max || text.contains('\n') {
                draft.problems.push(Problem::at(line, column, format!("one line of at most {max} characters")));
            }
        }
    }
    let alt = columns.get(record, "Image Alt Text");
    if alt.chars().count() > 500 || alt.contains('\n') {
        draft.problems.push(Problem::at(line, "Image Alt Text", "one line of at most 500 characters"));
    }

    let src = columns.get(record, "Image Src");
    if !src.is_empty() {
        let position = match columns.get(record, "Image Position") {
            "" => None,
            text => match text.parse::<u32>() {
                Ok(p) => Some(p),
                Err(_) => {
                    draft.problems.push(Problem::at(
                        line,
                        "Image Position",
                        format!("'{}' is not a position", shorten(text)),
                    ));
                    None
                }
            },
        };
        let order = draft.images.len();
        let image = CsvImage { src: src.to_string(), alt: columns.get(record, "Image Alt Text").to_string() };
        draft.images.push((position, order, image, line));
    }

    let sku = columns.get(record, "Variant SKU");
    let values: Vec<&str> = (1..=3).map(|i| columns.get(record, &format!("Option{i} Value"))).collect();
    let price_text = columns.get(record, "Variant Price");
    let is_variant = first || !sku.is_empty() || !price_text.is_empty() || values.iter().any(|v| !v.is_empty());
    if !is_variant {
        return;
    }
    if sku.is_empty() {
        draft.problems.push(Problem::at(line, "Variant SKU", "a variant needs its SKU"));
    } else if !is_valid_sku(sku) {
        draft.problems.push(Problem::at(
            line,
            "Variant SKU",
            format!("'{}' is not a SKU LuxeVault accepts (uppercase letters, digits, hyphens)", shorten(sku)),
        ));
    } else if let Some(earlier) = skus.get(sku) {
        draft.problems.push(Problem::at(line, "Variant SKU", format!("'{sku}' is already used on line {earlier}")));
    } else {
        skus.insert(sku.to_string(), line);
    }
    if !first {
        let price = parse_price(price_text, base, line, &mut draft.problems);
        if let (Some(price), Some(parsed)) = (price, &draft.parsed)
            && price != parsed.product.price
        {
            draft.problems.push(Problem::at(
                line,
                "Variant Price",
                format!(
                    "{} differs from the product's price {} (line {}); LuxeVault prices a product, not its variants",
                    price.to_major_string(),
                    parsed.product.price.to_major_string(),
                    parsed.line
                ),
            ));
        }
    }
    let mut variant = CsvVariant {
        sku: sku.to_string(),
        size: None,
        colour: None,
        material: None,
        stock: 0,
        weight_grams: 0,
        barcode: columns.get(record, "Variant Barcode").to_string(),
    };
    for (i, kind) in draft.options.iter().enumerate() {
        let value = values.get(i).copied().unwrap_or("");
        let column = format!("Option{} Value", i + 1);
        let slot = match kind {
            Some(OptionKind::Size) => &mut variant.size,
            Some(OptionKind::Colour) => &mut variant.colour,
            Some(OptionKind::Material) => &mut variant.material,
            Some(OptionKind::Title) | None => {
                if !value.is_empty() && kind.is_none() && value != "Default Title" {
                    draft.problems.push(Problem::at(line, &column, "a value for an option the product does not name"));
                }
                continue;
            }
        };
        if value.is_empty() {
            draft.problems.push(Problem::at(line, &column, "the variant has no value for this option"));
        } else if value.chars().count() > 60 || value.contains('\n') {
            draft.problems.push(Problem::at(line, &column, "an option value is one line of at most 60 characters"));
        } else {
            *slot = Some(value.to_string());
        }
    }
    match count(columns.get(record, "Variant Inventory Qty")) {
        Some(n) => variant.stock = n,
        None => draft.problems.push(Problem::at(
            line,
            "Variant Inventory Qty",
            format!("'{}' is not a stock count (0 or more)", shorten(columns.get(record, "Variant Inventory Qty"))),
        )),
    }
    match count(columns.get(record, "Variant Grams")) {
        Some(n) => variant.weight_grams = n,
        None => draft.problems.push(Problem::at(
            line,
            "Variant Grams",
            format!("'{}' is not a weight in grams", shorten(columns.get(record, "Variant Grams"))),
        )),
    }
    if variant.barcode.chars().count() > 64 {
        draft.problems.push(Problem::at(line, "Variant Barcode", "a barcode has at most 64 characters"));
    }
    if let Some(parsed) = draft.parsed.as_mut() {
        let same =
            |v: &CsvVariant| v.size == variant.size && v.colour == variant.colour && v.material == variant.material;
        if let Some(i) = parsed.product.variants.iter().position(same) {
            let earlier = parsed.variant_lines.get(i).copied().unwrap_or(parsed.line);
            draft.problems.push(Problem::on_line(line, format!("the same options as the variant on line {earlier}")));
        }
        parsed.product.variants.push(variant);
        parsed.variant_lines.push(line);
    }
}

fn parse_price(text: &str, base: Currency, line: u64, problems: &mut Vec<Problem>) -> Option<Money> {
    if text.is_empty() {
        problems.push(Problem::at(line, "Variant Price", "a variant needs its price"));
        return None;
    }
    match Money::parse_major(text, base) {
        Ok(money) => Some(money),
        Err(crate::MoneyError::TooManyDecimals { .. }) => {
            problems.push(Problem::at(
                line,
                "Variant Price",
                format!("'{}' has more decimals than {base} has", shorten(text)),
            ));
            None
        }
        Err(_) => {
            problems.push(Problem::at(line, "Variant Price", format!("'{}' is not an amount", shorten(text))));
            None
        }
    }
}

/// A whole number of 0 or more; empty is 0. Spreadsheets write `250.0` for 250.
fn count(text: &str) -> Option<i64> {
    if text.is_empty() {
        return Some(0);
    }
    let whole = match text.split_once('.') {
        Some((whole, zeros)) if !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => whole,
        Some(_) => return None,
        None => text,
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok()
}

/// A value quoted in a message, cut so a message stays a sentence (and a card number typed in
/// the wrong column is not repeated).
fn shorten(text: &str) -> String {
    let text = crate::sensitive::redact(text);
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// A CSV error without the record's contents.
fn plain(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "the text is not UTF-8".into(),
        csv::ErrorKind::UnequalLengths { .. } => "a row has a different number of fields".into(),
        _ => "the quoting is broken".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Descriptions

/// Tags that end a paragraph. `br` ends a line within one.
const BLOCKS: [&str; 16] = [
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "table",
    "tr",
    "section",
    "article",
];

/// Shopify's HTML description as plain paragraphs. ammonia parses the HTML as a browser would
/// and keeps only the block tags (no attribute, scripts and styles dropped with their content);
/// its well-formed output is then cut at those tags and its entities decoded.
pub fn html_to_paragraphs(html: &str) -> Vec<String> {
    if html.trim().is_empty() {
        return Vec::new();
    }
    // Shopify also takes plain text: there a blank line separates paragraphs.
    let wrapped;
    let html = if html.contains('<') {
        html
    } else {
        wrapped = html.replace("\r\n", "\n").split("\n\n").map(|p| format!("<p>{p}</p>")).collect::<String>();
        wrapped.as_str()
    };
    let mut allowed: HashSet<&str> = BLOCKS.into_iter().collect();
    allowed.insert("br");
    let clean = ammonia::Builder::empty().tags(allowed).clean(html).to_string();
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    let mut rest = clean.as_str();
    while !rest.is_empty() {
        match rest.find('<') {
            Some(0) => {
                let end = rest.find('>').map(|i| i + 1).unwrap_or(rest.len());
                let tag = rest.get(1..end.saturating_sub(1)).unwrap_or("").trim_start_matches('/');
                let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
                if name == "br" {
                    current.push('\n');
                } else {
                    push_paragraph(&mut paragraphs, &current);
                    current.clear();
                }
                rest = rest.get(end..).unwrap_or("");
            }
            Some(at) => {
                current.push_str(rest.get(..at).unwrap_or(""));
                rest = rest.get(at..).unwrap_or("");
            }
            None => {
                current.push_str(rest);
                rest = "";
            }
        }
    }
    push_paragraph(&mut paragraphs, &current);
    paragraphs
}

fn push_paragraph(paragraphs: &mut Vec<String>, raw: &str) {
    let lines: Vec<String> = decode_entities(raw)
        .split('\n')
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    if !lines.is_empty() {
        paragraphs.push(lines.join("\n"));
    }
}

/// The entities html5ever's serialiser writes in text (ammonia's output is that serialisation).
fn decode_entities(text: &str) -> String {
    text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

/// Paragraphs as HTML that [`html_to_paragraphs`] reads back as the same paragraphs.
pub fn paragraphs_to_html(paragraphs: &[String]) -> String {
    paragraphs
        .iter()
        .map(|p| {
            let lines: Vec<String> = p.split('\n').map(|l| ammonia::clean_text(l.trim())).collect();
            format!("<p>{}</p>", lines.join("<br>"))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Export

/// Writes products in Shopify's format: the first row of a product carries its fields, its first
/// variant and its first image; the next rows carry the next variants and images side by side.
pub fn write(products: &[CsvProduct]) -> String {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let _ = out.write_record(EXPORT_COLUMNS);
    for product in products {
        let options = option_names(&product.variants);
        let rows = product.variants.len().max(product.images.len()).max(1);
        for i in 0..rows {
            let mut row: HashMap<&str, String> = HashMap::new();
            row.insert("Handle", product.handle.clone());
            if i == 0 {
                row.insert("Title", product.title.clone());
                row.insert("Body (HTML)", paragraphs_to_html(&product.description));
                row.insert("Published", if product.status == Status::Active { "TRUE" } else { "FALSE" }.into());
                row.insert("Gift Card", "FALSE".into());
                row.insert("SEO Title", product.seo_title.clone());
                row.insert("SEO Description", product.seo_description.clone());
                row.insert("Status", product.status.as_str().into());
                if options.is_empty() {
                    row.insert("Option1 Name", "Title".into());
                }
                for (n, (name, _)) in options.iter().enumerate() {
                    row.insert(OPTION_NAME_COLUMNS.get(n).copied().unwrap_or(""), (*name).into());
                }
            }
            if let Some(v) = product.variants.get(i) {
                if options.is_empty() {
                    row.insert("Option1 Value", "Default Title".into());
                }
                for (n, (_, kind)) in options.iter().enumerate() {
                    let value = match kind {
                        OptionKind::Size => v.size.clone(),
                        OptionKind::Colour => v.colour.clone(),
                        OptionKind::Material => v.material.clone(),
                        OptionKind::Title => None,
                    };
                    row.insert(OPTION_VALUE_COLUMNS.get(n).copied().unwrap_or(""), value.unwrap_or_default());
                }
                row.insert("Variant SKU", v.sku.clone());
                row.insert("Variant Grams", v.weight_grams.to_string());
                row.insert("Variant Inventory Tracker", "shopify".into());
                row.insert("Variant Inventory Qty", v.stock.to_string());
                row.insert("Variant Inventory Policy", "deny".into());
                row.insert("Variant Fulfillment Service", "manual".into());
                row.insert("Variant Price", product.price.to_major_string());
                row.insert("Variant Requires Shipping", "TRUE".into());
                row.insert("Variant Taxable", "TRUE".into());
                row.insert("Variant Barcode", v.barcode.clone());
                row.insert("Variant Weight Unit", "g".into());
            }
            if let Some(image) = product.images.get(i) {
                row.insert("Image Src", image.src.clone());
                row.insert("Image Position", (i + 1).to_string());
                row.insert("Image Alt Text", image.alt.clone());
            }
            let record: Vec<String> = EXPORT_COLUMNS.iter().map(|c| row.remove(c).unwrap_or_default()).collect();
            let _ = out.write_record(&record);
        }
    }
    let bytes = out.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

const OPTION_NAME_COLUMNS: [&str; 3] = ["Option1 Name", "Option2 Name", "Option3 Name"];
const OPTION_VALUE_COLUMNS: [&str; 3] = ["Option1 Value", "Option2 Value", "Option3 Value"];

/// The options a product's variants use, in a fixed order (size, colour, material).
fn option_names(variants: &[CsvVariant]) -> Vec<(&'static str, OptionKind)> {
    let mut names = Vec::new();
    if variants.iter().any(|v| v.size.is_some()) {
        names.push(("Size", OptionKind::Size));
    }
    if variants.iter().any(|v| v.colour.is_some()) {
        names.push(("Color", OptionKind::Colour));
    }
    if variants.iter().any(|v| v.material.is_some()) {
        names.push(("Material", OptionKind::Material));
    }
    names
}

/// A colour code for a colour first met by its name: lowercase ASCII letters, digits and
/// hyphens (accents dropped), or `None` when nothing of the name is left.
pub fn colour_code_for(name: &str) -> Option<String> {
    let mut code = String::new();
    for c in name.trim().to_lowercase().chars() {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            code.push(c);
        } else if !code.is_empty() && !code.ends_with('-') {
            code.push('-');
        }
    }
    let code = code.trim_end_matches('-').chars().take(40).collect::<String>();
    let code = code.trim_end_matches('-').to_string();
    if code.is_empty() { None } else { Some(code) }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn eur() -> Currency {
        Currency::from_code("EUR").unwrap_or_else(|e| panic!("{e}"))
    }

    const HEADER: &str = "Handle,Title,Body (HTML),Vendor,Option1 Name,Option1 Value,Option2 Name,Option2 Value,\
Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Barcode,Image Src,Image Position,Image Alt Text,\
SEO Title,SEO Description,Status,Google Shopping / MPN\n";

    fn file(rows: &str) -> Vec<u8> {
        format!("{HEADER}{rows}").into_bytes()
    }

    #[test]
    fn a_product_with_variants_and_images() {
        let csv = file(
            "sac-alma,Sac Alma,\"<p>Cuir <b>grainé</b> &amp; laiton.</p><p>Fait à Paris<br/>en 2026</p>\",Maison,Size,S,Color,Noir,ALMA-S-NOIR,800,3,1250.00,123,a.png,1,Devant,Alma,Un sac,active,x\n\
sac-alma,,,,,M,,Noir,ALMA-M-NOIR,900,0,1250,,b.png,2,Dos,,,,\n\
sac-alma,,,,,,,,,,,,,c.png,3,,,,,\n",
        );
        let parsed = parse(&csv, eur()).unwrap_or_else(|e| panic!("{e}"));
        assert!(parsed.bad.is_empty(), "{:?}", parsed.bad);
        let [p] = parsed.products.as_slice() else { panic!("one product") };
        assert_eq!(p.line, 2);
        assert_eq!(p.variant_lines, vec![2, 3]);
        assert_eq!(p.image_lines, vec![2, 3, 4]);
        let product = &p.product;
        assert_eq!(product.title, "Sac Alma");
        assert_eq!(product.description, vec!["Cuir grainé & laiton.".to_string(), "Fait à Paris\nen 2026".into()]);
        assert_eq!(product.price, Money::new(125_000, eur()));
        assert_eq!(product.status, Status::Active);
        assert_eq!(product.seo_title, "Alma");
        let [s, m] = product.variants.as_slice() else { panic!("two variants") };
        assert_eq!(
            (s.size.as_deref(), s.colour.as_deref(), s.stock, s.weight_grams),
            (Some("S"), Some("Noir"), 3, 800)
        );
        assert_eq!(s.barcode, "123");
        assert_eq!((m.sku.as_str(), m.size.as_deref(), m.stock), ("ALMA-M-NOIR", Some("M"), 0));
        let srcs: Vec<&str> = product.images.iter().map(|i| i.src.as_str()).collect();
        assert_eq!(srcs, vec!["a.png", "b.png", "c.png"]);
        assert_eq!(product.images.first().map(|i| i.alt.as_str()), Some("Devant"));
    }

    #[test]
    fn problems_name_line_and_column() {
        let csv = file(
            "ok,Ok,,,Title,Default Title,,,OK-1,,1,10,,,,,,,,\n\
bad,Bad,,,Size,S,,,BAD-S,,1,10,,,,,,,,\n\
bad,,,,,M,,,BAD-M,,1,\"12,x\",,,,,,,,\n\
nosku,No SKU,,,Title,Default Title,,,,,1,10,,,,,,,,\n\
price,Price,,,Size,S,,,PR-S,,1,10,,,,,,,,\n\
price,,,,,M,,,PR-M,,1,11,,,,,,,,\n",
        );
        let parsed = parse(&csv, eur()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.products.len(), 1);
        let messages: Vec<String> = parsed.problems().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            vec![
                "line 4, column Variant Price: '12,x' is not an amount".to_string(),
                "line 5, column Variant SKU: a variant needs its SKU".into(),
                "line 7, column Variant Price: 11.00 differs from the product's price 10.00 (line 6); LuxeVault prices a product, not its variants".into(),
            ]
        );
    }

    #[test]
    fn a_card_number_in_the_wrong_column_is_not_repeated() {
        let parsed = parse(&file("a,A,,,Title,Default Title,,,A-1,,1,4111 1111 1111 1111,,,,,,,,\n"), eur())
            .unwrap_or_else(|e| panic!("{e}"));
        let message = parsed.problems().map(ToString::to_string).collect::<String>();
        assert!(message.starts_with("line 2, column Variant Price:"), "{message}");
        assert!(!message.contains("4111 1111 1111 1111"), "{message}");
    }

    #[test]
    fn shopifys_newer_column_names_are_read() {
        let csv = "Title,URL handle,Description,Option1 name,Option1 value,SKU,Price,Inventory quantity,\
Weight value (grams),Product image URL,Image position,Image alt text,Status\n\
Sac Alma,sac-alma,<p>Cuir</p>,Size,S,SA-S,1250.00,3,850,a.png,1,Face,active\n\
,sac-alma,,,M,SA-M,\"12,x\",1,900,,,,\n";
        let parsed = parse(csv.as_bytes(), eur()).unwrap_or_else(|e| panic!("{e}"));
        let messages: Vec<String> = parsed.problems().map(ToString::to_string).collect();
        assert_eq!(messages, vec!["line 3, column Price: '12,x' is not an amount".to_string()], "named as in the file");
        let fixed = csv.replace("\"12,x\"", "1250");
        let parsed = parse(fixed.as_bytes(), eur()).unwrap_or_else(|e| panic!("{e}"));
        let [p] = parsed.products.as_slice() else { panic!("{:?}", parsed.bad) };
        assert_eq!(p.product.description, vec!["Cuir".to_string()]);
        assert_eq!(p.product.variants.len(), 2);
        assert_eq!(p.product.variants.first().map(|v| (v.stock, v.weight_grams)), Some((3, 850)));
        assert_eq!(p.product.images.first().map(|i| i.alt.as_str()), Some("Face"));
    }

    #[test]
    fn a_missing_required_column_refuses_the_file() {
        let error = parse(b"Handle,Title,Variant Price\nx,X,1\n", eur()).err().map(|e| e.to_string());
        assert_eq!(error.as_deref(), Some("line 1: the required column Variant SKU is missing"));
    }

    #[test]
    fn statuses_options_and_counts() {
        let csv = file(
            "a,A,,,Taille,38,Couleur,Rouge,A-38,250.0,2,5,,,,,,,draft,\n\
b,B,,,Style,Classic,,,B-1,,1,5,,,,,,,,\n\
c,C,,,Title,Default Title,,,C-1,,-2,5,,,,,,,archived,\n",
        );
        let parsed = parse(&csv, eur()).unwrap_or_else(|e| panic!("{e}"));
        let [a] = parsed.products.as_slice() else { panic!("{:?}", parsed.bad) };
        assert_eq!(a.product.status, Status::Draft);
        let v = a.product.variants.first().unwrap_or_else(|| panic!("variant"));
        assert_eq!((v.size.as_deref(), v.colour.as_deref(), v.weight_grams), (Some("38"), Some("Rouge"), 250));
        let messages: Vec<String> = parsed.problems().map(ToString::to_string).collect();
        assert!(messages.iter().any(|m| m.starts_with("line 3, column Option1 Name: 'Style'")), "{messages:?}");
        assert!(messages.iter().any(|m| m.starts_with("line 4, column Variant Inventory Qty")), "{messages:?}");
    }

    #[test]
    fn html_is_never_kept() {
        let text = html_to_paragraphs(
            "<script>alert(1)</script><h2 onclick=x>Title</h2><p style='a'>One &lt;b&gt; <a href='javascript:x'>two</a></p><ul><li>A</li><li>B</li></ul>",
        );
        assert_eq!(text, vec!["Title", "One <b> two", "A", "B"]);
        assert_eq!(html_to_paragraphs("plain text\n\nonly"), vec!["plain text", "only"]);
    }

    #[test]
    fn colour_codes() {
        assert_eq!(colour_code_for("Bleu Nuit").as_deref(), Some("bleu-nuit"));
        assert_eq!(colour_code_for(" Écru ").as_deref(), Some("ecru"));
        assert_eq!(colour_code_for("黒"), None);
    }

    fn product_strategy() -> impl Strategy<Value = CsvProduct> {
        let text = "[A-Za-z0-9éà&<>\"' ]{1,20}".prop_map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "));
        let para = proptest::collection::vec(text.clone(), 1..3).prop_map(|lines| lines.join("\n"));
        (
            "[a-z][a-z0-9-]{0,10}[a-z0-9]",
            text.clone(),
            proptest::collection::vec(para, 0..3),
            0i64..10_000_000,
            proptest::collection::vec(
                ("[A-Z0-9]{1,6}", 0i64..50, 0i64..5000, proptest::option::of("[A-Z]{1,3}")),
                1..4,
            ),
            proptest::collection::vec(("[a-z]{1,8}\\.png", text), 0..4),
            prop_oneof![Just(Status::Active), Just(Status::Draft), Just(Status::Archived)],
        )
            .prop_filter("titles and paragraphs are not blank", |(_, title, desc, ..)| {
                !title.is_empty() && desc.iter().all(|p| !p.trim().is_empty())
            })
            .prop_map(|(handle, title, description, minor, variants, images, status)| CsvProduct {
                handle: handle.clone(),
                title,
                description: description
                    .into_iter()
                    .map(|p| p.split('\n').filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n"))
                    .filter(|p| !p.is_empty())
                    .collect(),
                status,
                seo_title: String::new(),
                seo_description: "a, \"quoted\" one".into(),
                price: Money::new(minor, eur()),
                variants: variants
                    .into_iter()
                    .enumerate()
                    .map(|(i, (sku, stock, grams, size))| CsvVariant {
                        sku: format!("{sku}-{i}"),
                        size: size.map(|s| format!("{s}{i}")),
                        colour: None,
                        material: None,
                        stock,
                        weight_grams: grams,
                        barcode: String::new(),
                    })
                    .collect(),
                images: {
                    let mut seen = HashSet::new();
                    images
                        .into_iter()
                        .filter(|(src, _)| seen.insert(src.clone()))
                        .map(|(src, alt)| CsvImage { src, alt })
                        .collect()
                },
            })
    }

    proptest! {
        #[test]
        fn what_is_written_reads_back(product in product_strategy()) {
            // A product's options are all-or-none per variant in Shopify's format.
            let mut product = product;
            if product.variants.len() > 1 || product.variants.iter().any(|v| v.size.is_some()) {
                for (i, v) in product.variants.iter_mut().enumerate() {
                    v.size.get_or_insert_with(|| format!("Z{i}"));
                }
            }
            let written = write(std::slice::from_ref(&product));
            let parsed = parse(written.as_bytes(), eur()).unwrap_or_else(|e| panic!("{e}"));
            prop_assert!(parsed.bad.is_empty(), "{:?}\n{written}", parsed.bad);
            let back = parsed.products.into_iter().next().map(|p| p.product);
            prop_assert_eq!(back, Some(product));
        }

        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse(&bytes, eur());
            let _ = html_to_paragraphs(&String::from_utf8_lossy(&bytes));
        }
    }
}
