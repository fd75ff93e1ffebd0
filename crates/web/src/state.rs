//! What every handler can reach: the shop (every use case's context) and what only the web edge
//! needs, the page templates and the media.

use std::borrow::Cow;
use std::ops::Deref;
use std::sync::Arc;

use luxevault_shop::Shop;

use crate::views::Views;

/// Where product and collection images come from (the demo shop's compiled-in images today,
/// uploaded images later).
pub trait MediaSource: Send + Sync + 'static {
    fn get(&self, path: &str) -> Option<Cow<'static, [u8]>>;
}

/// A shop without media.
pub struct NoMedia;

impl MediaSource for NoMedia {
    fn get(&self, _path: &str) -> Option<Cow<'static, [u8]>> {
        None
    }
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    shop: Shop,
    views: Views,
    media: Arc<dyn MediaSource>,
}

impl AppState {
    /// Builds the state, loading the page templates; fails with a sentence when the theme is
    /// broken.
    pub fn new(shop: Shop, media: Arc<dyn MediaSource>) -> Result<Self, String> {
        let views = Views::load()?;
        Ok(Self(Arc::new(Inner { shop, views, media })))
    }

    /// The shop, for handing to a use case.
    pub fn shop(&self) -> &Shop {
        &self.0.shop
    }

    pub(crate) fn views(&self) -> &Views {
        &self.0.views
    }

    pub(crate) fn media(&self) -> &dyn MediaSource {
        self.0.media.as_ref()
    }
}

/// A handler reads the shop's context through the state (`state.db()`, `state.clock()`) and
/// passes `&state` where a use case takes `&Shop`.
impl Deref for AppState {
    type Target = Shop;

    fn deref(&self) -> &Shop {
        &self.0.shop
    }
}
