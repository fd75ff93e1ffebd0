//! Password hashing in bounded memory. Argon2id at OWASP's parameters needs 19 MiB per check; the
//! allocator keeps a freed block of that size, so checks done ad hoc grew the process by 19 MiB
//! per concurrent check and never gave it back. Here a fixed set of verifier threads each owns
//! its block memory and reuses it for every check: hashing holds at most `verifiers × 19 MiB`,
//! however many sign-ins arrive. Callers wait in a bounded queue for a free verifier, for at most
//! `queue_wait`; a full queue or a longer wait is [`AuthError::Busy`], which the web edge answers
//! with 503 and `Retry-After`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::AuthError;

/// How many checks run at once, how many may wait, and how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingLimits {
    /// Verifier threads, each holding 19 MiB while the process runs (once it has hashed).
    pub verifiers: usize,
    /// Checks that may wait for a verifier; one more is refused at once.
    pub queue: usize,
    /// How long a check waits for a verifier before it is refused.
    pub queue_wait: Duration,
}

impl Default for HashingLimits {
    fn default() -> Self {
        Self { verifiers: 1, queue: 64, queue_wait: Duration::from_secs(5) }
    }
}

/// Stored hashes with more memory than this are refused rather than followed (a damaged or
/// foreign hash must not make a verifier take a gigabyte).
const MAX_BLOCKS: usize = 64 * 1024;

type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The verifiers; cheap to clone. Their threads end when the last clone is dropped.
#[derive(Clone)]
pub struct PasswordHashers(Arc<Inner>);

struct Inner {
    /// One permit per verifier: held from the moment a check is handed over until it is done,
    /// even when its caller has gone (a client that hangs up frees nothing early).
    slots: Arc<Semaphore>,
    /// Checks running or waiting.
    admitted: AtomicUsize,
    limits: HashingLimits,
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for PasswordHashers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHashers").field("limits", &self.0.limits).finish()
    }
}

/// Leaves the admission count when the caller is done or gone.
struct Admitted<'a>(&'a AtomicUsize);

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PasswordHashers {
    /// Starts the verifier threads (their memory is taken at their first check).
    pub fn start(limits: HashingLimits) -> Result<Self, String> {
        if limits.verifiers == 0 {
            return Err("password hashing needs at least one verifier".into());
        }
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..limits.verifiers {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("password-verifier-{n}"))
                .spawn(move || verifier(&queue))
                .map_err(|e| format!("could not start a password verifier: {e}"))?;
        }
        Ok(Self(Arc::new(Inner {
            slots: Arc::new(Semaphore::new(limits.verifiers)),
            admitted: AtomicUsize::new(0),
            limits,
            jobs,
        })))
    }

    pub fn limits(&self) -> HashingLimits {
        self.0.limits
    }

    /// A new Argon2id hash (PHC string) of the password, with a fresh salt.
    pub async fn hash(&self, password: String) -> Result<String, AuthError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|_| AuthError::Hashing)?;
        self.run(move |blocks| new_hash(password.as_bytes(), &salt, blocks)).await?
    }

    /// Whether the password matches the stored hash. Without a stored hash (an unknown account)
    /// a hash is still computed, so the answer takes as long and says nothing about who exists.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AuthError> {
        self.run(move |blocks| match stored {
            Some(stored) => matches(password.as_bytes(), &stored, blocks),
            None => {
                let _ = new_hash(password.as_bytes(), b"luxevault-no-account", blocks);
                false
            }
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        let inner = &self.0;
        let capacity = inner.limits.verifiers + inner.limits.queue;
        if inner.admitted.fetch_add(1, Ordering::AcqRel) >= capacity {
            inner.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(AuthError::Busy);
        }
        let _admitted = Admitted(&inner.admitted);
        let slot: OwnedSemaphorePermit =
            tokio::time::timeout(inner.limits.queue_wait, Arc::clone(&inner.slots).acquire_owned())
                .await
                .map_err(|_| AuthError::Busy)?
                .map_err(|_| AuthError::Busy)?;
        let (done, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |blocks| {
            let result = work(blocks);
            drop(slot);
            let _ = done.send(result);
        });
        inner.jobs.send(job).map_err(|_| AuthError::Hashing)?;
        answer.await.map_err(|_| AuthError::Hashing)
    }
}

