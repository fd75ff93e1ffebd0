//! Outgoing email: SMTP to the shop's mail service, or `.eml` files in the data dir's outbox when no SMTP
//! server is configured. Errors say whether a retry can help and never contain the recipient's address.

#[cfg(feature = "fake")]
pub mod testing;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use luxevault_core::{Email, Timestamp};
use uuid::Uuid;

const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// One message ready to send.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub to: Email,
    /// The shop's sender, e.g. `Maison Élégance <shop@maison.example>`.
    pub from: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// Right-hand side of the Message-ID, normally the shop's sending domain.
    pub message_id_domain: String,
    /// Marketing email: the one-click unsubscribe address (RFC 8058), sent as `List-Unsubscribe`
    /// with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
    pub list_unsubscribe: Option<String>,
    /// A stable left-hand side for the Message-ID (the queued job's id), so that a message sent
    /// again after a crash is the same message: receivers drop the duplicate, and the outbox
    /// overwrites its own file. Random when absent.
    pub message_key: Option<String>,
    /// An iCalendar invitation (RFC 5545 text), attached as `text/calendar; method=REQUEST` so
    /// that mail programs offer to add the appointment.
    pub calendar: Option<String>,
}

/// Whether the caller's queue should try again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Connection trouble or an SMTP 4xx answer: retry later.
    #[error("mail not sent, will retry: {0}")]
    Transient(String),
    /// An SMTP 5xx answer or a message that cannot be built: retrying the same message will not help.
    #[error("mail not sent: {0}")]
    Permanent(String),
}

/// Where mail goes.
pub enum Mailer {
    Smtp(SmtpMailer),
    /// One `.eml` file per message in this folder.
    Outbox(PathBuf),
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Smtp(smtp) => f.debug_tuple("Smtp").field(smtp).finish(),
            Self::Outbox(dir) => f.debug_tuple("Outbox").field(dir).finish(),
        }
    }
}

/// An SMTP relay; its Debug shows host, port and security, never the credentials.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    host: String,
    port: u16,
    security: Security,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    Plain,
    ImplicitTls,
    StartTls,
}

impl Mailer {
    /// `None` (no SMTP configured) writes to `outbox_dir`. Otherwise:
    /// `smtp://host:port` (plaintext, for a relay on loopback or in development),
    /// `smtp://user:pass@host:587?tls=starttls` (STARTTLS), `smtps://user:pass@host:465` (implicit TLS).
    /// Error messages never repeat the URL: it may hold a password.
    pub fn from_url(url: Option<&str>, outbox_dir: &Path) -> Result<Mailer, MailError> {
        let Some(text) = url.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(Mailer::Outbox(outbox_dir.to_path_buf()));
        };
        let bad = |why: &str| MailError::Permanent(format!("the SMTP URL is not usable: {why}"));
        let url = url::Url::parse(text).map_err(|_| bad("it is not a URL (expected smtp://host:port)"))?;
        let mut security = match url.scheme() {
            "smtp" => Security::Plain,
            "smtps" => Security::ImplicitTls,
            _ => return Err(bad("the scheme must be smtp:// (plain or ?tls=starttls) or smtps:// (implicit TLS)")),
        };
        for (name, value) in url.query_pairs() {
            match (name.as_ref(), value.as_ref(), security) {
                ("tls", "starttls", Security::Plain) => security = Security::StartTls,
                ("tls", "none", Security::Plain) => {}
                _ => return Err(bad("the only query setting is tls=starttls (or tls=none) on smtp://")),
            }
        }
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("it names no host"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let port = url.port().unwrap_or(match security {
            Security::Plain => 25,
            Security::ImplicitTls => 465,
            Security::StartTls => 587,
        });
        let user = percent_decode(url.username()).ok_or_else(|| bad("the user name is not valid UTF-8"))?;
        let password =
            percent_decode(url.password().unwrap_or("")).ok_or_else(|| bad("the password is not valid UTF-8"))?;
        let loopback =
            host == "localhost" || host.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false);
        if security == Security::Plain && !user.is_empty() && !loopback {
            return Err(bad("it would send the password unencrypted; use smtps:// or add ?tls=starttls"));
        }
        let tls = match security {
            Security::Plain => Tls::None,
            Security::ImplicitTls | Security::StartTls => {
                crate::install_crypto_provider();
                let parameters =
                    TlsParameters::new(host.clone()).map_err(|_| bad("TLS cannot be set up for this host"))?;
                if security == Security::ImplicitTls { Tls::Wrapper(parameters) } else { Tls::Required(parameters) }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if !user.is_empty() {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Mailer::Smtp(SmtpMailer { transport: builder.build(), host, port, security }))
    }

    /// Sends one message. `now` becomes its `Date` header.
    pub async fn send(&self, email: &OutgoingEmail, now: Timestamp) -> Result<(), MailError> {
        let message = build_message(email, now)?;
        match self {
            Mailer::Smtp(smtp) => {
                smtp.transport.send(message).await.map(|_| ()).map_err(|e| classify_smtp(&e, &email.to))
            }
            Mailer::Outbox(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| MailError::Transient(format!("cannot create the outbox folder: {}", e.kind())))?;
                // Written whole to a hidden file, then renamed: a crash never leaves a half
                // message, and the same message sent again replaces its own file.
                let key = message_key(email);
                let (temporary, done) = (dir.join(format!(".{key}.tmp")), dir.join(format!("{key}.eml")));
                let unwritable = |_| MailError::Transient("cannot write to the outbox folder".into());
                tokio::fs::write(&temporary, message.formatted()).await.map_err(unwritable)?;
                tokio::fs::rename(&temporary, &done).await.map_err(unwritable)
            }
        }
    }
}

