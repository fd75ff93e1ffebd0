//! `GET /media/{id}`: product images uploaded by staff and stored in the database (see
//! `storage::CatalogAdmin::store_media`), by id. An id names one content for ever (a new upload
//! is a new id), so browsers and proxies may cache it for a year. The demo shop's compiled-in
//! images keep their nested paths (`/media/products/…`), served by `assets::media_file`: the
//! router has one `/media/{*path}` route (axum cannot hold `{id}` beside it) and [`serve`] sends
//! a one-segment path here and a nested one there.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use luxevault_storage::CatalogAdmin;
use uuid::Uuid;

use crate::state::AppState;

pub async fn serve(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    if path.contains('/') {
        crate::assets::media_file(State(state), Path(path)).await
    } else {
        image(&state, &path).await
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
