//! Transactional email: rendered in the customer's language from `assets/emails/<lang>/<name>.txt`
//! (first line the subject, the rest the body) when the queued job runs, from the records as they
//! are then. The HTML part is the same text in the house's simple letter layout.

use luxevault_core::{Email, Lang};
use luxevault_integrations::mail::OutgoingEmail;
use luxevault_storage::{Accounts, Limits, Marketing, Orders, PrivacyRequests, Refunds};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior};
use rust_embed::Embed;
use serde_json::{Value, json};

use crate::Shop;
use crate::orders;
use crate::orders::view::order_view;
use crate::outbox::EmailJob;

#[derive(Embed)]
#[folder = "assets/emails/"]
struct EmailFiles;

pub struct EmailTemplates {
    env: Environment<'static>,
}

impl EmailTemplates {
    pub fn load() -> Result<Self, String> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Text bodies: nothing to escape. The HTML part escapes the rendered text itself.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        for name in EmailFiles::iter() {
            let file = EmailFiles::get(&name).ok_or_else(|| format!("email template {name} vanished"))?;
            let source =
                String::from_utf8(file.data.into_owned()).map_err(|_| format!("email template {name} is not UTF-8"))?;
            env.add_template_owned(name.to_string(), source).map_err(|e| format!("email template {name}: {e:#}"))?;
        }
        Ok(Self { env })
    }

    fn render(&self, lang: &Lang, name: &str, context: &Value) -> Result<(String, String), String> {
        let template = self
            .env
            .get_template(&format!("{lang}/{name}.txt"))
            .or_else(|_| self.env.get_template(&format!("en/{name}.txt")))
            .map_err(|e| format!("no email template {name}: {e}"))?;
        let text =
            template.render(minijinja::Value::from(Serde(context))).map_err(|e| format!("email {name}: {e:#}"))?;
        let (subject, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        Ok((subject.trim().to_string(), body.trim_start_matches('\n').to_string()))
    }
}

/// Mail about the person's rights and data, as opposed to their orders and account.
fn is_privacy_mail(job: &EmailJob) -> bool {
    matches!(
        job,
        EmailJob::RequestCode { .. }
            | EmailJob::RequestExtended { .. }
            | EmailJob::RecipientNotice { .. }
            | EmailJob::RestrictionLifting { .. }
            | EmailJob::InactivityWarning { .. }
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The text as a letter: paragraphs, line breaks, and links made clickable.
fn html_letter(shop_name: &str, subject: &str, body: &str) -> String {
    let paragraphs: Vec<String> = body
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let lines: Vec<String> = p
                .lines()
                .map(|line| {
                    let escaped = escape(line);
                    // Only our own links, which stand alone on their line, become clickable:
                    // text a customer typed (a name, an address) is never turned into a link.
                    let trimmed = line.trim();
                    let own_link =
                        (trimmed.starts_with("https://") || trimmed.starts_with("http://")) && !trimmed.contains(' ');
                    if own_link {
                        let url = escape(trimmed);
                        format!("<a href=\"{url}\" style=\"color:#1c1917\">{url}</a>")
                    } else {
                        escaped
                    }
                })
                .collect();
            format!("<p style=\"margin:0 0 16px\">{}</p>", lines.join("<br>"))
        })
        .collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{subject}</title></head>\
         <body style=\"margin:0;background:#faf7f2;color:#1c1917;font-family:Georgia,'Times New Roman',serif\">\
         <div style=\"max-width:560px;margin:0 auto;padding:40px 24px\">\
         <p style=\"letter-spacing:0.3em;text-transform:uppercase;font-size:14px;margin:0 0 32px\">{name}</p>\
         <h1 style=\"font-weight:normal;font-size:24px;margin:0 0 24px\">{subject}</h1>{body}</div></body></html>",
        subject = escape(subject),
        name = escape(shop_name),
        body = paragraphs.join("")
    )
}

