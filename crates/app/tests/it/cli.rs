//! The `luxevault` command as an operator meets it: clear sentences and exit codes.

use std::process::Command;

fn luxevault() -> Command {
    Command::new(env!("CARGO_BIN_EXE_luxevault"))
}

#[test]
fn migrate_creates_the_sqlite_database() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let output =
        luxevault().args(["migrate", "--data-dir"]).arg(dir.path()).env_remove("LUXEVAULT_DATABASE_URL").output();
    let output = output.unwrap_or_else(|e| panic!("run: {e}"));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("up to date"));
    assert!(dir.path().join("luxevault.db").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: std::path::PathBuf| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
        assert_eq!(mode(dir.path().join("luxevault.db")), 0o600, "the database holds personal data");
        let fresh = dir.path().join("new-data");
        let output =
            luxevault().args(["migrate", "--data-dir"]).arg(&fresh).env_remove("LUXEVAULT_DATABASE_URL").output();
        assert!(output.is_ok_and(|o| o.status.success()));
        assert_eq!(mode(fresh.clone()), 0o700, "a data folder LuxeVault creates is its owner's only");
        assert_eq!(mode(fresh.join("luxevault.db")), 0o600);
    }
}

/// Arguments, environment, and what the error must say.
type Case = (Vec<&'static str>, Vec<(&'static str, &'static str)>, &'static str);

#[test]
fn bad_configuration_is_a_sentence_and_a_failure() {
    let cases: Vec<Case> = vec![
        (vec!["migrate", "--database-url", "mysql://x"], vec![], "database_url must start with postgres://"),
        (vec!["--config", "/nonexistent/luxevault.toml", "migrate"], vec![], "does not exist"),
        (vec!["migrate"], vec![("LUXEVAULT_SHOP__LANGUAGES", "[\"en\", \"en\"]")], "twice"),
        (vec!["migrate"], vec![("LUXEVAULT_BIND", "not-an-address")], "BIND"),
        (vec!["serve", "--bind", "nonsense"], vec![], "invalid value"),
        (vec!["retention", "run", "--dry-run", "--as-of", "2027-02-30"], vec![], "is not a date"),
        (vec!["retention", "run", "--as-of", "2027-01-01"], vec![], "--dry-run"),
        (
            vec!["migrate", "--database-url", "postgres://nobody@127.0.0.1:1/none"],
            vec![],
            "could not connect to PostgreSQL",
        ),
    ];
    for (args, env, expected) in cases {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut command = luxevault();
        command
            .args(&args)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("LUXEVAULT_DATABASE_URL")
            .current_dir(dir.path());
        for (k, v) in &env {
            command.env(k, v);
        }
        let output = command.output().unwrap_or_else(|e| panic!("run: {e}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} should fail");
        assert!(stderr.contains(expected), "{args:?}: expected {expected:?} in {stderr:?}");
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    }
}

#[test]
fn a_config_file_is_read() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("shop.toml");
    std::fs::write(&file, "database_url = \"sqlite-is-not-a-url\"\n").unwrap_or_else(|e| panic!("{e}"));
    let output = luxevault().arg("--config").arg(&file).arg("migrate").env_remove("LUXEVAULT_DATABASE_URL").output();
    let output = output.unwrap_or_else(|e| panic!("run: {e}"));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("database_url"));
    std::fs::write(&file, "unknown_key = 1\n").unwrap_or_else(|e| panic!("{e}"));
    let output = luxevault().arg("--config").arg(&file).arg("migrate").output().unwrap_or_else(|e| panic!("run: {e}"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown_key"), "unknown keys are named");
}

/// `staff create` on SQLite: the password only on standard input; bad input is a sentence and a
/// failure; a created owner appears in the audit log, which then verifies.
#[test]
fn staff_create_and_audit_verify_speak_in_sentences() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run = |args: &[&str], stdin: &str| {
        let mut child = luxevault()
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("LUXEVAULT_DATABASE_URL")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn: {e}"));
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(stdin.as_bytes());
        }
        let output = child.wait_with_output().unwrap_or_else(|e| panic!("wait: {e}"));
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).to_string(),
            String::from_utf8_lossy(&output.stderr).to_string(),
        )
    };
    let create = ["staff", "create", "--username", "claire", "--role", "owner", "--password-stdin"];
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &["staff", "create", "--username", "claire", "--role", "emperor", "--password-stdin"],
            "a long enough password\n",
            "is not a role",
        ),
        (&create, "short\n", "at least 12 characters"),
        (&create, "", "no password was given"),
        (
            &["staff", "create", "--username", "Claire Dupont", "--role", "owner", "--password-stdin"],
            "a long enough password\n",
            "username has 3 to 32",
        ),
    ];
    for (args, stdin, expected) in cases {
        let (ok, _, stderr) = run(args, stdin);
        assert!(!ok, "{args:?} should fail");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"));
    }
    let (ok, stdout, stderr) = run(&create, "a long enough password\n");
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Created claire (owner)"), "{stdout}");
    assert!(!stdout.contains("a long enough password") && !stderr.contains("a long enough password"));
    let (ok, _, stderr) = run(&create, "a long enough password\n");
    assert!(!ok && stderr.contains("already taken"), "{stderr}");
    // The brief's form: an email and a role; the username is the email's local part.
    let by_email =
        ["staff", "create", "--email", "Louise.Martin@maison.example", "--role", "manager", "--password-stdin"];
    let (ok, stdout, stderr) = run(&by_email, "a long enough password\n");
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Created louise.martin (manager)") && stdout.contains("second factor"), "{stdout}");
    let again = [
        "staff",
        "create",
        "--email",
        "louise.martin@maison.example",
        "--username",
        "louise2",
        "--role",
        "manager",
        "--password-stdin",
    ];
    let (ok, _, stderr) = run(&again, "a long enough password\n");
    assert!(!ok && stderr.contains("already taken"), "one member per address: {stderr}");
    let bad = ["staff", "create", "--email", "not-an-address", "--role", "manager", "--password-stdin"];
    let (ok, _, stderr) = run(&bad, "a long enough password\n");
    assert!(!ok && stderr.contains("not an email address"), "{stderr}");
    let (ok, _, stderr) =
        run(&["staff", "create", "--role", "manager", "--password-stdin"], "a long enough password\n");
    assert!(!ok && stderr.contains("--email"), "an email or a username is needed: {stderr}");
    let (ok, stdout, stderr) = run(&["audit", "verify"], "");
    assert!(ok, "{stderr}");
    assert!(stdout.contains("intact: 2 entries verified"), "one entry per member created: {stdout}");
    let (ok, _, stderr) = run(&["audit", "verify", "--expect-head", "nonsense"], "");
    assert!(!ok && stderr.contains("SEQ:HASH"), "{stderr}");
    let (ok, _, stderr) = run(&["staff", "reset-second-factor", "--username", "nobody"], "");
    assert!(!ok && stderr.contains("no staff member"), "{stderr}");
}

