//! The one integration-test binary (one link, many tests).
