//! The job runner: sends queued email, captures authorised payments, cancels unpaid orders.
//! Every node may run it; the queue's leases make each job run once.

use std::time::Duration;

use luxevault_core::Timestamp;
use luxevault_integrations::mail::{MailError, Mailer};
use luxevault_storage::{DbError, Jobs, NewJob, RetentionStore};

use crate::Shop;
use crate::jobs::emails::{EmailTemplates, compose};
use crate::orders::{self, CAPTURE_JOB, VOID_JOB};
use crate::outbox::{EMAIL_JOB, EmailJob};

const RETENTION_JOB: &str = "retention";

/// How long a claimed job is ours before another node may take it over: short, so the paid
/// orders of a node that died are captured and confirmed within half a minute, not five; the
/// lease is renewed while the job runs, so a slow SMTP server or provider does not hand a
/// running job to a second node.
const LEASE_SECONDS: i64 = 30;
/// How often a running job's lease is renewed: three chances before it lapses.
const RENEW_EVERY: Duration = Duration::from_secs(10);

enum Failure {
    Retry(String),
    GiveUp(String),
}

pub struct Worker {
    shop: Shop,
    mailer: Mailer,
    templates: EmailTemplates,
    renew_every: Duration,
}

impl Worker {
    pub fn new(shop: Shop, mailer: Mailer) -> Result<Self, String> {
        Ok(Self { shop, mailer, templates: EmailTemplates::load()?, renew_every: RENEW_EVERY })
    }

    /// Renews running jobs' leases at this pace instead (tests, whose clock is moved by hand).
    pub fn renewing_every(mut self, every: Duration) -> Self {
        self.renew_every = every;
        self
    }

    /// Runs one claimed job, renewing its lease until it is done.
    async fn run_leased(&self, job: &luxevault_storage::Job) -> Result<(), Failure> {
        let work = async {
            match job.kind.as_str() {
                EMAIL_JOB => self.send_email(job.id, &job.payload).await,
                CAPTURE_JOB => orders::run_capture(&self.shop, &job.payload).await.map_err(Failure::Retry),
                VOID_JOB => orders::run_void(&self.shop, &job.payload).await.map_err(Failure::Retry),
                RETENTION_JOB => self.run_retention().await.map_err(|e| Failure::Retry(e.to_string())),
                other => Err(Failure::GiveUp(format!("unknown job kind {other}"))),
            }
        };
        tokio::pin!(work);
        let mut renewal = tokio::time::interval(self.renew_every);
        renewal.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        renewal.tick().await; // the first tick is immediate: the claim has just set the lease
        loop {
            tokio::select! {
                outcome = &mut work => return outcome,
                _ = renewal.tick() => {
                    match Jobs::renew(self.shop.db(), job, self.shop.clock().now(), LEASE_SECONDS).await {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!(job = %job.id, kind = %job.kind, "job lease lost; another node may run it"),
                        Err(error) => tracing::warn!(job = %job.id, error = %error, "job lease not renewed"),
                    }
                }
            }
        }
    }

