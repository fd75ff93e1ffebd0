//! The archive of an access or portability request (GDPR Art. 15, 20): one ZIP file with
//! - `data.json`, everything held on the person, machine-readable (the document of before);
//! - CSV files of its tabular parts: orders, order lines, order events, consents, requests,
//!   the sizing profile and alterations;
//! - `index.html`, a plain page a person can read: what is in the archive, and the Art. 15
//!   information from the policy (purposes and legal bases, recipients, retention, the source of
//!   each category, rights and where to complain). No script, no style, nothing fetched.

use std::io::{Cursor, Write};

use luxevault_core::Lang;
use luxevault_core::policy::{LegalBasis, Policy, Safeguard, Source, Text};
use serde_json::Value;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use crate::error::ShopError;

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A cell as a spreadsheet may safely open it: text that a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@`, a tab or a carriage return first) is kept as text behind an apostrophe,
/// as OWASP advises against CSV injection (a customer's name or address is written by them).
pub(crate) fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

fn csv_of(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, ShopError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).map_err(|_| ShopError::Internal)?;
    for row in rows {
        writer.write_record(row.iter().map(|c| neutralised(c).into_owned())).map_err(|_| ShopError::Internal)?;
    }
    writer.into_inner().map_err(|_| ShopError::Internal)
}

fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value[key].as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// One CSV file: its name, its header, its rows.
type Table = (&'static str, Vec<&'static str>, Vec<Vec<String>>);

/// The CSV files of the document's tabular parts.
fn tables(data: &Value) -> Vec<Table> {
    let orders = array(data, "orders");
    let order_rows = orders
        .iter()
        .map(|o| {
            let c = &o["contact"];
            vec![
                cell(&o["number"]),
                cell(&o["status"]),
                cell(&o["placed_at"]),
                cell(&o["currency"]),
                cell(&o["subtotal"]),
                cell(&o["total"]),
                cell(&o["refunded"]),
                cell(&c["name"]),
                cell(&c["email"]),
                cell(&c["phone"]),
                cell(&c["address_line1"]),
                cell(&c["address_line2"]),
                cell(&c["city"]),
                cell(&c["postcode"]),
                cell(&c["country"]),
            ]
        })
        .collect();
    let line_rows = orders
        .iter()
        .flat_map(|o| {
            array(o, "lines").iter().map(move |l| {
                vec![
                    cell(&o["number"]),
                    cell(&l["sku"]),
                    cell(&l["name"]),
                    cell(&l["variant_label"]),
                    cell(&l["quantity"]),
                    cell(&l["unit_price"]),
                    cell(&l["line_total"]),
                ]
            })
        })
        .collect();
    let event_rows = orders
        .iter()
        .flat_map(|o| {
            array(o, "history").iter().map(move |e| vec![cell(&o["number"]), cell(&e["at"]), cell(&e["status"])])
        })
        .collect();
    let consent_rows = array(data, "consents")
        .iter()
        .map(|c| {
            ["purpose", "granted", "at", "policy_version", "source", "method"].iter().map(|k| cell(&c[*k])).collect()
        })
        .collect();
    let request_rows = array(data, "requests")
        .iter()
        .map(|r| {
            ["id", "kind", "channel", "status", "received_at", "due_at", "completed_at", "outcome"]
                .iter()
                .map(|k| cell(&r[*k]))
                .collect()
        })
        .collect();
    let profile = &data["sizing_profile"];
    let mut sizing_header: Vec<&'static str> = luxevault_core::sizing::MEASURES.iter().map(|m| m.field).collect();
    sizing_header.extend(["fit", "notes", "updated_at", "last_visit_at"]);
    let sizing_rows: Vec<Vec<String>> = if profile.is_object() {
        let mut row: Vec<String> =
            luxevault_core::sizing::MEASURES.iter().map(|m| cell(&profile["measurements"][m.field])).collect();
        row.extend(["fit", "notes", "updated_at", "last_visit_at"].iter().map(|k| cell(&profile[*k])));
        vec![row]
    } else {
        Vec::new()
    };
    const ALTERATION_FIELDS: [&str; 8] =
        ["order_number", "line", "kind", "note", "promised_on", "status", "opened_at", "updated_at"];
    let alteration_rows =
        array(data, "alterations").iter().map(|a| ALTERATION_FIELDS.iter().map(|k| cell(&a[*k])).collect()).collect();
    vec![
        (
            "orders.csv",
            vec![
                "number",
                "status",
                "placed_at",
                "currency",
                "subtotal",
                "total",
                "refunded",
                "name",
                "email",
                "phone",
                "address_line1",
                "address_line2",
                "city",
                "postcode",
                "country",
            ],
            order_rows,
        ),
        (
            "order_lines.csv",
            vec!["order_number", "sku", "name", "variant", "quantity", "unit_price", "line_total"],
            line_rows,
        ),
        ("order_events.csv", vec!["order_number", "at", "status"], event_rows),
        ("consents.csv", vec!["purpose", "granted", "at", "policy_version", "source", "method"], consent_rows),
        (
            "requests.csv",
            vec!["id", "kind", "channel", "status", "received_at", "due_at", "completed_at", "outcome"],
            request_rows,
        ),
        ("sizing_profile.csv", sizing_header, sizing_rows),
        ("alterations.csv", ALTERATION_FIELDS.to_vec(), alteration_rows),
    ]
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The page's own words, in English or French.
fn label(lang: &Lang, key: &str) -> &'static str {
    let fr = lang.as_str() == "fr";
    match (key, fr) {
        ("title", false) => "Your personal data",
        ("title", true) => "Vos données personnelles",
        ("intro", false) => {
            "This archive holds a copy of the personal data we hold about you, and the information the law entitles you to about how we use it."
        }
        ("intro", true) => {
            "Cette archive contient une copie des données personnelles que nous détenons sur vous, et les informations auxquelles la loi vous donne droit sur leur utilisation."
        }
        ("files", false) => "What is in this archive",
        ("files", true) => "Contenu de cette archive",
        ("data_json", false) => {
            "everything, in a machine-readable format (JSON), which you may take to another service"
        }
        ("data_json", true) => {
            "l’ensemble, dans un format lisible par machine (JSON), que vous pouvez transmettre à un autre service"
        }
        ("row", false) => "row",
        ("row", true) => "ligne",
        ("rows", false) => "rows",
        ("rows", true) => "lignes",
        ("controller", false) => "Who is responsible",
        ("controller", true) => "Responsable du traitement",
        ("purposes", false) => "Why we use your data, and on which legal basis",
        ("purposes", true) => "Pourquoi nous utilisons vos données, et sur quelle base juridique",
        ("purpose", false) => "Purpose",
        ("purpose", true) => "Finalité",
        ("basis", false) => "Legal basis",
        ("basis", true) => "Base juridique",
        ("data_used", false) => "Data used",
        ("data_used", true) => "Données utilisées",
        ("categories", false) => "The kinds of data, and where each comes from",
        ("categories", true) => "Les catégories de données, et leur provenance",
        ("category", false) => "Category",
        ("category", true) => "Catégorie",
        ("source", false) => "Source",
        ("source", true) => "Provenance",
        ("recipients", false) => "Who receives it",
        ("recipients", true) => "Qui les reçoit",
        ("recipient", false) => "Recipient",
        ("recipient", true) => "Destinataire",
        ("location", false) => "Location and safeguards",
        ("location", true) => "Localisation et garanties",
        ("retention", false) => "How long we keep it",
        ("retention", true) => "Durée de conservation",
        ("records", false) => "Records",
        ("records", true) => "Données",
        ("kept", false) => "Kept",
        ("kept", true) => "Conservation",
        ("days", false) => "days",
        ("days", true) => "jours",
        ("rights", false) => "Your rights",
        ("rights", true) => "Vos droits",
        ("generated", false) => "Prepared on",
        ("generated", true) => "Préparée le",
        ("policy_version", false) => "Privacy policy version",
        ("policy_version", true) => "Version de la politique de confidentialité",
        _ => "",
    }
}

fn basis(lang: &Lang, basis: LegalBasis) -> &'static str {
    let fr = lang.as_str() == "fr";
    match (basis, fr) {
        (LegalBasis::Contract, false) => "Performance of a contract (Art. 6(1)(b) GDPR)",
        (LegalBasis::Contract, true) => "Exécution d’un contrat (art. 6.1.b du RGPD)",
        (LegalBasis::PreContract, false) => "Steps at your request before a contract (Art. 6(1)(b) GDPR)",
        (LegalBasis::PreContract, true) => "Mesures précontractuelles à votre demande (art. 6.1.b du RGPD)",
        (LegalBasis::LegalObligation, false) => "Legal obligation (Art. 6(1)(c) GDPR)",
        (LegalBasis::LegalObligation, true) => "Obligation légale (art. 6.1.c du RGPD)",
        (LegalBasis::LegitimateInterests, false) => "Legitimate interests (Art. 6(1)(f) GDPR)",
        (LegalBasis::LegitimateInterests, true) => "Intérêts légitimes (art. 6.1.f du RGPD)",
        (LegalBasis::Consent, false) => "Consent, which you may withdraw at any time (Art. 6(1)(a) GDPR)",
        (LegalBasis::Consent, true) => "Consentement, que vous pouvez retirer à tout moment (art. 6.1.a du RGPD)",
    }
}

fn source(lang: &Lang, source: Source) -> &'static str {
    let fr = lang.as_str() == "fr";
    match (source, fr) {
        (Source::ThePerson, false) => "From you",
        (Source::ThePerson, true) => "Auprès de vous",
        (Source::Automatic, false) => "Collected automatically",
        (Source::Automatic, true) => "Collectées automatiquement",
        (Source::Providers, false) => "From our service providers",
        (Source::Providers, true) => "Auprès de nos prestataires",
    }
}

fn safeguard(safeguard: Safeguard) -> &'static str {
    match safeguard {
        Safeguard::Sccs => "SCCs",
        Safeguard::Idta => "UK IDTA",
        Safeguard::Adequacy => "adequacy decision",
        Safeguard::NoTransfer => "EEA/UK",
    }
}

/// The readable page: the archive's contents and the Art. 15 information.
pub fn index_html(policy: &Policy, document: &Value, files: &[(&str, usize)], lang: &Lang) -> String {
    let pick = |text: &Text| -> String {
        escape(text.get(lang.as_str()).or_else(|| text.values().next()).map(String::as_str).unwrap_or_default())
    };
    let category_name = |id: &str| policy.category(id).map(|c| pick(&c.name)).unwrap_or_else(|| escape(id));
    let l = |key: &str| label(lang, key);
    let mut html = String::new();
    html.push_str(&format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n<p>{intro}</p>\n",
        lang = escape(lang.as_str()),
        title = l("title"),
        intro = l("intro"),
    ));
    html.push_str(&format!(
        "<p>{}: <time>{}</time>. {}: {}.</p>\n",
        l("generated"),
        escape(&cell(&document["generated_at"])),
        l("policy_version"),
        escape(&cell(&document["policy_version"]))
    ));
    html.push_str(&format!("<h2>{}</h2>\n<ul>\n", l("files")));
    html.push_str(&format!("<li><a href=\"data.json\">data.json</a>: {}</li>\n", l("data_json")));
    for (name, rows) in files {
        let unit = if *rows == 1 { l("row") } else { l("rows") };
        html.push_str(&format!("<li><a href=\"{name}\">{name}</a>: {rows} {unit}</li>\n"));
    }
    html.push_str("</ul>\n");
    let controller = &document["controller"];
    html.push_str(&format!(
        "<h2>{}</h2>\n<address>{}<br>{}<br>{}</address>\n",
        l("controller"),
        escape(&cell(&controller["name"])),
        escape(&cell(&controller["email"])),
        escape(&cell(&controller["whatsapp"]))
    ));
    html.push_str(&format!(
        "<h2>{}</h2>\n<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        l("purposes"),
        l("purpose"),
        l("basis"),
        l("data_used")
    ));
    for purpose in &policy.purposes {
        let used: Vec<String> = purpose.categories.iter().map(|c| category_name(c)).collect();
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            pick(&purpose.name),
            basis(lang, purpose.legal_basis),
            used.join(", ")
        ));
    }
    html.push_str("</tbody>\n</table>\n");
    html.push_str(&format!(
        "<h2>{}</h2>\n<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        l("categories"),
        l("category"),
        l("source")
    ));
    for category in &policy.categories {
        let sources: Vec<&str> = category.sources.iter().map(|s| source(lang, *s)).collect();
        html.push_str(&format!(
            "<tr><td>{}<br><small>{}</small></td><td>{}</td></tr>\n",
            pick(&category.name),
            pick(&category.examples),
            sources.join(", ")
        ));
    }
    html.push_str("</tbody>\n</table>\n");
    html.push_str(&format!(
        "<h2>{}</h2>\n<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        l("recipients"),
        l("recipient"),
        l("purpose"),
        l("data_used"),
        l("location")
    ));
    for recipient in &policy.recipients {
        let purpose = policy.purposes.iter().find(|p| p.id == recipient.purpose).map(|p| pick(&p.name));
        let received: Vec<String> = recipient.categories.iter().map(|c| category_name(c)).collect();
        let safeguards: Vec<&str> = recipient.safeguards.iter().map(|s| safeguard(*s)).collect();
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td></tr>\n",
            pick(&recipient.name),
            purpose.unwrap_or_default(),
            received.join(", "),
            pick(&recipient.location),
            safeguards.join(", ")
        ));
    }
    html.push_str("</tbody>\n</table>\n");
    html.push_str(&format!(
        "<h2>{}</h2>\n<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        l("retention"),
        l("records"),
        l("kept")
    ));
    for rule in &policy.retention {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{} {}. {}</td></tr>\n",
            pick(&rule.records),
            rule.keep_days,
            l("days"),
            pick(&rule.reason)
        ));
    }
    html.push_str("</tbody>\n</table>\n");
    html.push_str(&format!("<h2>{}</h2>\n<dl>\n", l("rights")));
    for right in &policy.rights.list {
        html.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", pick(&right.name), pick(&right.description)));
    }
    html.push_str("</dl>\n");
    html.push_str(&format!("<p>{}</p>\n<p>{}</p>\n", pick(&policy.rights.how), pick(&policy.rights.complaint)));
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

/// The archive of `document` (the subject-access document), in `lang`.
pub fn build(policy: &Policy, document: &Value, lang: &Lang) -> Result<Vec<u8>, ShopError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let add = |zip: &mut zip::ZipWriter<Cursor<Vec<u8>>>, name: &str, bytes: &[u8]| -> Result<(), ShopError> {
        zip.start_file(name, options).map_err(|_| ShopError::Internal)?;
        zip.write_all(bytes).map_err(|_| ShopError::Internal)
    };
    let json = serde_json::to_vec_pretty(document).map_err(|_| ShopError::Internal)?;
    add(&mut zip, "data.json", &json)?;
    let mut files = Vec::new();
    for (name, header, rows) in tables(&document["data"]) {
        add(&mut zip, name, &csv_of(&header, &rows)?)?;
        files.push((name, rows.len()));
    }
    add(&mut zip, "index.html", index_html(policy, document, &files, lang).as_bytes())?;
    let cursor = zip.finish().map_err(|_| ShopError::Internal)?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_flat_and_quoted() {
        let data = serde_json::json!({"orders": [{"number": "LV-1", "contact": {"name": "A, \"B\""}, "lines": [{"sku": "S1", "quantity": 2}],
            "history": [{"at": "2026-11-22T10:00:00Z", "status": "placed"}]}]});
        let tables = tables(&data);
        let (_, header, rows) = &tables[0];
        let bytes = csv_of(header, rows).unwrap_or_default();
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert!(text.contains("\"A, \"\"B\"\"\""), "{text}");
        assert_eq!(tables[1].2[0][4], "2");
        assert_eq!(tables[2].2[0], vec!["LV-1", "2026-11-22T10:00:00Z", "placed"]);
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_kept_as_text() {
        let rows = vec![vec![
            "=HYPERLINK(\"http://evil.example\")".to_string(),
            "+33 6 12 34 56 78".to_string(),
            "-2+3".to_string(),
            "@SUM(A1)".to_string(),
            "Jeanne".to_string(),
        ]];
        let bytes = csv_of(&["a", "b", "c", "d", "e"], &rows).unwrap_or_default();
        let text = String::from_utf8(bytes).unwrap_or_default();
        let line = text.lines().nth(1).unwrap_or_default();
        assert_eq!(line, "\"'=HYPERLINK(\"\"http://evil.example\"\")\",'+33 6 12 34 56 78,'-2+3,'@SUM(A1),Jeanne");
    }
}
