//! Fetching a product image named by URL (a catalog import from another platform points at its
//! CDN). Only http(s); a connect timeout, an overall timeout and a size cap, so a slow or huge
//! answer cannot hold an import. The bytes are not trusted here: the caller passes them through
//! `core::media::accept_image`, which decides what they are.

use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an image could not be fetched. The messages never quote the URL (it may carry a token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("only http and https addresses are fetched")]
    Scheme,
    #[error("the server answered {0}")]
    Status(u16),
    #[error("the image is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the request timed out")]
    Timeout,
    #[error("the server could not be reached")]
    Connect,
    #[error("the request failed")]
    Other,
}

/// An HTTP client for images, built once per import.
#[derive(Clone)]
pub struct ImageFetcher {
    http: reqwest::Client,
    max_bytes: usize,
}

impl ImageFetcher {
    pub fn new(max_bytes: usize) -> Result<Self, FetchError> {
        crate::install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("LuxeVault/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| FetchError::Other)?;
        Ok(Self { http, max_bytes })
    }

    /// The body at `url`, at most `max_bytes` of it (the answer is read in chunks and dropped as
    /// soon as it is too long, whatever Content-Length said).
    pub async fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let parsed = url::Url::parse(url).map_err(|_| FetchError::Scheme)?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(FetchError::Scheme);
        }
        let mut response = self.http.get(parsed).send().await.map_err(|e| kind(&e))?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if response.content_length().is_some_and(|n| n > self.max_bytes as u64) {
            return Err(FetchError::TooLarge(self.max_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| kind(&e))? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(FetchError::TooLarge(self.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

fn kind(error: &reqwest::Error) -> FetchError {
    if error.is_timeout() {
        FetchError::Timeout
    } else if error.is_connect() {
        FetchError::Connect
    } else {
        FetchError::Other
    }
}
