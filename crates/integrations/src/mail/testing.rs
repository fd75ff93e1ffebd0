//! A real SMTP server for tests: aiosmtpd (Python) on a loopback port, storing each message in a maildir
//! that [`SmtpSink::messages`] reads back. Only with the `fake` feature.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, PartType};

/// Setting that names the Python interpreter to run aiosmtpd with, when the default ones lack it.
pub const PYTHON_ENV: &str = "LUXEVAULT_TEST_PYTHON";

const INSTALL_HINT: &str = "aiosmtpd is not installed: install it with `apt-get install -y python3-aiosmtpd` (Debian, \
     for /usr/bin/python3) or `python3 -m pip install aiosmtpd`, or set LUXEVAULT_TEST_PYTHON to a Python that has it";

/// One message as the sink received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedEmail {
    /// The address of the `To` header.
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// Every top-level header, name and raw (unfolded, still encoded) value; aiosmtpd adds
    /// `X-MailFrom` and `X-RcptTo` with the SMTP envelope.
    pub headers: Vec<(String, String)>,
}

impl ReceivedEmail {
    /// The first header of that name (case-insensitive), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
    }
}

/// A running aiosmtpd; stopped when dropped.
#[derive(Debug)]
pub struct SmtpSink {
    child: Mutex<Option<Child>>,
    port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts aiosmtpd on a free loopback port and waits until it accepts connections.
    pub fn start() -> Result<Self, String> {
        let python = find_python()?;
        let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
        let maildir = dir.path().join("maildir");
        let log_path = dir.path().join("aiosmtpd.log");
        let log = std::fs::File::create(&log_path).map_err(|e| format!("cannot create the sink's log: {e}"))?;
        let log_err = log.try_clone().map_err(|e| format!("cannot create the sink's log: {e}"))?;
        // Another process may take the port between this probe and aiosmtpd's bind; rare, and then start fails loudly.
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("no free loopback port: {e}"))?;
        let mut child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start {python}: {e}"))?;
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                break;
            }
            let exited = child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!("aiosmtpd did not start on port {port}: {}", log.trim()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Self { child: Mutex::new(Some(child)), port, maildir, _dir: dir })
    }

    /// `smtp://127.0.0.1:<port>`, for [`super::Mailer::from_url`].
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every message received so far, oldest first.
    pub async fn messages(&self) -> Vec<ReceivedEmail> {
        let maildir = self.maildir.clone();
        tokio::task::spawn_blocking(move || read_maildir(&maildir)).await.unwrap_or_default()
    }

    /// Stops the server; later sends fail to connect.
    pub fn stop(&self) {
        let mut guard = match self.child.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(mut child) = guard.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The first interpreter that can import aiosmtpd: `$LUXEVAULT_TEST_PYTHON`, then `python3` on the PATH, then
/// Debian's `/usr/bin/python3` (where `apt-get install python3-aiosmtpd` puts it, even when pyenv shadows it).
fn find_python() -> Result<String, String> {
    let candidates: Vec<String> = match std::env::var(PYTHON_ENV) {
        Ok(python) if !python.is_empty() => vec![python],
        _ => vec!["python3".into(), "/usr/bin/python3".into()],
    };
    for python in &candidates {
        let ok = Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Ok(python.clone());
        }
    }
    Err(format!("{INSTALL_HINT} (tried: {})", candidates.join(", ")))
}

fn read_maildir(maildir: &Path) -> Vec<ReceivedEmail> {
    let mut files: Vec<PathBuf> = ["new", "cur"]
        .iter()
        .filter_map(|sub| std::fs::read_dir(maildir.join(sub)).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    // Maildir names start with the delivery time in seconds; the modification time breaks ties.
    files.sort_by_key(|path| {
        (std::fs::metadata(path).and_then(|m| m.modified()).ok(), path.file_name().map(|n| n.to_os_string()))
    });
    files.iter().filter_map(|path| std::fs::read(path).ok()).filter_map(|raw| parse_email(&raw)).collect()
}

/// Reads one RFC 5322 message (also used on the outbox's `.eml` files in tests).
pub fn parse_email(raw: &[u8]) -> Option<ReceivedEmail> {
    let message = MessageParser::default().parse(raw)?;
    let html =
        message.html_body.first().and_then(|&i| message.parts.get(i as usize)).and_then(|part| match &part.body {
            PartType::Html(html) => Some(html.to_string()),
            _ => None,
        });
    Some(ReceivedEmail {
        to: message.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_string(),
        subject: message.subject().unwrap_or_default().to_string(),
        text: message.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html,
        headers: message.headers_raw().map(|(n, v)| (n.to_string(), v.replace("\r\n", "").replace('\n', ""))).collect(),
    })
}
