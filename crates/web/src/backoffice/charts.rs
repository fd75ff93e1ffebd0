//! Server-rendered SVG charts for the back office's dashboard: sales per day (one panel per
//! currency, each on its own scale, since a yen and a euro do not share an axis), orders by
//! state, and privacy requests against their deadlines. Pure: values in, markup out.
//!
//! Each chart is an `<svg role="img">` named by its `<title>` and `<desc>`, with every text
//! escaped and no `style` attribute or script (the back office runs under `style-src 'self'`):
//! colours are presentation attributes from one restrained palette, and classes (`chart__…`)
//! let the stylesheet refine them. Each chart also returns its data as a table, which the page
//! renders (visually hidden) for screen readers and anyone who prefers figures.

use luxevault_core::order::OrderStatus;
use luxevault_core::{Currency, Lang, Money, Timestamp};
use luxevault_storage::{DailySales, OpenRequest};

/// The house palette: ink, stone, a muted gold, and a claret kept for what is late.
pub mod palette {
    pub const INK: &str = "#1c1917";
    pub const STONE: &str = "#a8a29e";
    pub const STONE_LIGHT: &str = "#e7e5e4";
    pub const GOLD: &str = "#a8864a";
    pub const CLARET: &str = "#8c2f39";
}

const WIDTH: i64 = 720;
const LEFT: i64 = 150;
const RIGHT: i64 = 24;
const FONT: &str = "font-family=\"inherit\" font-size=\"12\"";

/// A chart: its markup and the same data as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub svg: String,
    pub table: DataTable,
}

/// The figures behind a chart, already formatted for reading.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct DataTable {
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Text made safe for SVG (XML) content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// An id usable in `id` attributes: letters, digits and hyphens only.
fn clean_id(id: &str) -> String {
    let id: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    if id.is_empty() { "chart".into() } else { id }
}

/// Titles and sentences of a chart, in the page's language (the page translates them).
#[derive(Debug, Clone, Copy)]
pub struct Texts<'a> {
    /// Unique on the page; used to link the title and description.
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    /// Shown in place of the plot when there is nothing to show.
    pub empty: &'a str,
    /// The heading of the days' column (sales per day).
    pub day: &'a str,
}

fn open_svg(texts: &Texts<'_>, height: i64, class: &str) -> String {
    let id = clean_id(texts.id);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart {class}\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(texts.title),
        escape(texts.desc)
    )
}

fn empty_chart(texts: &Texts<'_>, class: &str, table: DataTable) -> Chart {
    let mut svg = open_svg(texts, 60, class);
    svg.push_str(&format!(
        "<text class=\"chart__empty\" x=\"{}\" y=\"34\" text-anchor=\"middle\" fill=\"{}\" {FONT}>{}</text></svg>",
        WIDTH / 2,
        palette::STONE,
        escape(texts.empty)
    ));
    Chart { svg, table }
}

/// An amount in a currency's major units, as the shop writes it in `lang`.
pub fn format_amount(minor: i64, currency: &str, lang: &Lang) -> String {
    match Currency::from_code(currency) {
        Ok(c) => Money::new(minor, c).format(lang),
        Err(_) => format!("{minor} {currency}"),
    }
}

fn day_label(day: Timestamp) -> String {
    let (y, m, d, ..) = day.civil();
    format!("{y:04}-{m:02}-{d:02}")
}

