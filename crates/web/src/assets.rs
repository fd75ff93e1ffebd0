//! Static files of the theme (compiled in) and media (product images) served from the shop's
//! media source. Asset URLs carry a content hash, so browsers cache them for a year.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

use crate::state::AppState;

#[derive(Embed)]
#[folder = "assets/static/"]
struct StaticFiles;

/// The versioned URL of a static file: `/static/shop.css?v=3f2a…`.
pub fn versioned_url(path: &str) -> String {
    match StaticFiles::get(path) {
        Some(file) => format!("/static/{path}?v={}", hex_prefix(&file.metadata.sha256_hash())),
        None => format!("/static/{path}"),
    }
}

fn hex_prefix(hash: &[u8]) -> String {
    hash.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).as_deref() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

#[derive(serde::Deserialize)]
pub struct VersionQuery {
    v: Option<String>,
}

pub async fn static_file(Path(path): Path<String>, Query(query): Query<VersionQuery>) -> Response {
    let Some(file) = StaticFiles::get(&path) else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    let current = hex_prefix(&file.metadata.sha256_hash());
    // Only a URL naming this exact content may be cached for good.
    let cache = if query.v.as_deref() == Some(current.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let mut response = (StatusCode::OK, file.data.into_owned()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&path)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

pub async fn media_file(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    if path.split('/').any(|part| part.is_empty() || part == "..") {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    let Some(bytes) = state.media().get(&path) else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    let mut response = (StatusCode::OK, bytes.into_owned()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&path)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_assets_exist_and_are_versioned() {
        for path in ["shop.css", "shop.js"] {
            let url = versioned_url(path);
            assert!(url.starts_with(&format!("/static/{path}?v=")), "{path} missing from assets/static: {url}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/b.SVG"), "image/svg+xml");
        assert_eq!(content_type("x"), "application/octet-stream");
    }
}