/// Renders a queued email. `Ok(None)` when its subject is gone (an erased account): nothing to send.
pub async fn compose(shop: &Shop, templates: &EmailTemplates, job: &EmailJob) -> Result<Option<OutgoingEmail>, String> {
    let settings = shop.settings();
    let base = &shop.commerce().public_base_url;
    let db = shop.db();
    let house = json!({"name": settings.name});
    let payment = json!({"provider": shop.payments().name(), "test_mode": shop.payments().is_test()});
    let mut list_unsubscribe = None;
    let mut calendar = None;
    let (name, lang, to, context) = match job {
        EmailJob::AppointmentConfirmation { appointment_id, starts_at }
        | EmailJob::AppointmentReminder { appointment_id, starts_at } => {
            let Some(row) =
                luxevault_storage::Appointments::by_id(db, *appointment_id).await.map_err(|e| e.to_string())?
            else {
                return Ok(None);
            };
            // Moved, cancelled or erased meanwhile: this message is about a time that no longer holds.
            if row.email.expose().is_empty()
                || row.span.start.as_micros() != *starts_at
                || row.status != luxevault_core::appointments::AppointmentStatus::Booked
            {
                return Ok(None);
            }
            if matches!(job, EmailJob::AppointmentReminder { .. })
                && !luxevault_storage::Appointments::mark_reminded(db, row.id, row.span.start)
                    .await
                    .map_err(|e| e.to_string())?
            {
                return Ok(None);
            }
            let lang = Lang::parse(&row.lang).unwrap_or_else(|| settings.default_lang().clone());
            let view = crate::appointments::view(shop, &row, &lang).await.map_err(|e| e.to_string())?;
            let name = if matches!(job, EmailJob::AppointmentReminder { .. }) {
                "appointment_reminder"
            } else {
                calendar = Some(crate::appointments::invitation(shop, &row, &view));
                "appointment_confirmation"
            };
            let context = json!({"shop": house, "appointment": view, "links": {"manage": crate::appointments::manage_url(shop, &row)}});
            (name, lang, row.email.into_inner(), context)
        }
        EmailJob::AppointmentCancelled { appointment_id } => {
            let Some(row) =
                luxevault_storage::Appointments::by_id(db, *appointment_id).await.map_err(|e| e.to_string())?
            else {
                return Ok(None);
            };
            if row.email.expose().is_empty() {
                return Ok(None);
            }
            let lang = Lang::parse(&row.lang).unwrap_or_else(|| settings.default_lang().clone());
            let view = crate::appointments::view(shop, &row, &lang).await.map_err(|e| e.to_string())?;
            calendar = Some(crate::appointments::ics::cancellation(shop, &row, &view));
            let prefix = settings.prefix(&lang);
            let context =
                json!({"shop": house, "appointment": view, "links": {"book": format!("{base}{prefix}/appointments")}});
            ("appointment_cancelled", lang, row.email.into_inner(), context)
        }
        EmailJob::Welcome { customer_id }
        | EmailJob::InactivityWarning { customer_id }
        | EmailJob::PasswordReset { customer_id, .. } => {
            let Some(customer) = Accounts::by_id(db, *customer_id).await.map_err(|e| e.to_string())? else {
                return Ok(None);
            };
            let lang = Lang::parse(&customer.lang).unwrap_or_else(|| settings.default_lang().clone());
            let prefix = settings.prefix(&lang);
            let (name, reset) = match job {
                EmailJob::PasswordReset { token, .. } => {
                    ("password_reset", format!("{base}{prefix}/account/reset#token={token}"))
                }
                EmailJob::InactivityWarning { .. } => ("inactivity_warning", String::new()),
                _ => ("welcome", String::new()),
            };
            let context = json!({
                "shop": house, "customer": {"username": customer.username.expose()},
                "links": {"account": format!("{base}{prefix}/account"), "reset": reset},
            });
            (name, lang, customer.email.into_inner(), context)
        }
        EmailJob::RequestCode { request_id, code, lang } => {
            let Some(request) =
                luxevault_storage::PrivacyRequests::by_id(db, *request_id).await.map_err(|e| e.to_string())?
            else {
                return Ok(None);
            };
            let Ok(to) = Email::parse(request.contact.expose()) else { return Ok(None) };
            let lang = Lang::parse(lang)
                .filter(|l| settings.langs.contains(l))
                .unwrap_or_else(|| settings.default_lang().clone());
            let context = json!({"shop": house, "request": {"kind": request.kind, "code": code}});
            ("request_code", lang, to.expose().to_string(), context)
        }
        EmailJob::RequestExtended { request_id } => {
            let Some(request) =
                luxevault_storage::PrivacyRequests::by_id(db, *request_id).await.map_err(|e| e.to_string())?
            else {
                return Ok(None);
            };
            let Ok(to) = Email::parse(request.contact.expose()) else {
                // Asked by WhatsApp: staff answer there; nothing to email.
                return Ok(None);
            };
            let lang = settings.default_lang().clone();
            let date = |t: luxevault_core::Timestamp| t.to_rfc3339()[..10].to_string();
            let context = json!({
                "shop": house,
                "request": {
                    "kind": request.kind, "received": date(request.received_at), "due": date(request.due_at),
                    "reason": request.extension_reason.unwrap_or_default(),
                },
            });
            ("request_extended", lang, to.expose().to_string(), context)
        }
        EmailJob::RecipientNotice { notice_id } => {
            let Some(notice) = Limits::notice(db, *notice_id).await.map_err(|e| e.to_string())? else {
                return Ok(None);
            };
            let policy = &shop.policy().policy;
            let Some(contact) = policy.recipient(&notice.recipient).and_then(|r| r.privacy_contact.clone()) else {
                return Ok(None);
            };
            let Some(request) = PrivacyRequests::by_id(db, notice.request_id).await.map_err(|e| e.to_string())? else {
                return Ok(None);
            };
            let lang = settings.default_lang().clone();
            let context = json!({
                "shop": house,
                "controller": {"name": settings.controller.name, "email": settings.controller.email},
                "notice": {"kind": request.kind, "reference": request.id.to_string(), "references": notice.reference},
            });
            ("recipient_notice", lang, contact, context)
        }
        EmailJob::Marketing { campaign_id, customer_id } => {
            let Some(customer) = Accounts::by_id(db, *customer_id).await.map_err(|e| e.to_string())? else {
                return Ok(None);
            };
            // P22 and Art. 18, 21(3), checked again as it is sent: a consent withdrawn, a
            // restriction or an objection since the campaign was queued stops it.
            let now = shop.clock().now();
            let consents = luxevault_storage::Consents::is_granted(db, *customer_id, "marketing")
                .await
                .map_err(|e| e.to_string())?;
            let person =
                crate::privacy::limits::Person::of_account(shop, *customer_id).await.map_err(|e| e.to_string())?;
            if !consents
                || !crate::privacy::limits::may_process(shop, &person, "marketing", now)
                    .await
                    .map_err(|e| e.to_string())?
            {
                tracing::info!(campaign = %campaign_id, "marketing email not sent: no consent, restricted or objected");
                return Ok(None);
            }
            let Some(campaign) = Marketing::by_id(db, *campaign_id).await.map_err(|e| e.to_string())? else {
                return Ok(None);
            };
            let lang = Lang::parse(&customer.lang).unwrap_or_else(|| settings.default_lang().clone());
            let prefix = settings.prefix(&lang);
            let unsubscribe = crate::marketing::unsubscribe_url(shop, *customer_id).map_err(|e| e.to_string())?;
            list_unsubscribe = Some(unsubscribe.clone());
            let context = json!({
                "shop": house, "customer": {"username": customer.username.expose()},
                "campaign": {"subject": campaign.subject, "body": campaign.body},
                "links": {"account": format!("{base}{prefix}/account"), "unsubscribe": unsubscribe},
            });
            ("marketing", lang, customer.email.into_inner(), context)
        }
        EmailJob::RestrictionLifting { limit_id } => {
            let Some(limit) = Limits::by_id(db, *limit_id).await.map_err(|e| e.to_string())? else {
                return Ok(None);
            };
            let Some(lifted_at) = limit.lifted_at else { return Ok(None) };
            // The account's address, or the address the request came from.
            let account = match limit.customer_id {
                Some(id) => Accounts::by_id(db, id).await.map_err(|e| e.to_string())?,
                None => None,
            };
            let (to, lang) = match account {
                Some(row) => {
                    let lang = Lang::parse(&row.lang).unwrap_or_else(|| settings.default_lang().clone());
                    (row.email.into_inner(), lang)
                }
                None => {
                    let Some(request_id) = limit.request_id else { return Ok(None) };
                    let Some(request) = PrivacyRequests::by_id(db, request_id).await.map_err(|e| e.to_string())? else {
                        return Ok(None);
                    };
                    let Ok(email) = Email::parse(request.contact.expose()) else { return Ok(None) };
                    (email.expose().to_string(), settings.default_lang().clone())
                }
            };
            let date = luxevault_core::Timestamp(lifted_at).to_rfc3339()[..10].to_string();
            let context = json!({"shop": house, "lift": {"date": date}});
            ("restriction_lifting", lang, to, context)
        }
        EmailJob::AlterationReady { alteration_id } => {
            let Some(alteration) =
                luxevault_storage::Sizing::alteration(db, *alteration_id).await.map_err(|e| e.to_string())?
            else {
                return Ok(None);
            };
            let Some(order) = Orders::by_id(db, alteration.order_id).await.map_err(|e| e.to_string())? else {
                return Ok(None);
            };
            if order.email.expose().is_empty() {
                return Ok(None);
            }
            let lang = Lang::parse(&order.lang).unwrap_or_else(|| settings.default_lang().clone());
            // The order number and the piece: order details, nothing of the measurements.
            let piece = Orders::lines(db, order.id)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .find(|l| l.position == alteration.line_position)
                .map(|l| l.name)
                .unwrap_or_default();
            let context = json!({"shop": house, "order": {"number": order.number}, "piece": piece,
                                 "links": {"order": orders::order_url(shop, &order)}});
            ("alteration_ready", lang, order.email.into_inner(), context)
        }
        EmailJob::OrderConfirmation { order_id }
        | EmailJob::PaymentReceived { order_id }
        | EmailJob::OrderCancelled { order_id }
        | EmailJob::OrderRefunded { order_id, .. }
        | EmailJob::OrderLink { order_id } => {
            let Some(order) = Orders::by_id(db, *order_id).await.map_err(|e| e.to_string())? else { return Ok(None) };
            // An order anonymised meanwhile (erasure, retention) has no one left to write to.
            if order.email.expose().is_empty() {
                return Ok(None);
            }
            let lang = Lang::parse(&order.lang).unwrap_or_else(|| settings.default_lang().clone());
            let view = order_view(shop, &order, None).await.map_err(|e| e.to_string())?;
            let name = match job {
                EmailJob::OrderConfirmation { .. } => "order_confirmation",
                EmailJob::PaymentReceived { .. } => "payment_received",
                EmailJob::OrderCancelled { .. } => "order_cancelled",
                EmailJob::OrderLink { .. } => "order_link",
                EmailJob::OrderRefunded { refund_id: Some(_), .. } => "order_partly_refunded",
                _ => "order_refunded",
            };
            // A partial refund's message states that refund's amount (the view has the totals).
            let refund = match job {
                EmailJob::OrderRefunded { refund_id: Some(refund_id), .. } => {
                    let Some(refund) = Refunds::by_id(db, *refund_id).await.map_err(|e| e.to_string())? else {
                        return Ok(None);
                    };
                    let amount = luxevault_core::Currency::from_code(&order.currency)
                        .map(|c| luxevault_core::Money::new(refund.amount_minor, c).format(&lang))
                        .unwrap_or_default();
                    json!({"amount": amount})
                }
                _ => Value::Null,
            };
            let context = json!({"shop": house, "order": view, "payment": payment, "refund": refund, "links": {"order": orders::order_url(shop, &order)}});
            (name, lang, order.email.into_inner(), context)
        }
    };
    let (subject, text) = templates.render(&lang, name, &context)?;
    let to = Email::parse(&to).map_err(|_| "the stored address is not an email address".to_string())?;
    let host =
        base.split("://").nth(1).unwrap_or("localhost").split([':', '/']).next().unwrap_or("localhost").to_string();
    Ok(Some(OutgoingEmail {
        to,
        from: shop.commerce().mail_from.clone(),
        // Answers to privacy mail go to the privacy contact (P1, P21); answers about an order
        // or an account go to the boutique, the sender.
        reply_to: is_privacy_mail(job).then(|| settings.controller.email.clone()),
        html: Some(html_letter(&settings.name, &subject, &text)),
        subject,
        text,
        message_id_domain: host,
        list_unsubscribe,
        message_key: None,
        calendar,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_exists_in_every_language_and_renders_a_subject() {
        let templates = EmailTemplates::load().unwrap_or_else(|e| panic!("{e}"));
        for name in [
            "welcome",
            "inactivity_warning",
            "password_reset",
            "order_confirmation",
            "payment_received",
            "order_cancelled",
            "order_refunded",
            "order_partly_refunded",
            "order_link",
            "recipient_notice",
            "marketing",
            "restriction_lifting",
            "alteration_ready",
            "appointment_confirmation",
            "appointment_reminder",
            "appointment_cancelled",
        ] {
            for lang in ["en", "fr"] {
                assert!(EmailFiles::get(&format!("{lang}/{name}.txt")).is_some(), "{lang}/{name}.txt");
            }
        }
        let lang = Lang::parse("fr").unwrap_or_else(|| panic!("fr"));
        let context = json!({"shop": {"name": "Maison"}, "customer": {"username": "jeanne"}, "links": {"account": "https://x/account", "reset": ""}});
        let (subject, body) = templates.render(&lang, "welcome", &context).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(subject, "Bienvenue chez Maison");
        assert!(body.contains("https://x/account"));
    }

    #[test]
    fn the_letter_escapes_and_links() {
        let html = html_letter(
            "Maison <Élégance>",
            "Hello",
            "Open it:\nhttps://x.test/a?b=1&c=2\n\n<script>\nJeanne http://evil.test",
        );
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
        assert!(html.contains("<a href=\"https://x.test/a?b=1&amp;c=2\""));
        assert!(!html.contains("href=\"http://evil.test"), "text typed by a customer is not linked");
    }
}