/// Sales per calendar day in `[from, to)` (days as midnight UTC of the shop's local dates, see
/// `ShopTimeZone::calendar_day`), one panel per currency (in the order first met), bars per day
/// on the panel's own scale from zero. Days without sales show no bar; a negative total (more
/// refunded than sold, should a caller count so) hangs below the zero line.
pub fn sales_per_day(texts: &Texts<'_>, sales: &[DailySales], from: Timestamp, to: Timestamp, lang: &Lang) -> Chart {
    let first_day = from.as_micros().div_euclid(Timestamp::MICROS_PER_DAY);
    let last_day = (to.as_micros() - 1).div_euclid(Timestamp::MICROS_PER_DAY);
    let days = (last_day - first_day + 1).clamp(1, 366);
    let mut currencies: Vec<&str> = Vec::new();
    for s in sales {
        if !currencies.contains(&s.currency.as_str()) {
            currencies.push(&s.currency);
        }
    }
    let day_of = |s: &DailySales| s.day.as_micros().div_euclid(Timestamp::MICROS_PER_DAY) - first_day;
    let in_range: Vec<&DailySales> = sales.iter().filter(|s| (0..days).contains(&day_of(s))).collect();

    let mut columns = vec![texts.day.to_string()];
    columns.extend(currencies.iter().map(|c| c.to_string()));
    let mut rows = Vec::new();
    for d in 0..days {
        let of_day: Vec<&&DailySales> = in_range.iter().filter(|s| day_of(s) == d).collect();
        if of_day.is_empty() {
            continue;
        }
        let mut row = vec![day_label(Timestamp((first_day + d) * Timestamp::MICROS_PER_DAY))];
        for c in &currencies {
            let total = of_day.iter().filter(|s| s.currency == *c).map(|s| s.total_minor).sum::<i64>();
            row.push(format_amount(total, c, lang));
        }
        rows.push(row);
    }
    let table = DataTable { caption: texts.title.to_string(), columns, rows };
    if in_range.is_empty() {
        return empty_chart(texts, "chart--sales", table);
    }

    const PANEL: i64 = 150;
    const PLOT: i64 = 100;
    let mut svg = open_svg(texts, PANEL * currencies.len() as i64, "chart--sales");
    let plot_w = WIDTH - LEFT - RIGHT;
    let slot = plot_w as f64 / days as f64;
    let bar_w = (slot * 0.7).max(1.0);
    for (i, currency) in currencies.iter().enumerate() {
        let top = i as i64 * PANEL + 20;
        let points: Vec<&&DailySales> = in_range.iter().filter(|s| s.currency == *currency).collect();
        let max = points.iter().map(|s| s.total_minor).max().unwrap_or(0).max(0);
        let min = points.iter().map(|s| s.total_minor).min().unwrap_or(0).min(0);
        let span = (max - min).max(1) as f64;
        let y_of = |v: i64| top as f64 + (max - v) as f64 / span * PLOT as f64;
        let zero = y_of(0);
        svg.push_str(&format!(
            "<g class=\"chart__panel\"><text x=\"0\" y=\"{}\" fill=\"{}\" {FONT} font-weight=\"600\">{}</text>",
            top + 12,
            palette::INK,
            escape(currency)
        ));
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{}\" {FONT}>{}</text>",
            LEFT - 8,
            top + 4,
            palette::STONE,
            escape(&format_amount(max, currency, lang))
        ));
        if min < 0 {
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{}\" {FONT}>{}</text>",
                LEFT - 8,
                top + PLOT,
                palette::STONE,
                escape(&format_amount(min, currency, lang))
            ));
        }
        svg.push_str(&format!(
            "<line class=\"chart__axis\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{zero:.1}\" y2=\"{zero:.1}\" stroke=\"{}\" \
             stroke-width=\"1\"/>",
            WIDTH - RIGHT,
            palette::STONE_LIGHT
        ));
        for s in &points {
            let x = LEFT as f64 + day_of(s) as f64 * slot + (slot - bar_w) / 2.0;
            let y = y_of(s.total_minor);
            let (y, h) = if y <= zero { (y, zero - y) } else { (zero, y - zero) };
            svg.push_str(&format!(
                "<rect class=\"chart__bar\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" \
                 height=\"{:.1}\" fill=\"{}\">\
                 <title>{} — {}</title></rect>",
                h.max(0.5),
                if s.total_minor < 0 { palette::CLARET } else { palette::GOLD },
                escape(&day_label(s.day)),
                escape(&format_amount(s.total_minor, currency, lang))
            ));
        }
        let baseline = top + PLOT + 18;
        svg.push_str(&format!(
            "<text x=\"{LEFT}\" y=\"{baseline}\" fill=\"{}\" {FONT}>{}</text>\
             <text x=\"{}\" y=\"{baseline}\" text-anchor=\"end\" fill=\"{}\" {FONT}>{}</text></g>",
            palette::STONE,
            day_label(Timestamp(first_day * Timestamp::MICROS_PER_DAY)),
            WIDTH - RIGHT,
            palette::STONE,
            day_label(Timestamp(last_day.min(first_day + days - 1) * Timestamp::MICROS_PER_DAY)),
        ));
    }
    svg.push_str("</svg>");
    Chart { svg, table }
}

