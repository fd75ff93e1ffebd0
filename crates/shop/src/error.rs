//! The use cases' errors, in the shop's words.
//!
//! The policy: a use case returns a `ShopError` (or an error of its own where callers must tell
//! its cases apart: `PlaceError`, `AuthError`, `MemberError`, `OrderMoveError`); it never names an
//! HTTP status. The web edge maps each variant once (`impl From<ShopError> for ApiError`), the
//! back office shows `message()`, the job runner retries on `is_transient()`. Messages are
//! sentences for people and never hold personal data, tokens or keys; storage errors keep their
//! detail for the log only.

use std::borrow::Cow;

use luxevault_storage::DbError;

#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    /// Nothing by that name (or nothing the caller may see: the answer is the same).
    #[error("{0}")]
    NotFound(Cow<'static, str>),
    /// The request is malformed or a proof is wrong (a code, a link): ask again.
    #[error("{message}")]
    Rejected { code: &'static str, message: Cow<'static, str> },
    /// A field is wrong: `code` names it for machines.
    #[error("{message}")]
    Invalid { code: &'static str, message: Cow<'static, str> },
    /// The thing exists but is not in a state that allows this.
    #[error("{message}")]
    Conflict { code: &'static str, message: Cow<'static, str> },
    /// The person is not who they say (a wrong password given again).
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: Cow<'static, str> },
    /// Too many attempts: wait.
    #[error("{0}")]
    Throttled(Cow<'static, str>),
    /// A part of the shop (the database, the audit log, a provider) cannot answer now.
    #[error("the shop is busy")]
    Unavailable,
    /// Every password verifier is taken and the queue is full or too slow: try again in
    /// [`BUSY_RETRY_AFTER_SECS`] (a burst of sign-ins, or someone hammering them).
    #[error("too many password checks at once")]
    Busy,
    /// A fault of ours, already logged without personal data.
    #[error("internal error")]
    Internal,
    #[error("storage: {0}")]
    Db(#[from] DbError),
}

impl ShopError {
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::NotFound(message.into())
    }

    pub fn rejected(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::Rejected { code, message: message.into() }
    }

    pub fn invalid(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::Invalid { code, message: message.into() }
    }

    pub fn conflict(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::Conflict { code, message: message.into() }
    }

    pub fn throttled(message: impl Into<Cow<'static, str>>) -> Self {
        Self::Throttled(message.into())
    }

    /// One sentence for staff or the customer, without personal data.
    pub fn message(&self) -> Cow<'_, str> {
        match self {
            Self::NotFound(m) | Self::Throttled(m) => Cow::Borrowed(m),
            Self::Rejected { message, .. }
            | Self::Invalid { message, .. }
            | Self::Conflict { message, .. }
            | Self::Unauthenticated { message, .. } => Cow::Borrowed(message),
            Self::Unavailable => "The shop is busy. Please try again in a moment.".into(),
            Self::Busy => "Too many sign-ins at once. Please try again in a few seconds.".into(),
            Self::Db(error) if error.is_busy() => "The shop is busy. Please try again in a moment.".into(),
            Self::Internal | Self::Db(_) => "Something went wrong on our side. Please try again.".into(),
        }
    }

    /// Worth trying again later (the job runner retries these).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable | Self::Busy | Self::Db(_))
    }
}

/// How long a client told [`ShopError::Busy`] should wait before asking again.
pub const BUSY_RETRY_AFTER_SECS: u64 = 5;

pub type ShopResult<T> = Result<T, ShopError>;
