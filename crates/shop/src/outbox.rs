//! Email to send, queued in the database so that a mail-server outage loses nothing. The queue
//! holds ids and the few secrets a message must carry (a reset link); the message itself is
//! rendered when it is sent, from the records as they are then.

use luxevault_core::Timestamp;
use luxevault_storage::{Db, DbError, Jobs, NewJob};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const EMAIL_JOB: &str = "email";
/// About two days of retries with backoff before an email is given up (and shown to staff).
pub const EMAIL_MAX_ATTEMPTS: i32 = 12;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum EmailJob {
    Welcome {
        customer_id: Uuid,
    },
    /// The one-time code that proves a person holds the address a request is about. It travels
    /// in the job until sent, like a reset token.
    RequestCode {
        request_id: Uuid,
        code: String,
        lang: String,
    },
    /// A rights request needs more time: the person is told why and until when (Art. 12(3)).
    RequestExtended {
        request_id: Uuid,
    },
    /// Two years of inactivity are near: the account will be deleted in a month (P15).
    InactivityWarning {
        customer_id: Uuid,
    },
    /// The reset token travels in the job until sent; the job row is deleted on success.
    PasswordReset {
        customer_id: Uuid,
        token: String,
    },
    OrderConfirmation {
        order_id: Uuid,
    },
    PaymentReceived {
        order_id: Uuid,
    },
    OrderCancelled {
        order_id: Uuid,
    },
    /// The order was refunded in full (`refund_id` is `None`), or part of it was: one message
    /// per partial refund, stating its amount; the refund that completes it sends the full one.
    OrderRefunded {
        order_id: Uuid,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refund_id: Option<Uuid>,
    },
    /// A fresh 30-day link to an order, asked for from an expired one (`orders::link`).
    OrderLink {
        order_id: Uuid,
    },
    /// Art. 19: a recipient is told of an erasure, rectification or restriction, at its privacy
    /// contact, with the references it already holds.
    RecipientNotice {
        notice_id: Uuid,
    },
    /// A marketing campaign to one customer: checked again (consent, restriction, objection)
    /// when it is sent (P22).
    Marketing {
        campaign_id: Uuid,
        customer_id: Uuid,
    },
    /// Art. 18(3): the person is told before their restriction is lifted.
    RestrictionLifting {
        limit_id: Uuid,
    },
    /// An alteration of a piece is ready to collect.
    AlterationReady {
        alteration_id: Uuid,
    },
    /// An appointment booked or moved: the confirmation with its invitation (`.ics`), one per
    /// start (a move confirms again).
    AppointmentConfirmation {
        appointment_id: Uuid,
        starts_at: i64,
    },
    /// The day before: sent only if the appointment is still booked at that start.
    AppointmentReminder {
        appointment_id: Uuid,
        starts_at: i64,
    },
    AppointmentCancelled {
        appointment_id: Uuid,
    },
}

impl EmailJob {
    /// One message of a kind per record: a retried request does not send twice.
    fn dedupe_key(&self) -> Option<String> {
        match self {
            Self::Welcome { customer_id } => Some(format!("email:welcome:{customer_id}")),
            // A new warning after each new stretch of inactivity: none is queued twice at once.
            Self::InactivityWarning { .. } => None,
            Self::RequestCode { .. } => None,
            Self::RequestExtended { request_id } => Some(format!("email:request_extended:{request_id}")),
            Self::PasswordReset { .. } => None,
            Self::OrderConfirmation { order_id } => Some(format!("email:order_confirmation:{order_id}")),
            Self::PaymentReceived { order_id } => Some(format!("email:payment_received:{order_id}")),
            Self::OrderCancelled { order_id } => Some(format!("email:order_cancelled:{order_id}")),
            Self::OrderRefunded { order_id, refund_id: None } => Some(format!("email:order_refunded:{order_id}")),
            Self::OrderRefunded { refund_id: Some(refund_id), .. } => {
                Some(format!("email:order_partly_refunded:{refund_id}"))
            }
            // Each ask is its own message (a throttle in `orders::link` bounds them).
            Self::OrderLink { .. } => None,
            Self::RecipientNotice { notice_id } => Some(format!("email:recipient_notice:{notice_id}")),
            Self::Marketing { campaign_id, customer_id } => {
                Some(format!("email:marketing:{campaign_id}:{customer_id}"))
            }
            Self::RestrictionLifting { limit_id } => Some(format!("email:restriction_lifting:{limit_id}")),
            Self::AlterationReady { alteration_id } => Some(format!("email:alteration_ready:{alteration_id}")),
            Self::AppointmentConfirmation { appointment_id, starts_at } => {
                Some(format!("email:appointment_confirmation:{appointment_id}:{starts_at}"))
            }
            Self::AppointmentReminder { appointment_id, starts_at } => {
                Some(format!("email:appointment_reminder:{appointment_id}:{starts_at}"))
            }
            Self::AppointmentCancelled { appointment_id } => {
                Some(format!("email:appointment_cancelled:{appointment_id}"))
            }
        }
    }
}

/// The job row of an email: kind, payload, dedupe key, attempts.
pub fn job_parts(email: &EmailJob) -> (&'static str, String, Option<String>, i32) {
    // Serialising a plain enum of ids and strings cannot fail.
    let payload = serde_json::to_string(email).unwrap_or_default();
    (EMAIL_JOB, payload, email.dedupe_key(), EMAIL_MAX_ATTEMPTS)
}

pub async fn queue_email(db: &Db, email: &EmailJob, now: Timestamp) -> Result<bool, DbError> {
    queue_email_at(db, email, now, now).await
}

/// Queues an email to be sent at `at` (a reminder the day before).
pub async fn queue_email_at(db: &Db, email: &EmailJob, at: Timestamp, now: Timestamp) -> Result<bool, DbError> {
    let (kind, payload, dedupe_key, max_attempts) = job_parts(email);
    Jobs::enqueue(db, &NewJob { kind, payload, dedupe_key, run_at: at, max_attempts }, now).await
}
