//! Stripe webhooks: the signature check (research §1.10, identical to Stripe's own libraries) and the reading
//! of an event into a [`PaymentUpdate`] that keeps only ids, amounts and states — never the raw payload nor
//! `customer_details`, where Stripe echoes the names and emails it collected.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// Stripe's libraries accept signatures up to five minutes old.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// Why a `Stripe-Signature` header was refused; the messages are those of Stripe's libraries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("Unable to extract timestamp and signatures from header")]
    MalformedHeader,
    #[error("No signatures found with expected scheme v1")]
    NoV1Signature,
    #[error("No signatures found matching the expected signature for payload")]
    NoMatch,
    #[error("Timestamp outside the tolerance zone")]
    OutsideTolerance,
}

/// Checks a `Stripe-Signature` header against the raw request body.
///
/// `secret` is the endpoint's whole `whsec_…` string (used as the HMAC key as is, not decoded); any of
/// several `v1` values may match (Stripe sends two while a secret is being rolled); `v0` and unknown
/// schemes are ignored; the timestamp must be within `tolerance_secs` of `now_unix` either way.
pub fn verify(
    payload: &[u8],
    header: &str,
    secret: &str,
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let mut timestamp: Option<&str> = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        let Some((scheme, value)) = item.trim().split_once('=') else { continue };
        match scheme {
            "t" if timestamp.is_none() => timestamp = Some(value),
            "t" => return Err(SignatureError::MalformedHeader),
            "v1" => signatures.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::MalformedHeader)?;
    let t: i64 = timestamp.parse().map_err(|_| SignatureError::MalformedHeader)?;
    if signatures.is_empty() {
        return Err(SignatureError::NoV1Signature);
    }
    let expected = signature(secret, timestamp, payload);
    // Every candidate is compared, so timing tells nothing about which (if any) matched.
    let matched =
        signatures.iter().fold(subtle::Choice::from(0), |acc, s| acc | expected.as_bytes().ct_eq(s.as_bytes()));
    if !bool::from(matched) {
        return Err(SignatureError::NoMatch);
    }
    if now_unix.abs_diff(t) > tolerance_secs.unsigned_abs() {
        return Err(SignatureError::OutsideTolerance);
    }
    Ok(())
}

/// A `Stripe-Signature` header value as Stripe would send it, for tests and the fake server.
pub fn sign(secret: &str, t: i64, payload: &[u8]) -> String {
    format!("t={t},v1={}", signature(secret, &t.to_string(), payload))
}