    /// Runs every job due now; returns how many ran. Tests call this to drive the queue.
    pub async fn run_due(&self) -> Result<usize, DbError> {
        let mut ran = 0;
        while let Some(job) = Jobs::claim(self.shop.db(), self.shop.clock().now(), LEASE_SECONDS).await? {
            ran += 1;
            let outcome = self.run_leased(&job).await;
            let now = self.shop.clock().now();
            match outcome {
                Ok(()) => Jobs::complete(self.shop.db(), job.id).await?,
                Err(Failure::Retry(error)) if job.attempts < job.max_attempts => {
                    let at = now.plus_seconds(backoff_seconds(job.attempts));
                    tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %error, "job failed; will retry");
                    Jobs::retry(self.shop.db(), job.id, at, &error).await?;
                }
                Err(Failure::Retry(error) | Failure::GiveUp(error)) => {
                    tracing::error!(job = %job.id, kind = %job.kind, error = %error, "job given up");
                    if carries_secret(&job.payload) {
                        // A reset link that could not be sent is worthless after its hour; its
                        // token is not kept for anyone to read.
                        Jobs::complete(self.shop.db(), job.id).await?;
                    } else {
                        Jobs::give_up(self.shop.db(), job.id, now, &error).await?;
                    }
                }
            }
        }
        Ok(ran)
    }

    async fn send_email(&self, job_id: uuid::Uuid, payload: &str) -> Result<(), Failure> {
        let job: EmailJob =
            serde_json::from_str(payload).map_err(|e| Failure::GiveUp(format!("bad email job: {e}")))?;
        let Some(mut email) = compose(&self.shop, &self.templates, &job).await.map_err(Failure::Retry)? else {
            return Ok(());
        };
        // One job, one message: sent again after a crash, it is the same message.
        email.message_key = Some(job_id.simple().to_string());
        match self.mailer.send(&email, self.shop.clock().now()).await {
            Ok(()) => Ok(()),
            Err(MailError::Transient(e)) => Err(Failure::Retry(e)),
            Err(MailError::Permanent(e)) => Err(Failure::GiveUp(e)),
        }
    }

    /// Periodic housekeeping: unpaid orders, and once a day the retention rules. The daily run
    /// is a job keyed by its date, so several nodes schedule it once and one of them runs it.
    pub async fn sweep(&self) -> Result<usize, DbError> {
        let now = self.shop.clock().now();
        // Back-office sessions past their timeouts are refused on use; here they are deleted.
        let idle = now.plus_seconds(-luxevault_core::staff::SESSION_IDLE_MINUTES * 60);
        let started = now.plus_seconds(-luxevault_core::staff::SESSION_ABSOLUTE_HOURS * 3600);
        luxevault_storage::Staff::expire_sessions(self.shop.db(), idle, started).await?;
        let (y, m, d, ..) = now.civil();
        // The job row is deleted once done, freeing its key: the purge log says whether today's
        // run happened already.
        let midnight = Timestamp(now.as_micros() - now.as_micros().rem_euclid(Timestamp::MICROS_PER_DAY));
        if RetentionStore::ran_since(self.shop.db(), midnight).await? {
            return orders::cancel_unpaid(&self.shop).await;
        }
        let job = NewJob {
            kind: RETENTION_JOB,
            payload: "{}".into(),
            dedupe_key: Some(format!("retention:{y:04}-{m:02}-{d:02}")),
            run_at: now,
            max_attempts: 5,
        };
        Jobs::enqueue(self.shop.db(), &job, now).await?;
        orders::cancel_unpaid(&self.shop).await
    }

    async fn run_retention(&self) -> Result<(), DbError> {
        let now = self.shop.clock().now();
        let reports =
            crate::privacy::retention::apply(self.shop.db(), &self.shop.policy().policy, now, now, false).await?;
        for report in reports {
            for (action, count) in report.counts {
                tracing::info!(rule = %report.rule, action, count, "retention rule applied");
            }
        }
        Ok(())
    }

    /// Runs until `stop` resolves: due jobs every second, the sweep every minute.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut last_sweep = Timestamp(0);
        loop {
            if let Err(error) = self.run_due().await {
                tracing::error!(error = %error, "job queue unavailable");
            }
            let now = self.shop.clock().now();
            if now.as_micros() - last_sweep.as_micros() > 60 * Timestamp::MICROS_PER_SECOND {
                last_sweep = now;
                if let Err(error) = self.sweep().await {
                    tracing::error!(error = %error, "order sweep failed");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stop.changed() => return,
            }
        }
    }
}

fn carries_secret(payload: &str) -> bool {
    matches!(
        serde_json::from_str::<EmailJob>(payload),
        Ok(EmailJob::PasswordReset { .. } | EmailJob::RequestCode { .. })
    )
}

/// 30 s, 1 min, 2 min … capped at 6 h: about two days over twelve attempts.
fn backoff_seconds(attempt: i32) -> i64 {
    let exponent = u32::try_from(attempt.clamp(1, 16) - 1).unwrap_or(0);
    (30i64 << exponent).min(6 * 3_600)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(super::backoff_seconds(1), 30);
        assert_eq!(super::backoff_seconds(2), 60);
        assert_eq!(super::backoff_seconds(12), 6 * 3_600);
        assert_eq!(super::backoff_seconds(-1), 30);
    }
}