/// One verifier: takes checks one at a time and keeps its block memory between them.
fn verifier(queue: &Mutex<mpsc::Receiver<Job>>) {
    let mut blocks: Vec<Block> = Vec::new();
    loop {
        let job = match queue.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        job(&mut blocks);
    }
}

/// The verifier's memory, grown once to what the parameters need.
fn blocks_for<'a>(blocks: &'a mut Vec<Block>, params: &Params) -> Option<&'a mut [Block]> {
    let needed = params.block_count();
    if needed > MAX_BLOCKS {
        return None;
    }
    if blocks.len() < needed {
        blocks.resize(needed, Block::new());
    }
    blocks.get_mut(..needed)
}

fn new_hash(password: &[u8], salt: &[u8], blocks: &mut Vec<Block>) -> Result<String, AuthError> {
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let memory = blocks_for(blocks, &params).ok_or(AuthError::Hashing)?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2.hash_password_into_with_memory(password, salt, &mut out, memory).map_err(|_| AuthError::Hashing)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|_| AuthError::Hashing)?,
        salt: Some(Salt::new(salt).map_err(|_| AuthError::Hashing)?),
        hash: Some(Output::new(&out).map_err(|_| AuthError::Hashing)?),
    };
    Ok(hash.to_string())
}

/// Recomputes the stored hash's function with its own parameters; compares in constant time.
fn matches(password: &[u8], stored: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm.as_str()) else { return false };
    let Ok(version) = Version::try_from(hash.version.unwrap_or(0x13)) else { return false };
    let Ok(params) = Params::try_from(&hash) else { return false };
    let Some(memory) = blocks_for(blocks, &params) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    if argon2.hash_password_into_with_memory(password, salt, &mut out, memory).is_err() {
        return false;
    }
    Output::new(&out).is_ok_and(|computed| computed == *expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordHasher;

    #[tokio::test]
    async fn hashes_and_checks_in_the_verifiers_memory() {
        let hashers = PasswordHashers::start(HashingLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        let hash = hashers.hash("la soie du matin".into()).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(hashers.verify("la soie du matin".into(), Some(hash.clone())).await.unwrap_or(false));
        assert!(!hashers.verify("la soie du soir".into(), Some(hash)).await.unwrap_or(true));
        // Hashes made by the crate's own hasher (every stored hash so far) still verify.
        let old = Argon2::default().hash_password(b"ancienne").map(|h| h.to_string()).unwrap_or_default();
        assert!(hashers.verify("ancienne".into(), Some(old)).await.unwrap_or(false));
        assert!(!hashers.verify("x".into(), Some("not a hash".into())).await.unwrap_or(true));
        assert!(!hashers.verify("x".into(), None).await.unwrap_or(true));
    }

    #[tokio::test]
    async fn a_full_queue_or_a_long_wait_is_busy() {
        let limits = HashingLimits { verifiers: 1, queue: 1, queue_wait: Duration::from_millis(20) };
        let hashers = PasswordHashers::start(limits).unwrap_or_else(|e| panic!("{e}"));
        // The one verifier is taken: a check waits its time, then is refused.
        let held = Arc::clone(&hashers.0.slots).acquire_owned().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(hashers.hash("une longue phrase".into()).await, Err(AuthError::Busy)));
        // Running and waiting checks fill the queue: the next is refused without waiting.
        hashers.0.admitted.fetch_add(2, Ordering::AcqRel);
        assert!(matches!(hashers.verify("une autre".into(), None).await, Err(AuthError::Busy)));
        hashers.0.admitted.fetch_sub(2, Ordering::AcqRel);
        drop(held);
        assert!(hashers.hash("une longue phrase".into()).await.is_ok(), "free again");
    }
}