/// Horizontal bars, one per labelled value, from zero (negative values count as zero).
fn horizontal_bars(texts: &Texts<'_>, class: &str, bars: &[(String, i64, &str)], table: DataTable) -> Chart {
    if bars.is_empty() {
        return empty_chart(texts, class, table);
    }
    const ROW: i64 = 28;
    let max = bars.iter().map(|(_, v, _)| *v).max().unwrap_or(0).max(1);
    let plot_w = (WIDTH - LEFT - RIGHT - 60) as f64;
    let mut svg = open_svg(texts, ROW * bars.len() as i64 + 8, class);
    for (i, (label, value, colour)) in bars.iter().enumerate() {
        let y = i as i64 * ROW + 4;
        let w = (*value).max(0) as f64 / max as f64 * plot_w;
        svg.push_str(&format!(
            "<g class=\"chart__row\"><text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{}\" {FONT}>{}</text>\
             <rect class=\"chart__bar\" x=\"{LEFT}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{}\" fill=\"{}\" {FONT}>{}</text></g>",
            LEFT - 8,
            y + 14,
            palette::INK,
            escape(label),
            ROW - 10,
            LEFT as f64 + w + 6.0,
            y + 14,
            palette::INK,
            value.max(&0)
        ));
    }
    svg.push_str("</svg>");
    Chart { svg, table }
}

/// Orders by state: one bar per state, labelled by `label` (the page's translation).
/// `columns` heads the table: the state and the count.
pub fn orders_by_state(
    texts: &Texts<'_>,
    columns: &[String; 2],
    counts: &[(OrderStatus, i64)],
    label: impl Fn(OrderStatus) -> String,
) -> Chart {
    let bars: Vec<(String, i64, &str)> = counts
        .iter()
        .map(|&(status, n)| {
            let colour = match status {
                OrderStatus::Cancelled | OrderStatus::Refunded => palette::STONE,
                OrderStatus::AwaitingPayment | OrderStatus::Authorised => palette::GOLD,
                OrderStatus::Confirmed | OrderStatus::Fulfilled => palette::INK,
            };
            (label(status), n.max(0), colour)
        })
        .collect();
    let table = DataTable {
        caption: texts.title.to_string(),
        columns: columns.to_vec(),
        rows: bars.iter().map(|(l, n, _)| vec![l.clone(), n.to_string()]).collect(),
    };
    if bars.iter().all(|(_, n, _)| *n == 0) {
        return empty_chart(texts, "chart--states", table);
    }
    horizontal_bars(texts, "chart--states", &bars, table)
}

/// Appointments per week: a bar of those booked (cancellations aside), the figures of those
/// honoured and of those followed by an order in the table.
pub fn appointments_per_week(texts: &Texts<'_>, columns: &[String; 4], weeks: &[(String, i64, i64, i64)]) -> Chart {
    let bars: Vec<(String, i64, &str)> =
        weeks.iter().map(|(label, booked, _, _)| (label.clone(), (*booked).max(0), palette::INK)).collect();
    let table = DataTable {
        caption: texts.title.to_string(),
        columns: columns.to_vec(),
        rows: weeks
            .iter()
            .map(|(label, booked, honoured, ordered)| {
                vec![label.clone(), booked.to_string(), honoured.to_string(), ordered.to_string()]
            })
            .collect(),
    };
    if bars.iter().all(|(_, n, _)| *n == 0) {
        return empty_chart(texts, "chart--appointments", table);
    }
    horizontal_bars(texts, "chart--appointments", &bars, table)
}

