//! Product descriptions: Markdown written by staff, shown as HTML that cannot carry script.
//! pulldown-cmark renders (raw HTML in the source is escaped as text, not passed through), and
//! ammonia then keeps only a small list of tags and safe link schemes, as a second wall. Old
//! descriptions (plain paragraphs separated by a blank line) render as the same paragraphs.

use pulldown_cmark::{Event, Options, Parser, html};

/// The tags a description may use.
const TAGS: &[&str] =
    &["p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote", "code", "hr", "del"];

fn parser(markdown: &str) -> impl Iterator<Item = Event<'_>> {
    Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
        // Written HTML is shown as the text it is, never interpreted.
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    })
}

/// Safe HTML for a Markdown description.
pub fn to_html(markdown: &str) -> String {
    let mut rendered = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut rendered, parser(markdown));
    ammonia::Builder::default()
        .tags(TAGS.iter().copied().collect())
        .url_schemes(["https", "http", "mailto"].into_iter().collect())
        .link_rel(Some("noopener nofollow"))
        .clean(&rendered)
        .to_string()
}

/// The words of a Markdown text without its marks (for a meta description).
pub fn to_plain(markdown: &str) -> String {
    let mut text = String::new();
    for event in parser(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paragraphs_render_as_before() {
        assert_eq!(to_html("First paragraph.\n\nSecond."), "<p>First paragraph.</p>\n<p>Second.</p>\n");
    }

    #[test]
    fn markdown_renders_and_script_does_not() {
        let html = to_html("**Calfskin**, *hand-stitched*.\n\n- one\n- two\n\n<script>alert(1)</script>");
        assert!(html.contains("<strong>Calfskin</strong>") && html.contains("<li>one</li>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "shown as text: {html}");
        let link = to_html("[x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(!link.contains("javascript:") && !link.contains("<img"), "{link}");
        assert!(to_html("[site](https://example.com)").contains("href=\"https://example.com\""));
    }

    #[test]
    fn plain_text_drops_the_marks() {
        assert_eq!(to_plain("**Calfskin**, *hand-stitched*\nin Florence."), "Calfskin, hand-stitched in Florence.");
    }
}
