//! Fetching a product image named by URL (a catalog import from another platform points at its
//! CDN). Only http(s); a connect timeout, an overall timeout and a size cap, so a slow or huge
//! answer cannot hold an import. The bytes are not trusted here: the caller passes them through
//! `core::media::accept_image`, which decides what they are.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an image could not be fetched. The messages never quote the URL (it may carry a token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("only http and https addresses are fetched")]
    Scheme,
    #[error("the address is not on the public internet")]
    NotPublic,
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
    public_only: bool,
}

impl ImageFetcher {
    /// A fetcher for the operator's own imports (the CLI): any host, the local network too.
    pub fn new(max_bytes: usize) -> Result<Self, FetchError> {
        Self::build(max_bytes, false)
    }

    /// A fetcher for files uploaded through the web: only hosts on the public internet, checked
    /// on every name resolution and redirect, so an uploaded CSV cannot make the server read its
    /// own network (loopback, private ranges, link-local cloud metadata).
    pub fn public_only(max_bytes: usize) -> Result<Self, FetchError> {
        Self::build(max_bytes, true)
    }

    fn build(max_bytes: usize, public_only: bool) -> Result<Self, FetchError> {
        crate::install_crypto_provider();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("too many redirects")
            } else if public_only && !url_may_be_public(attempt.url()) {
                attempt.error("redirect to a non-public address")
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(redirects)
            .user_agent(concat!("LuxeVault/", env!("CARGO_PKG_VERSION")));
        if public_only {
            // A proxy would resolve the names itself, past the check.
            builder = builder.no_proxy().dns_resolver(Arc::new(PublicResolver));
        }
        let http = builder.build().map_err(|_| FetchError::Other)?;
        Ok(Self { http, max_bytes, public_only })
    }

    /// The body at `url`, at most `max_bytes` of it (the answer is read in chunks and dropped as
    /// soon as it is too long, whatever Content-Length said).
    pub async fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let parsed = url::Url::parse(url).map_err(|_| FetchError::Scheme)?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(FetchError::Scheme);
        }
        if self.public_only && !url_may_be_public(&parsed) {
            return Err(FetchError::NotPublic);
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
    if error.is_redirect() {
        FetchError::NotPublic
    } else if error.is_timeout() {
        FetchError::Timeout
    } else if error.is_connect() {
        FetchError::Connect
    } else {
        FetchError::Other
    }
}

/// Whether a URL's host may be public: a name (checked when resolved) or a public IP literal.
fn url_may_be_public(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => !name.eq_ignore_ascii_case("localhost") && !name.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
        None => false,
    }
}

/// Whether an address is on the public internet (not loopback, private, link-local, shared,
/// documentation, multicast or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments().first().copied().unwrap_or(0);
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// Resolves names with the system resolver and keeps only public addresses.
struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err("the name resolves to no public address".into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            let ip: IpAddr = private.parse().unwrap_or_else(|e| panic!("{private}: {e}"));
            assert!(!is_public(ip), "{private}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"] {
            let ip: IpAddr = public.parse().unwrap_or_else(|e| panic!("{public}: {e}"));
            assert!(is_public(ip), "{public}");
        }
    }

    #[tokio::test]
    async fn a_public_only_fetcher_refuses_the_local_network() {
        let fetcher = ImageFetcher::public_only(1024).unwrap_or_else(|e| panic!("{e}"));
        for url in
            ["http://127.0.0.1:1/a.png", "http://localhost:1/a.png", "http://[::1]:1/a.png", "ftp://example.com/a"]
        {
            let error = fetcher.fetch(url).await.err();
            assert!(matches!(error, Some(FetchError::NotPublic | FetchError::Scheme)), "{url}: {error:?}");
        }
    }
}