/// The Message-ID's left-hand side: the caller's stable key when it is a plain token, else random.
fn message_key(email: &OutgoingEmail) -> String {
    email
        .message_key
        .as_deref()
        .filter(|k| !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(str::to_string)
        .unwrap_or_else(|| Uuid::new_v4().simple().to_string())
}

fn percent_decode(text: &str) -> Option<String> {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
}

/// The message as lettre builds it: multipart/alternative when there is HTML, plain text otherwise;
/// Message-ID, Date and `Auto-Submitted: auto-generated` (RFC 3834, so auto-responders stay quiet).
/// lettre encodes non-ASCII subjects and names as RFC 2047 UTF-8 words.
fn build_message(email: &OutgoingEmail, now: Timestamp) -> Result<Message, MailError> {
    let from: Mailbox =
        email.from.parse().map_err(|_| MailError::Permanent("the shop's From address is not valid".into()))?;
    let to: Mailbox = email
        .to
        .expose()
        .parse()
        .map_err(|_| MailError::Permanent("the recipient's address cannot be used for sending".into()))?;
    let domain = email.message_id_domain.trim();
    if domain.is_empty() || !domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
        return Err(MailError::Permanent("the Message-ID domain must be a plain domain name".into()));
    }
    let date = SystemTime::UNIX_EPOCH + Duration::from_micros(u64::try_from(now.as_micros()).unwrap_or(0));
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject.clone())
        .date(date)
        .message_id(Some(format!("<{}@{domain}>", message_key(email))))
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()));
    if let Some(url) = &email.list_unsubscribe {
        if !url.starts_with("https://") && !url.starts_with("http://") || url.contains(['<', '>', ' ', '\r', '\n']) {
            return Err(MailError::Permanent("the unsubscribe address is not a plain URL".into()));
        }
        builder = builder
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{url}>")))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    if let Some(reply_to) = &email.reply_to {
        let reply_to: Mailbox =
            reply_to.parse().map_err(|_| MailError::Permanent("the Reply-To address is not valid".into()))?;
        builder = builder.reply_to(reply_to);
    }
    let built = match (&email.html, &email.calendar) {
        (Some(html), None) => builder.multipart(MultiPart::alternative_plain_html(email.text.clone(), html.clone())),
        (None, None) => builder.singlepart(SinglePart::plain(email.text.clone())),
        (html, Some(calendar)) => {
            let content_type = ContentType::parse("text/calendar; charset=utf-8; method=REQUEST")
                .map_err(|_| MailError::Permanent("the calendar part cannot be typed".into()))?;
            let invitation =
                lettre::message::Attachment::new("invitation.ics".into()).body(calendar.clone(), content_type);
            let body = match html {
                Some(html) => MultiPart::mixed()
                    .multipart(MultiPart::alternative_plain_html(email.text.clone(), html.clone()))
                    .singlepart(invitation),
                None => MultiPart::mixed().singlepart(SinglePart::plain(email.text.clone())).singlepart(invitation),
            };
            builder.multipart(body)
        }
    };
    built.map_err(|_| MailError::Permanent("the message cannot be built".into()))
}

/// SMTP 4xx and connection trouble are worth retrying, 5xx are not. The server's own text is left out:
/// servers often quote the recipient ("550 <jeanne@…>: unknown user").
fn classify_smtp(error: &lettre::transport::smtp::Error, to: &Email) -> MailError {
    let code = error.status().map(|c| c.to_string());
    let message = if error.is_permanent() {
        return MailError::Permanent(format!(
            "the mail server refused the message (SMTP {})",
            code.unwrap_or_default()
        ));
    } else if error.is_transient() {
        format!("the mail server deferred the message (SMTP {})", code.unwrap_or_default())
    } else if error.is_timeout() {
        "the mail server did not answer in time".to_string()
    } else if error.is_tls() {
        "the TLS connection to the mail server failed".to_string()
    } else if error.is_response() {
        "the mail server's answer could not be read".to_string()
    } else if error.is_client() {
        return MailError::Permanent("the message was refused before sending".to_string());
    } else {
        let source = std::error::Error::source(error).map(ToString::to_string).unwrap_or_default();
        scrub(&format!("cannot reach the mail server: {source}"), to)
    };
    MailError::Transient(message)
}

