//! The retention engine: applies every retention rule of the published policy (P15, M7) — or,
//! as a dry run, counts what it would do as of a given day — and writes the purge log.
//!
//! Each rule id of the policy file maps to an operation here; the shop refuses to start with a
//! rule the engine does not know, so the policy never promises a deletion nothing performs.

use luxevault_core::Timestamp;
use luxevault_core::policy::{Policy, RetentionAction};
use luxevault_storage::{Consents, Db, DbError, PageViews, RetentionOutcome, RetentionStore};

use crate::outbox::{EmailJob, queue_email};

/// Rule ids the engine enforces.
pub const KNOWN_RULES: &[&str] =
    &["orders", "accounts", "analytics", "marketing_consent", "request_archives", "appointments", "sizing_profiles"];

/// Warning sent this long before an inactive account is deleted.
pub const ACCOUNT_NOTICE_DAYS: i64 = 30;

/// What one rule did (or would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleReport {
    pub rule: String,
    pub keep_days: u32,
    /// (action, count), e.g. ("anonymised", 12).
    pub counts: Vec<(&'static str, i64)>,
    /// Said when the rule's records are not kept by this version at all.
    pub note: Option<&'static str>,
}

/// Checks that the engine can enforce every rule of the policy.
pub fn check_rules(policy: &Policy) -> Result<(), String> {
    for rule in &policy.retention {
        if !KNOWN_RULES.contains(&rule.id.as_str()) {
            return Err(format!(
                "the retention rule {:?} is not one the retention engine knows ({}); the policy would promise what nothing does",
                rule.id,
                KNOWN_RULES.join(", ")
            ));
        }
        let expected = match rule.id.as_str() {
            "orders" | "analytics" | "appointments" => RetentionAction::Anonymise,
            _ => RetentionAction::Delete,
        };
        if rule.then != expected {
            return Err(format!("the retention rule {:?} must say then = {:?}", rule.id, expected));
        }
    }
    Ok(())
}

fn days_before(at: Timestamp, days: i64) -> Timestamp {
    Timestamp(at.as_micros() - days * Timestamp::MICROS_PER_DAY)
}

/// Applies (or, with `dry_run`, counts) every rule as of `as_of`, logging each to the purge log.
pub async fn apply(
    db: &Db,
    policy: &Policy,
    as_of: Timestamp,
    now: Timestamp,
    dry_run: bool,
) -> Result<Vec<RuleReport>, DbError> {
    apply_observed(db, policy, as_of, now, dry_run, &mut |_, _, _| {}).await
}

/// [`apply`], telling `observe` of each rule as it is done: (its position from 1, how many
/// rules, its report). The command line draws its progress bar with it.
pub async fn apply_observed(
    db: &Db,
    policy: &Policy,
    as_of: Timestamp,
    now: Timestamp,
    dry_run: bool,
    observe: &mut (dyn FnMut(usize, usize, &RuleReport) + Send),
) -> Result<Vec<RuleReport>, DbError> {
    let mut reports = Vec::new();
    let total = policy.retention.len();
    for (position, rule) in policy.retention.iter().enumerate() {
        let keep = i64::from(rule.keep_days);
        let cutoff = days_before(as_of, keep);
        let mut report =
            RuleReport { rule: rule.id.clone(), keep_days: rule.keep_days, counts: Vec::new(), note: None };
        match rule.id.as_str() {
            "orders" => {
                let n = if dry_run {
                    RetentionStore::orders_due(db, cutoff).await?
                } else {
                    RetentionStore::anonymise_orders(db, cutoff, now).await?
                };
                report.counts.push(("anonymised", n));
            }
            "accounts" => {
                let warn_cutoff = days_before(as_of, keep - ACCOUNT_NOTICE_DAYS);
                let warned_before = days_before(as_of, ACCOUNT_NOTICE_DAYS);
                if dry_run {
                    report
                        .counts
                        .push(("deleted", RetentionStore::accounts_due(db, cutoff, warned_before, as_of).await?));
                    report.counts.push(("warned", RetentionStore::count_to_warn(db, warn_cutoff, as_of).await?));
                } else {
                    report.counts.push((
                        "deleted",
                        RetentionStore::delete_accounts(db, cutoff, warned_before, as_of, &policy.version, now).await?,
                    ));
                    let mut warned = 0;
                    loop {
                        let batch = RetentionStore::accounts_to_warn(db, warn_cutoff, 500, as_of).await?;
                        if batch.is_empty() {
                            break;
                        }
                        for customer in batch {
                            queue_email(db, &EmailJob::InactivityWarning { customer_id: customer }, now).await?;
                            RetentionStore::mark_warned(db, customer, now).await?;
                            warned += 1;
                        }
                    }
                    report.counts.push(("warned", warned));
                }
            }
            "marketing_consent" => {
                let n = if dry_run {
                    Consents::count_expired(db, cutoff).await?
                } else {
                    Consents::delete_expired(db, cutoff).await?
                };
                report.counts.push(("deleted", n));
            }
            "appointments" => {
                // The client's details go; when, where and what stay for the calendar's figures.
                let n = if dry_run {
                    luxevault_storage::Appointments::count_ended_before(db, cutoff).await?
                } else {
                    luxevault_storage::Appointments::anonymise_ended_before(db, cutoff, now).await?
                };
                report.counts.push(("anonymised", n));
            }
            "request_archives" => {
                // The copy is made when downloaded and never stored: what expires is its link.
                let n = luxevault_storage::PrivacyRequests::expire_archives(db, as_of, dry_run).await?;
                report.counts.push(("deleted", n));
            }
            "sizing_profiles" => {
                // A guest's profile goes after the horizon without a visit; an account keeps its
                // own (it goes with the account, by erasure or the accounts rule).
                let n = if dry_run {
                    luxevault_storage::Sizing::guests_due(db, cutoff).await?
                } else {
                    luxevault_storage::Sizing::delete_guests_due(db, cutoff).await?
                };
                report.counts.push(("deleted", n));
            }
            "analytics" => {
                // The per-tab session id goes: no view can be linked to another any more.
                let n = if dry_run {
                    PageViews::count_linked(db, cutoff).await?
                } else {
                    PageViews::anonymise(db, cutoff).await?
                };
                report.counts.push(("anonymised", n));
            }
            _ => {
                report.counts.push((if rule.then == RetentionAction::Anonymise { "anonymised" } else { "deleted" }, 0));
                report.note = Some("no such records are kept yet");
            }
        }
        for (action, affected) in &report.counts {
            let line = RetentionOutcome {
                rule: report.rule.clone(),
                started_at: now.as_micros(),
                as_of: as_of.as_micros(),
                dry_run,
                action: (*action).to_string(),
                affected: *affected,
            };
            RetentionStore::log(db, &line, now).await?;
        }
        observe(position + 1, total, &report);
        reports.push(report);
    }
    Ok(reports)
}
