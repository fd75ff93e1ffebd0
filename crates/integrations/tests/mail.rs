//! The mailer against a real SMTP server (aiosmtpd), a scripted one for refusals, and the outbox.
#![cfg(feature = "fake")]

use luxevault_core::{Email, Timestamp};
use luxevault_integrations::mail::testing::{SmtpSink, parse_email};
use luxevault_integrations::mail::{MailError, Mailer, OutgoingEmail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const RECIPIENT: &str = "jeanne.canary@example.test";
const NOW: Timestamp = Timestamp(1_800_000_000_000_000);

fn email(html: bool) -> OutgoingEmail {
    OutgoingEmail {
        to: Email::parse(RECIPIENT).unwrap_or_else(|e| panic!("{e}")),
        from: "Maison Élégance <shop@maison.example>".into(),
        reply_to: Some("Boutique Paris <paris@maison.example>".into()),
        subject: "Votre commande ME-0042 est confirmée — merci ✨".into(),
        text: "Bonjour,\n\nvotre commande ME-0042 est confirmée.\nÀ bientôt.".into(),
        html: html.then(|| "<p>Bonjour,</p><p>votre commande <b>ME-0042</b> est confirmée.</p>".into()),
        message_id_domain: "maison.example".into(),
        list_unsubscribe: None,
        message_key: None,
        calendar: None,
    }
}

fn sink() -> SmtpSink {
    SmtpSink::start().unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn smtp_delivers_to_a_real_server() {
    let sink = sink();
    let outbox = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mailer = Mailer::from_url(Some(&sink.url()), outbox.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(mailer, Mailer::Smtp(_)));
    mailer.send(&email(true), NOW).await.unwrap_or_else(|e| panic!("{e}"));
    mailer.send(&email(false), NOW).await.unwrap_or_else(|e| panic!("{e}"));

    let messages = sink.messages().await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    let first = &messages[0];
    assert_eq!(first.to, RECIPIENT);
    assert_eq!(first.subject, "Votre commande ME-0042 est confirmée — merci ✨");
    assert!(first.text.contains("votre commande ME-0042 est confirmée.\nÀ bientôt."), "{:?}", first.text);
    assert!(first.html.as_deref().is_some_and(|h| h.contains("<b>ME-0042</b>")), "{:?}", first.html);
    assert_eq!(first.header("Auto-Submitted"), Some("auto-generated"));
    assert!(first.header("Message-ID").is_some_and(|id| id.starts_with('<') && id.ends_with("@maison.example>")));
    assert!(first.header("Date").is_some_and(|d| d.contains("15 Jan 2027")), "{:?}", first.header("Date"));
    assert!(first.header("Content-Type").is_some_and(|c| c.starts_with("multipart/alternative")));
    assert_eq!(first.header("X-RcptTo"), Some(RECIPIENT));
    assert_eq!(messages[1].html, None);
    assert!(messages[1].header("Content-Type").is_some_and(|c| c.starts_with("text/plain")));
    assert_ne!(first.header("Message-ID"), messages[1].header("Message-ID"));

    // The server goes away: a transient error, and no address in it.
    sink.stop();
    let err = mailer.send(&email(true), NOW).await;
    assert!(matches!(&err, Err(MailError::Transient(_))), "{err:?}");
    assert!(!format!("{err:?}").contains(RECIPIENT));
}

/// A minimal SMTP server that refuses every recipient with `reply` (which quotes the address, as real
/// servers do).
async fn refusing_server(code: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 refuser ESMTP\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply = match verb.as_str() {
                        "EHLO" | "HELO" => "250 refuser\r\n".to_string(),
                        "MAIL" => "250 OK\r\n".to_string(),
                        "RCPT" => format!("{code} <{RECIPIENT}>: recipient refused\r\n"),
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => "250 OK\r\n".to_string(),
                    };
                    if write.write_all(reply.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    format!("smtp://{address}")
}

#[tokio::test]
async fn smtp_refusals_say_whether_to_retry_without_the_address() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (code, permanent) in [("550 5.1.1", true), ("451 4.3.0", false)] {
        let url = refusing_server(code).await;
        let mailer = Mailer::from_url(Some(&url), dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let err = mailer.send(&email(true), NOW).await;
        match (&err, permanent) {
            (Err(MailError::Permanent(m)), true) => assert!(m.contains("550"), "{m}"),
            (Err(MailError::Transient(m)), false) => assert!(m.contains("451"), "{m}"),
            _ => panic!("{code}: {err:?}"),
        }
        let shown = format!("{err:?} {}", err.as_ref().err().map(ToString::to_string).unwrap_or_default());
        assert!(!shown.contains(RECIPIENT) && !shown.contains("canary"), "{shown}");
    }
}

#[tokio::test]
async fn outbox_writes_a_parseable_eml() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let outbox = dir.path().join("outbox");
    let mailer = Mailer::from_url(None, &outbox).unwrap_or_else(|e| panic!("{e}"));
    mailer.send(&email(true), NOW).await.unwrap_or_else(|e| panic!("{e}"));
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap_or_else(|e| panic!("{e}")).filter_map(Result::ok).collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].path().extension().is_some_and(|e| e == "eml"));
    let raw = std::fs::read(files[0].path()).unwrap_or_else(|e| panic!("{e}"));
    let parsed = parse_email(&raw).unwrap_or_else(|| panic!("not a message"));
    assert_eq!(parsed.to, RECIPIENT);
    assert_eq!(parsed.subject, "Votre commande ME-0042 est confirmée — merci ✨");
    assert!(parsed.text.contains("À bientôt."));
    assert!(parsed.html.is_some());
    assert_eq!(parsed.header("Auto-Submitted"), Some("auto-generated"));
}

/// One queued job, one message: sent again (a crash between sending and marking the job done),
/// it keeps its Message-ID and replaces its own outbox file; nothing half-written is left.
#[tokio::test]
async fn a_message_sent_again_is_the_same_message() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let outbox = dir.path().join("outbox");
    let mailer = Mailer::from_url(None, &outbox).unwrap_or_else(|e| panic!("{e}"));
    let keyed = OutgoingEmail { message_key: Some("0193a0b2c3d4e5f6".into()), ..email(false) };
    mailer.send(&keyed, NOW).await.unwrap_or_else(|e| panic!("{e}"));
    mailer.send(&keyed, NOW).await.unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["0193a0b2c3d4e5f6.eml".to_string()], "one file, no temporary left");
    let raw = std::fs::read(outbox.join("0193a0b2c3d4e5f6.eml")).unwrap_or_else(|e| panic!("{e}"));
    let parsed = parse_email(&raw).unwrap_or_else(|| panic!("not a message"));
    assert_eq!(parsed.header("Message-ID"), Some("<0193a0b2c3d4e5f6@maison.example>"));
    // A key that is not a plain token is not used.
    let odd = OutgoingEmail { message_key: Some("../escape".into()), ..email(false) };
    mailer.send(&odd, NOW).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(!dir.path().join("escape.eml").exists());
    assert_eq!(std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0), 2);
}