#[test]
fn retention_run_prints_a_line_per_rule_and_draws_no_bar_when_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (args, first) in [
        (vec!["retention", "run", "--dry-run", "--as-of", "2030-01-01"], "Dry run as of 2030-01-01"),
        (vec!["retention", "run"], "Applied."),
    ] {
        let output = luxevault()
            .args(&args)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("LUXEVAULT_DATABASE_URL")
            .current_dir(dir.path())
            .output()
            .unwrap_or_else(|e| panic!("run: {e}"));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        assert!(stdout.lines().any(|l| l.starts_with(first)), "{stdout}");
        let rules: Vec<&str> = stdout.lines().filter(|l| l.starts_with('[')).collect();
        let expected = [
            "orders",
            "accounts",
            "analytics",
            "marketing_consent",
            "appointments",
            "request_archives",
            "sizing_profiles",
        ];

        assert_eq!(rules.len(), expected.len(), "one line per rule of the policy: {stdout}");
        for (i, rule) in expected.iter().enumerate() {
            assert!(rules[i].starts_with(&format!("[{}/{}] {rule}: ", i + 1, expected.len())), "{}", rules[i]);
        }
        assert!(rules[2].contains("anonymised") && rules[2].ends_with("kept 30 days"), "{}", rules[2]);
        // The progress bar is for a person at a terminal: piped, stderr carries none of it.
        assert!(!stderr.contains("retention [") && !stderr.contains('\u{1b}'), "{stderr}");
    }
}

/// The policy is the law of the running shop (P8, P12, M5): `policy check` and `serve` refuse a
/// policy that does not cover what the shop stores or understates what a recipient receives.
#[test]
fn a_policy_that_does_not_cover_the_shop_is_refused() {
    let default = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policy/default.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path
    };
    let run = |args: &[&std::ffi::OsStr], smtp: bool| {
        let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut command = luxevault();
        command.args(args).arg("--data-dir").arg(data.path()).env_remove("LUXEVAULT_DATABASE_URL");
        if smtp {
            command.env("LUXEVAULT_SMTP_URL", "smtp://127.0.0.1:1");
        }
        command.output().unwrap_or_else(|e| panic!("run: {e}"))
    };
    let good = write("good.toml", &default);
    let output = run(&["policy".as_ref(), "check".as_ref(), good.as_os_str()], true);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // What the policy publishes ahead of the shop's own records is named (invoices arrive later).
    assert!(stdout.contains("holds") && stdout.contains("invoice_records"), "{stdout}");
    assert!(!stdout.contains("\"fitting_and_sizing\""), "appointments process fitting and sizing now: {stdout}");

    // Analytics stored without the category the policy gives them.
    let uncovered = default.replacen("categories = [\"website_usage\"]", "categories = [\"device_and_log\"]", 1);
    let uncovered = write("uncovered.toml", &uncovered);
    let output = run(&["policy".as_ref(), "check".as_ref(), uncovered.as_os_str()], false);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("page_views.path") && stderr.contains("website_usage"), "{stderr}");

    // The email service told it receives less than it does, with email enabled.
    let line = "categories = [\"identification\", \"contact\", \"delivery\", \"order_details\"]\ndpa = true\n\n# ----";
    let narrower = default.replacen(
        line,
        "categories = [\"identification\", \"contact\", \"order_details\"]\ndpa = true\n\n# ----",
        1,
    );
    assert_ne!(narrower, default, "the email service's categories are where the test expects them");
    let narrower = write("narrower.toml", &narrower);
    let output = run(&["policy".as_ref(), "check".as_ref(), narrower.as_os_str()], true);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("\"email_service\" receives \"delivery\""), "{stderr}");
    // `serve` refuses to start with it, with the same sentence and a failure.
    let config = write("luxevault.toml", &format!("policy_file = {:?}\n", narrower.display().to_string()));
    let output = run(
        &["--config".as_ref(), config.as_os_str(), "serve".as_ref(), "--bind".as_ref(), "127.0.0.1:0".as_ref()],
        true,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "serve started with a policy that understates its recipients");
    assert!(stderr.contains("\"email_service\" receives \"delivery\"") && !stderr.contains("panicked"), "{stderr}");
    // A missing file is a sentence too.
    let output = run(&["policy".as_ref(), "check".as_ref(), dir.path().join("none.toml").as_os_str()], false);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("could not read the policy file"));
}