/// Belt and braces for texts that came from elsewhere.
fn scrub(text: &str, to: &Email) -> String {
    text.replace(to.expose(), "<recipient>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> OutgoingEmail {
        OutgoingEmail {
            to: Email::parse("jeanne.canary@example.test").unwrap_or_else(|e| panic!("{e}")),
            from: "Maison Élégance <shop@maison.example>".into(),
            reply_to: Some("Boutique Paris <paris@maison.example>".into()),
            subject: "Votre commande ME-0042 est confirmée — merci".into(),
            text: "Bonjour,\nvotre commande est confirmée.".into(),
            html: Some("<p>Bonjour,<br>votre commande est confirmée.</p>".into()),
            message_id_domain: "maison.example".into(),
            list_unsubscribe: None,
            message_key: None,
            calendar: None,
        }
    }

    #[test]
    fn urls() {
        let dir = Path::new("/tmp/outbox");
        assert!(matches!(Mailer::from_url(None, dir), Ok(Mailer::Outbox(_))));
        assert!(matches!(Mailer::from_url(Some("  "), dir), Ok(Mailer::Outbox(_))));
        let security = |url: &str| match Mailer::from_url(Some(url), dir) {
            Ok(Mailer::Smtp(s)) => Ok((s.security, s.port)),
            Ok(Mailer::Outbox(_)) => Err("outbox".to_string()),
            Err(e) => Err(e.to_string()),
        };
        assert_eq!(security("smtp://127.0.0.1:2525"), Ok((Security::Plain, 2525)));
        assert_eq!(security("smtps://user:p%40ss@mail.example"), Ok((Security::ImplicitTls, 465)));
        assert_eq!(security("smtp://user:pw@mail.example?tls=starttls"), Ok((Security::StartTls, 587)));
        assert_eq!(security("smtp://user:pw@localhost:2525"), Ok((Security::Plain, 2525)));
        for bad in [
            "http://secret-password@mail.example",
            "smtp://user:secret-password@mail.example",
            "smtps://mail.example?tls=starttls",
            "smtp://mail.example?secret-password=1",
            "not a url secret-password",
            "smtp://",
        ] {
            let err = security(bad).err().unwrap_or_default();
            assert!(!err.is_empty(), "{bad} accepted");
            assert!(!err.contains("secret-password") && !err.contains("mail.example"), "{err}");
        }
    }

    #[test]
    fn debug_hides_credentials() {
        let mailer = Mailer::from_url(Some("smtps://user:secret-password@mail.example"), Path::new("/tmp"));
        let shown = format!("{mailer:?}");
        assert!(shown.contains("mail.example") && !shown.contains("secret-password"), "{shown}");
    }

    #[test]
    fn message_has_the_headers_of_a_transactional_mail() {
        let message = build_message(&email(), Timestamp(1_700_000_000_000_000)).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&message.formatted()).to_string();
        assert!(text.contains("Auto-Submitted: auto-generated"), "{text}");
        assert!(text.contains("Message-ID: <") && text.contains("@maison.example>"), "{text}");
        assert!(text.contains("Date: Tue, 14 Nov 2023 22:13:20 +0000"), "{text}");
        assert!(text.contains("multipart/alternative"), "{text}");
        assert!(text.contains("Subject: Votre commande ME-0042 est =?utf-8?"), "{text}");
        let plain = OutgoingEmail { html: None, ..email() };
        let text =
            String::from_utf8_lossy(&build_message(&plain, Timestamp(0)).map(|m| m.formatted()).unwrap_or_default())
                .to_string();
        assert!(text.contains("Content-Type: text/plain; charset=utf-8") && !text.contains("multipart"), "{text}");
    }

    #[test]
    fn build_errors_do_not_show_addresses() {
        let bad_from = OutgoingEmail { from: "not an address canary".into(), ..email() };
        let err = build_message(&bad_from, Timestamp(0)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("mail not sent") && !err.contains("canary"), "{err}");
        let bad_domain = OutgoingEmail { message_id_domain: "a b".into(), ..email() };
        assert!(matches!(build_message(&bad_domain, Timestamp(0)), Err(MailError::Permanent(_))));
    }

    #[tokio::test]
    async fn outbox_writes_one_eml_per_message() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let outbox = dir.path().join("outbox");
        let mailer = Mailer::from_url(None, &outbox).unwrap_or_else(|e| panic!("{e}"));
        mailer.send(&email(), Timestamp(1_700_000_000_000_000)).await.unwrap_or_else(|e| panic!("{e}"));
        mailer.send(&email(), Timestamp(1_700_000_000_000_000)).await.unwrap_or_else(|e| panic!("{e}"));
        let files: Vec<_> = std::fs::read_dir(&outbox)
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        assert_eq!(files.len(), 2);
        let raw = std::fs::read_to_string(&files[0]).unwrap_or_default();
        assert!(raw.contains("To: jeanne.canary@example.test") && raw.contains("Auto-Submitted: auto-generated"));
    }
}