fn signature(secret: &str, timestamp: &str, payload: &[u8]) -> String {
    // HMAC accepts keys of any length, so this never fails.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

/// A verified event, reduced to what the order needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeEvent {
    /// `evt_…`, the key to drop duplicates by (Stripe delivers at least once).
    pub id: String,
    pub event_type: String,
    /// Unix seconds.
    pub created: i64,
    pub update: PaymentUpdate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentUpdate {
    /// `checkout.session.completed`; `paid` when `payment_status == "paid"` (authorised, for manual capture).
    CheckoutCompleted { session_id: String, payment_id: Option<String>, paid: bool, order_id: Option<Uuid> },
    /// `checkout.session.expired`: the customer never paid.
    CheckoutExpired { session_id: String, order_id: Option<Uuid> },
    /// `payment_intent.amount_capturable_updated`: money is held and awaits our capture.
    Authorized { payment_id: String, amount_capturable: i64, order_id: Option<Uuid> },
    /// `payment_intent.succeeded`.
    Captured { payment_id: String, amount_received: i64, order_id: Option<Uuid> },
    /// `payment_intent.canceled`.
    Canceled { payment_id: String, order_id: Option<Uuid> },
    /// `payment_intent.payment_failed`.
    Failed { payment_id: String, order_id: Option<Uuid> },
    /// `charge.refunded`, keyed by the Charge's `payment_intent`; `fully` is the Charge's `refunded`.
    Refunded { payment_id: String, amount_refunded: i64, fully: bool },
    /// Any other event type: acknowledge and ignore.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the webhook body is not JSON")]
    NotJson,
    #[error("the event has no {0}")]
    Missing(&'static str),
}

/// Reads a verified event body. Unknown event types give [`PaymentUpdate::Other`]; a known type missing
/// the fields we rely on is an error. Nothing of the payload is kept beyond the returned ids and amounts.
pub fn parse_event(payload: &[u8]) -> Result<StripeEvent, EventError> {
    let event: Value = serde_json::from_slice(payload).map_err(|_| EventError::NotJson)?;
    let id = str_field(&event, "id").ok_or(EventError::Missing("id"))?;
    let event_type = str_field(&event, "type").ok_or(EventError::Missing("type"))?;
    let created = event.get("created").and_then(Value::as_i64).ok_or(EventError::Missing("created"))?;
    let object = event.get("data").and_then(|d| d.get("object"));
    let update = match event_type.as_str() {
        "checkout.session.completed" | "checkout.session.expired" => {
            let object = object.ok_or(EventError::Missing("data.object"))?;
            let session_id = str_field(object, "id").ok_or(EventError::Missing("data.object.id"))?;
            let order_id = object.get("client_reference_id").and_then(Value::as_str).and_then(|s| s.parse().ok());
            if event_type == "checkout.session.completed" {
                PaymentUpdate::CheckoutCompleted {
                    session_id,
                    payment_id: id_or_expanded(object.get("payment_intent")),
                    paid: object.get("payment_status").and_then(Value::as_str) == Some("paid"),
                    order_id,
                }
            } else {
                PaymentUpdate::CheckoutExpired { session_id, order_id }
            }
        }
        "payment_intent.amount_capturable_updated"
        | "payment_intent.succeeded"
        | "payment_intent.canceled"
        | "payment_intent.payment_failed" => {
            let object = object.ok_or(EventError::Missing("data.object"))?;
            let payment_id = str_field(object, "id").ok_or(EventError::Missing("data.object.id"))?;
            let order_id = object
                .get("metadata")
                .and_then(|m| m.get("order_id"))
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok());
            let amount =
                |field: &'static str| object.get(field).and_then(Value::as_i64).ok_or(EventError::Missing(field));
            match event_type.as_str() {
                "payment_intent.amount_capturable_updated" => {
                    PaymentUpdate::Authorized { payment_id, amount_capturable: amount("amount_capturable")?, order_id }
                }
                "payment_intent.succeeded" => {
                    PaymentUpdate::Captured { payment_id, amount_received: amount("amount_received")?, order_id }
                }
                "payment_intent.canceled" => PaymentUpdate::Canceled { payment_id, order_id },
                _ => PaymentUpdate::Failed { payment_id, order_id },
            }
        }
        "charge.refunded" => {
            let object = object.ok_or(EventError::Missing("data.object"))?;
            let payment_id = id_or_expanded(object.get("payment_intent"))
                .ok_or(EventError::Missing("data.object.payment_intent"))?;
            PaymentUpdate::Refunded {
                payment_id,
                amount_refunded: object
                    .get("amount_refunded")
                    .and_then(Value::as_i64)
                    .ok_or(EventError::Missing("amount_refunded"))?,
                fully: object.get("refunded").and_then(Value::as_bool).unwrap_or(false),
            }
        }
        _ => PaymentUpdate::Other,
    };
    Ok(StripeEvent { id, event_type, created, update })
}

fn str_field(value: &Value, field: &str) -> Option<String> {
    value.get(field).and_then(Value::as_str).map(str::to_string)
}

/// A reference field is an id string, or the object itself when the request asked to expand it.
fn id_or_expanded(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(id) => Some(id.clone()),
        Value::Object(object) => object.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_test_webhook","object":"event","type":"payment_intent.succeeded"}"#;
    const T: i64 = 1_700_000_000;

    #[test]
    fn research_worked_example() {
        let header = sign(SECRET, T, BODY);
        assert_eq!(header, "t=1700000000,v1=130dc37d5a27b1b232a61e4f2ff00ed245f498112c11e8b747aff3d0fb754056");
        assert_eq!(verify(BODY, &header, SECRET, T, DEFAULT_TOLERANCE_SECS), Ok(()));
    }

    // The cases of stripe-python's tests/test_webhook.py.
    #[test]
    fn malformed_header() {
        let err = verify(BODY, "i'm not even a real signature header", SECRET, T, 300);
        assert_eq!(err, Err(SignatureError::MalformedHeader));
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("Unable to extract timestamp and signatures from header".to_string())
        );
        assert_eq!(verify(BODY, "", SECRET, T, 300), Err(SignatureError::MalformedHeader));
        assert_eq!(verify(BODY, "t=abc,v1=00", SECRET, T, 300), Err(SignatureError::MalformedHeader));
        let twice = format!("t=1,{}", sign(SECRET, T, BODY));
        assert_eq!(verify(BODY, &twice, SECRET, T, 300), Err(SignatureError::MalformedHeader));
    }

    #[test]
    fn no_signature_with_scheme_v1() {
        let header = sign(SECRET, T, BODY).replace("v1=", "v0=");
        let err = verify(BODY, &header, SECRET, T, 300);
        assert_eq!(err.map_err(|e| e.to_string()), Err("No signatures found with expected scheme v1".to_string()));
    }

    #[test]
    fn no_valid_signature_for_payload() {
        let err = verify(BODY, &format!("t={T},v1=bad_signature"), SECRET, T, 300);
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("No signatures found matching the expected signature for payload".to_string())
        );
        // Same signature, other body or other secret.
        let header = sign(SECRET, T, BODY);
        assert_eq!(verify(b"{}", &header, SECRET, T, 300), Err(SignatureError::NoMatch));
        assert_eq!(verify(BODY, &header, "whsec_other", T, 300), Err(SignatureError::NoMatch));
        // The key is the whole secret, prefix included.
        assert_eq!(verify(BODY, &header, "test_secret", T, 300), Err(SignatureError::NoMatch));
    }

    #[test]
    fn timestamp_outside_tolerance() {
        let header = sign(SECRET, T - 15, BODY);
        let err = verify(BODY, &header, SECRET, T, 10);
        assert_eq!(err.map_err(|e| e.to_string()), Err("Timestamp outside the tolerance zone".to_string()));
        // From the future too.
        assert_eq!(verify(BODY, &sign(SECRET, T + 15, BODY), SECRET, T, 10), Err(SignatureError::OutsideTolerance));
        assert_eq!(verify(BODY, &sign(SECRET, T - 10, BODY), SECRET, T, 10), Ok(()));
    }

    #[test]
    fn header_contains_a_valid_signature_among_others() {
        let header = format!("{},v1=bad_signature", sign(SECRET, T, BODY));
        assert_eq!(verify(BODY, &header, SECRET, T, 300), Ok(()));
        let rolled = format!("t={T},v1=bad_signature,v0=zzz,{}", sign(SECRET, T, BODY).replace(&format!("t={T},"), ""));
        assert_eq!(verify(BODY, &rolled, SECRET, T, 300), Ok(()));
        let spaced = sign(SECRET, T, BODY).replace(',', ", ");
        assert_eq!(verify(BODY, &spaced, SECRET, T, 300), Ok(()));
    }

    fn event(kind: &str, object: &str) -> Vec<u8> {
        format!(
            r#"{{"id":"evt_1","object":"event","created":1700000000,"type":"{kind}","data":{{"object":{object}}}}}"#
        )
        .into_bytes()
    }

    const ORDER: &str = "0190f6a4-7c1e-7d2a-9b3c-112233445566";

    #[test]
    fn checkout_completed_keeps_ids_and_drops_customer_details() {
        let body = event(
            "checkout.session.completed",
            &format!(
                r#"{{"id":"cs_test_1","object":"checkout.session","payment_intent":"pi_1","payment_status":"paid",
                "client_reference_id":"{ORDER}","customer_details":{{"email":"pii-canary@example.test","name":"Jeanne Canary"}}}}"#
            ),
        );
        let parsed = parse_event(&body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.id, "evt_1");
        assert_eq!(parsed.created, 1_700_000_000);
        assert_eq!(
            parsed.update,
            PaymentUpdate::CheckoutCompleted {
                session_id: "cs_test_1".into(),
                payment_id: Some("pi_1".into()),
                paid: true,
                order_id: ORDER.parse().ok(),
            }
        );
        assert!(!format!("{parsed:?}").to_lowercase().contains("canary"));
    }

    #[test]
    fn payment_intent_events() {
        let pi = |extra: &str| {
            format!(r#"{{"id":"pi_1","object":"payment_intent","metadata":{{"order_id":"{ORDER}"}}{extra}}}"#)
        };
        let order_id = ORDER.parse().ok();
        let update = |kind: &str, extra: &str| parse_event(&event(kind, &pi(extra))).map(|e| e.update);
        assert_eq!(
            update("payment_intent.amount_capturable_updated", r#","amount_capturable":5000"#),
            Ok(PaymentUpdate::Authorized { payment_id: "pi_1".into(), amount_capturable: 5000, order_id })
        );
        assert_eq!(
            update("payment_intent.succeeded", r#","amount_received":4000"#),
            Ok(PaymentUpdate::Captured { payment_id: "pi_1".into(), amount_received: 4000, order_id })
        );
        assert_eq!(
            update("payment_intent.canceled", ""),
            Ok(PaymentUpdate::Canceled { payment_id: "pi_1".into(), order_id })
        );
        assert_eq!(
            update("payment_intent.payment_failed", ""),
            Ok(PaymentUpdate::Failed { payment_id: "pi_1".into(), order_id })
        );
        assert_eq!(update("payment_intent.succeeded", ""), Err(EventError::Missing("amount_received")));
    }

    #[test]
    fn other_events() {
        let refund = event(
            "charge.refunded",
            r#"{"id":"ch_1","object":"charge","payment_intent":"pi_1","amount_refunded":300,"refunded":false}"#,
        );
        assert_eq!(
            parse_event(&refund).map(|e| e.update),
            Ok(PaymentUpdate::Refunded { payment_id: "pi_1".into(), amount_refunded: 300, fully: false })
        );
        let expired = event("checkout.session.expired", r#"{"id":"cs_1","client_reference_id":"not-a-uuid"}"#);
        assert_eq!(
            parse_event(&expired).map(|e| e.update),
            Ok(PaymentUpdate::CheckoutExpired { session_id: "cs_1".into(), order_id: None })
        );
        assert_eq!(parse_event(&event("customer.created", "{}")).map(|e| e.update), Ok(PaymentUpdate::Other));
        assert_eq!(parse_event(b"not json"), Err(EventError::NotJson));
        assert_eq!(parse_event(br#"{"id":"evt_1","type":"x"}"#), Err(EventError::Missing("created")));
    }
}
