//! `GET /media/{id}`: product images uploaded by staff and stored in the database (see
//! `storage::CatalogAdmin::store_media`), by id. An id names one content for ever (a new upload
//! is a new id), so browsers and proxies may cache it for a year. The demo shop's compiled-in
//! images keep their nested paths (`/media/products/…`), served by `assets::media_file`: the
//! router has one `/media/{*path}` route (axum cannot hold `{id}` beside it) and [`serve`] sends
//! a one-segment path here and a nested one there.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use luxevault_core::renditions;
use luxevault_storage::{CatalogAdmin, Renditions};
use uuid::Uuid;

use crate::state::AppState;

pub async fn serve(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    // `/media/<id>/<width>`: a resized copy of a stored image (see `core::renditions`).
    if let Some((id, width)) = path.split_once('/')
        && let (Ok(id), Ok(width)) = (Uuid::try_parse(id), width.parse::<u32>())
    {
        return rendition(&state, id, width).await;
    }
    if path.contains('/') {
        crate::assets::media_file(State(state), Path(path)).await
    } else {
        image(&state, &path).await
    }
}

fn image_response(bytes: Vec<u8>, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn unreadable(error: &luxevault_storage::DbError) -> Response {
    tracing::error!(%error, "reading a stored image failed");
    let status = if error.is_busy() { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::INTERNAL_SERVER_ERROR };
    (status, "The image cannot be read right now").into_response()
}

/// A copy at one of the offered widths, made on first request (off the async threads) and kept;
/// the original itself when it is no wider.
async fn rendition(state: &AppState, id: Uuid, width: u32) -> Response {
    if !renditions::WIDTHS.contains(&width) {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    let media = match CatalogAdmin::media(state.db(), id).await {
        Ok(Some(media)) => media,
        Ok(None) => return (StatusCode::NOT_FOUND, "Not found").into_response(),
        Err(error) => return unreadable(&error),
    };
    let content_type = media.kind.content_type();
    match Renditions::get(state.db(), id, width).await {
        Ok(Some(bytes)) if bytes.is_empty() => return image_response(media.bytes, content_type),
        Ok(Some(bytes)) => return image_response(bytes, content_type),
        Ok(None) => {}
        Err(error) => return unreadable(&error),
    }
    let kind = media.kind;
    let original = media.bytes;
    let made = tokio::task::spawn_blocking(move || {
        let copy = renditions::render(&original, kind, width);
        (original, copy)
    })
    .await;
    let Ok((original, copy)) = made else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "The image cannot be resized").into_response();
    };
    match copy {
        Ok(copy) => {
            let stored = copy.clone().unwrap_or_default();
            if let Err(error) = Renditions::put(state.db(), id, width, &stored, state.clock().now()).await {
                tracing::warn!(%error, "a rendition could not be kept; it is made again next time");
            }
            image_response(copy.unwrap_or(original), content_type)
        }
        Err(error) => {
            // A stored original that cannot be decoded is served as it is: the page still shows it.
            tracing::warn!(%error, "a stored image could not be resized");
            image_response(original, content_type)
        }
    }
}

async fn image(state: &AppState, id: &str) -> Response {
    let Ok(id) = Uuid::try_parse(id) else {
        return (StatusCode::BAD_REQUEST, "Not an image id").into_response();
    };
    match CatalogAdmin::media(state.db(), id).await {
        Ok(Some(media)) => {
            let mut response = (StatusCode::OK, media.bytes).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media.kind.content_type()));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
            headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            response
        }
        Ok(None) => (StatusCode::NOT_FOUND, "Not found").into_response(),
        Err(error) => {
            tracing::error!(%error, "reading a stored image failed");
            let status =
                if error.is_busy() { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::INTERNAL_SERVER_ERROR };
            (status, "The image cannot be read right now").into_response()
        }
    }
}