/// Open privacy requests against their legal deadlines: a bar of the days left from a zero line,
/// overdue ones (negative days) drawn to the left of it in claret, soonest first. `label` names
/// a request (e.g. its kind and reference), never its person.
pub fn privacy_deadlines(
    texts: &Texts<'_>,
    requests: &[OpenRequest],
    now: Timestamp,
    columns: &[String; 3],
    label: impl Fn(&OpenRequest) -> String,
) -> Chart {
    let mut items: Vec<(String, i64, String)> =
        requests.iter().map(|r| (label(r), r.days_left(now), day_label(r.due_at))).collect();
    items.sort_by_key(|(_, days, _)| *days);
    let table = DataTable {
        caption: texts.title.to_string(),
        columns: columns.to_vec(),
        rows: items.iter().map(|(l, d, due)| vec![l.clone(), due.clone(), d.to_string()]).collect(),
    };
    if items.is_empty() {
        return empty_chart(texts, "chart--deadlines", table);
    }
    const ROW: i64 = 28;
    let late = items.iter().map(|(_, d, _)| *d).min().unwrap_or(0).min(0);
    let ahead = items.iter().map(|(_, d, _)| *d).max().unwrap_or(0).max(1);
    let plot_w = (WIDTH - LEFT - RIGHT - 60) as f64;
    let per_day = plot_w / (ahead - late) as f64;
    let zero = LEFT as f64 + (-late) as f64 * per_day;
    let height = ROW * items.len() as i64 + 8;
    let mut svg = open_svg(texts, height, "chart--deadlines");
    svg.push_str(&format!(
        "<line class=\"chart__axis\" x1=\"{zero:.1}\" x2=\"{zero:.1}\" y1=\"0\" y2=\"{height}\" stroke=\"{}\" \
         stroke-width=\"1\"/>",
        palette::STONE
    ));
    for (i, (name, days, due)) in items.iter().enumerate() {
        let y = i as i64 * ROW + 4;
        let w = (*days as f64 * per_day).abs().max(2.0);
        let (x, colour, class) = if *days < 0 {
            (zero - w, palette::CLARET, "chart__bar chart__bar--overdue")
        } else {
            (zero, palette::GOLD, "chart__bar")
        };
        svg.push_str(&format!(
            "<g class=\"chart__row\"><text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{}\" {FONT}>{}</text>\
             <rect class=\"{class}\" x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{colour}\">\
             <title>{} — {}</title></rect>\
             <text x=\"{:.1}\" y=\"{}\" fill=\"{}\" {FONT}>{days}</text></g>",
            LEFT - 8,
            y + 14,
            palette::INK,
            escape(name),
            ROW - 10,
            escape(name),
            escape(due),
            zero.max(x + w) + 6.0,
            y + 14,
            if *days < 0 { palette::CLARET } else { palette::INK },
        ));
    }
    svg.push_str("</svg>");
    Chart { svg, table }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    const DAY: i64 = Timestamp::MICROS_PER_DAY;

    fn state_columns() -> [String; 2] {
        ["State".into(), "Orders".into()]
    }

    fn request_columns() -> [String; 3] {
        ["Request".into(), "Due".into(), "Days left".into()]
    }

    fn texts() -> Texts<'static> {
        Texts { id: "c1", title: "Sales <b>&</b>", desc: "Per \"day\"", empty: "Nothing yet", day: "Day" }
    }

    fn en() -> Lang {
        Lang::parse("en").unwrap_or_else(|| panic!("en"))
    }

    fn sale(day: i64, currency: &str, total_minor: i64) -> DailySales {
        DailySales { day: Timestamp(day * DAY), currency: currency.into(), orders: 1, total_minor }
    }

    /// Well-formed enough: one root, every tag closed, no style or script anywhere.
    fn assert_safe_svg(svg: &str) {
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("role=\"img\""));
        assert_eq!(svg.matches("<svg").count(), 1);
        assert!(!svg.contains("style="), "no inline style under the CSP");
        assert!(!svg.to_lowercase().contains("<script"));
        assert!(!svg.contains(" on"), "no event handler attributes");
        for tag in ["g", "text", "title", "desc"] {
            assert_eq!(
                svg.matches(&format!("<{tag}>")).count() + svg.matches(&format!("<{tag} ")).count(),
                svg.matches(&format!("</{tag}>")).count(),
                "<{tag}> balanced in {svg}"
            );
        }
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }

    #[test]
    fn sales_chart_has_a_panel_per_currency_with_formatted_amounts() {
        let sales = [sale(100, "EUR", 125_000), sale(101, "EUR", 50_000), sale(101, "JPY", 98_000)];
        let chart = sales_per_day(&texts(), &sales, Timestamp(100 * DAY), Timestamp(107 * DAY), &en());
        assert_safe_svg(&chart.svg);
        assert!(chart.svg.contains("<title id=\"c1-title\">Sales &lt;b&gt;&amp;&lt;/b&gt;</title>"), "{}", chart.svg);
        assert!(chart.svg.contains("<desc id=\"c1-desc\">Per &quot;day&quot;</desc>"));
        assert!(chart.svg.contains("aria-labelledby=\"c1-title c1-desc\""));
        assert_eq!(chart.svg.matches("class=\"chart__panel\"").count(), 2, "EUR and JPY");
        assert_eq!(chart.svg.matches("class=\"chart__bar\"").count(), 3);
        assert!(chart.svg.contains(&format_amount(125_000, "EUR", &en())), "max label in major units");
        assert!(
            format_amount(125_000, "EUR", &en()).contains("1,250")
                || format_amount(125_000, "EUR", &en()).contains("1250")
        );
        assert_eq!(chart.table.columns, ["Day", "EUR", "JPY"]);
        assert_eq!(chart.table.rows.len(), 2, "only days with sales");
        assert_eq!(chart.table.rows[1][0], "1970-04-12");
        assert_eq!(chart.table.rows[1][2], format_amount(98_000, "JPY", &en()));
    }

    #[test]
    fn empty_data_says_so_instead_of_drawing_nothing() {
        let chart = sales_per_day(&texts(), &[], Timestamp(0), Timestamp(7 * DAY), &en());
        assert_safe_svg(&chart.svg);
        assert!(chart.svg.contains("Nothing yet"));
        assert!(chart.table.rows.is_empty());
        let states = orders_by_state(&texts(), &state_columns(), &[(OrderStatus::Confirmed, 0)], |s| s.as_str().into());
        assert!(states.svg.contains("chart__empty"));
        let deadlines = privacy_deadlines(&texts(), &[], Timestamp(0), &request_columns(), |r| r.kind.clone());
        assert!(deadlines.svg.contains("chart__empty"));
        // Sales outside the range are not drawn.
        let outside = sales_per_day(&texts(), &[sale(50, "EUR", 1)], Timestamp(0), Timestamp(7 * DAY), &en());
        assert!(outside.svg.contains("chart__empty"));
    }

    #[test]
    fn one_point_and_zero_and_negative_values_draw_finite_shapes() {
        let one = sales_per_day(&texts(), &[sale(3, "EUR", 0)], Timestamp(3 * DAY), Timestamp(4 * DAY), &en());
        assert_safe_svg(&one.svg);
        assert_eq!(one.svg.matches("class=\"chart__bar\"").count(), 1);
        let negative = sales_per_day(
            &texts(),
            &[sale(3, "EUR", -500), sale(4, "EUR", 1000)],
            Timestamp(3 * DAY),
            Timestamp(5 * DAY),
            &en(),
        );
        assert_safe_svg(&negative.svg);
        assert!(negative.svg.contains(palette::CLARET), "a negative day stands out");
        assert!(!negative.svg.contains("height=\"-"), "no negative heights");
        let states = orders_by_state(
            &texts(),
            &state_columns(),
            &[(OrderStatus::Confirmed, 3), (OrderStatus::Cancelled, -2)],
            |s| s.as_str().into(),
        );
        assert_safe_svg(&states.svg);
        assert!(!states.svg.contains("width=\"-"));
        assert_eq!(states.table.rows[1], ["cancelled", "0"]);
    }

    #[test]
    fn states_are_bars_with_escaped_labels() {
        let counts = [(OrderStatus::AwaitingPayment, 4), (OrderStatus::Confirmed, 10), (OrderStatus::Refunded, 1)];
        let chart = orders_by_state(&texts(), &state_columns(), &counts, |s| format!("<{}>", s.as_str()));
        assert_safe_svg(&chart.svg);
        assert!(chart.svg.contains("&lt;confirmed&gt;"));
        assert!(!chart.svg.contains("<confirmed>"));
        assert_eq!(chart.svg.matches("class=\"chart__bar\"").count(), 3);
        assert_eq!(chart.table.rows, [["<awaiting_payment>", "4"], ["<confirmed>", "10"], ["<refunded>", "1"]]);
    }

    #[test]
    fn overdue_requests_are_drawn_apart_and_first() {
        let request = |days_to_due: i64, kind: &str| OpenRequest {
            id: Uuid::nil(),
            kind: kind.into(),
            status: "open".into(),
            received_at: Timestamp(0),
            due_at: Timestamp(10 * DAY + days_to_due * DAY),
            target_at: Timestamp(0),
        };
        let now = Timestamp(10 * DAY);
        let chart = privacy_deadlines(
            &texts(),
            &[request(12, "access"), request(-3, "erasure & co")],
            now,
            &request_columns(),
            |r| r.kind.clone(),
        );
        assert_safe_svg(&chart.svg);
        assert_eq!(chart.svg.matches("chart__bar--overdue").count(), 1);
        assert!(chart.svg.contains(palette::CLARET));
        assert!(chart.svg.contains("erasure &amp; co"));
        assert_eq!(chart.table.rows[0], ["erasure & co", "1970-01-08", "-3"]);
        assert_eq!(chart.table.rows[1][2], "12");
        assert!(!chart.svg.contains("width=\"-"));
    }

    #[test]
    fn ids_and_control_characters_cannot_break_out() {
        let t = Texts { id: "x\" onload=\"alert(1)", title: "a\u{0}b", desc: "", empty: "", day: "" };
        let chart = orders_by_state(&t, &state_columns(), &[(OrderStatus::Confirmed, 1)], |_| "'".into());
        assert_safe_svg(&chart.svg);
        assert!(chart.svg.contains("id=\"xonloadalert1-title\""));
        assert!(chart.svg.contains(">ab</title>"));
        assert!(chart.svg.contains("&#39;"));
    }
}
