//! `luxevault staff …` and `luxevault audit verify`: what an operator does from the shell — make
//! the first owner, help a colleague who lost their phone, check that nobody edited the audit log.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, anyhow, bail};
use luxevault_core::staff::Role;
use luxevault_core::{Clock, Pii, SystemClock};
use luxevault_shop::staff::members::{self as staff_members, Actor as StaffActor};

use crate::config::Config;
use crate::server::open_database;

/// How the CLI names itself in the audit log.
const CLI_ACTOR: StaffActor<'static> = StaffActor { actor: "cli", client: "local" };

/// Where the new member's password comes from: standard input (one line, for scripts), or a
/// prompt without echo on a terminal. Never a command-line argument (it would sit in the shell
/// history and in `ps`).
pub fn read_password(from_stdin: bool) -> anyhow::Result<Pii<String>> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("could not read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            bail!("no password was given on standard input");
        }
        return Ok(Pii::new(password));
    }
    let first = rpassword::prompt_password("Password for the new member (12 characters or more): ")
        .context("could not read the password")?;
    let second = rpassword::prompt_password("The same password again: ").context("could not read the password")?;
    if first != second {
        bail!("the two passwords differ; nothing was created");
    }
    Ok(Pii::new(first))
}

pub async fn create(
    config: &Config,
    email: &str,
    username: &str,
    role: &str,
    name: Option<&str>,
    password: Pii<String>,
) -> anyhow::Result<String> {
    let role = Role::parse(role).ok_or_else(|| {
        let roles: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
        anyhow!("{role:?} is not a role; choose one of {}", roles.join(", "))
    })?;
    let db = open_database(config).await?;
    let limits = luxevault_shop::auth::HashingLimits { verifiers: 1, ..config.password_hashing() };
    let hashers = luxevault_shop::auth::PasswordHashers::start(limits).map_err(|e| anyhow!("{e}"))?;
    let new = staff_members::NewMember { email, username, display_name: name.unwrap_or_default() };
    let result = staff_members::create(&db, &SystemClock, &hashers, CLI_ACTOR, &new, role, password).await;
    let member = match &result {
        Ok(id) => luxevault_storage::Staff::by_id(&db, *id).await.ok().flatten().map(|m| m.username),
        Err(_) => None,
    };
    db.close().await;
    let id = result.map_err(|e| anyhow!("{e}"))?;
    Ok(format!(
        "Created {} ({}), id {id}. Sign in at /admin/login with that username and the password; the back office then \
         asks to set up a second factor: scan its QR code with an authenticator app and keep the recovery codes it shows once.",
        member.unwrap_or_else(|| username.trim().to_lowercase()),
        role.label().to_lowercase()
    ))
}

pub async fn reset_second_factor(config: &Config, username: &str) -> anyhow::Result<String> {
    let db = open_database(config).await?;
    let member = luxevault_storage::Staff::by_username(&db, &username.trim().to_lowercase()).await?;
    let Some(member) = member else {
        db.close().await;
        bail!("there is no staff member named {username:?}");
    };
    let result = staff_members::reset_second_factor(&db, &SystemClock, CLI_ACTOR, member.id).await;
    db.close().await;
    result.map_err(|e| anyhow!("{e}"))?;
    Ok(format!("{} will set up a new second factor at their next sign-in; their sessions have ended.", member.username))
}

/// Walks the whole chain. With `expect_head` (`SEQ:HASH`, printed by an earlier run and kept
/// elsewhere), also proves no entry up to that point was removed from the end.
pub async fn audit_verify(config: &Config, expect_head: Option<&str>) -> anyhow::Result<String> {
    let expected = match expect_head {
        Some(text) => {
            let (seq, hash) = text
                .split_once(':')
                .and_then(|(s, h)| Some((s.parse::<i64>().ok()?, h.to_string())))
                .ok_or_else(|| anyhow!("--expect-head takes SEQ:HASH as printed by an earlier `audit verify`"))?;
            Some((seq, hash))
        }
        None => None,
    };
    let db = open_database(config).await?;
    let result = luxevault_shop::staff::audit_trail::verify(&db).await;
    let at = SystemClock.now();
    db.close().await;
    let report = result?;
    if let Some(broken) = report.broken {
        bail!(
            "the audit log is NOT intact: {broken}. The {} entries before it verify; the chain is broken from there on.",
            report.entries
        );
    }
    let (seq, hash) = &report.head;
    if let Some((expected_seq, expected_hash)) = expected {
        if *seq < expected_seq {
            bail!("the audit log is NOT intact: it ends at entry {seq}, but entry {expected_seq} existed before");
        }
        let db = open_database(config).await?;
        let entry = luxevault_storage::AuditLog::after(&db, expected_seq - 1, 1).await;
        db.close().await;
        let entry = entry?;
        if entry.first().map(|e| e.hash.as_str()) != Some(expected_hash.as_str()) {
            bail!("the audit log is NOT intact: entry {expected_seq} is not the one recorded earlier");
        }
    }
    let keyed = match report.keyed_from {
        Some(1) => "every entry keyed".to_string(),
        Some(from) => format!("entries before {from} predate the audit key, keyed from {from} on"),
        None => "none keyed yet".to_string(),
    };
    let anchored = match &report.anchored {
        Some(anchor) => format!("it reaches the head anchored outside the database (entry {})", anchor.seq),
        None => "no head anchored yet".to_string(),
    };
    Ok(format!(
        "The audit log is intact: {} {} verified ({keyed}); {anchored}; as of {}. Head {seq}:{hash} (keep it to check later with --expect-head).",
        report.entries,
        if report.entries == 1 { "entry" } else { "entries" },
        &at.to_rfc3339()[..19]
    ))
}
