//! The audit log resists someone who can write to the database (M8): its entries are keyed with
//! a secret kept outside the database, so rewriting a row and recomputing the plain hashes is
//! found; its head is anchored outside the table, so deleting the end is found by
//! `luxevault audit verify` alone; entries from before the key still verify, with the boundary
//! said.

use luxevault_core::Clock;
use luxevault_core::audit::AuditEntry;
use luxevault_shop::staff::audit_trail::{self, ANCHOR_EVERY, AuditEvent};
use luxevault_storage::AuditLog;

use crate::support::{Backend, TestApp};

fn verify_cli(app: &TestApp) -> (bool, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_luxevault"));
    command.args(["audit", "verify", "--data-dir"]).arg(&app.data_dir);
    command.env_remove("LUXEVAULT_DATABASE_URL").env_remove("LUXEVAULT_AUDIT_KEY");
    if !app.database_url.is_empty() {
        command.arg("--database-url").arg(&app.database_url);
    }
    let output = command.output().unwrap_or_else(|e| panic!("run: {e}"));
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!said.contains("panicked"), "{said}");
    (output.status.success(), said)
}

async fn record(app: &TestApp, n: usize) {
    for i in 0..n {
        let event = AuditEvent {
            actor: "cli",
            client: "127.0.0.1",
            action: "customer.view",
            subject_kind: "customer",
            subject_id: &format!("c-{i}"),
            reason: None,
        };
        audit_trail::record(&app.db, app.clock.now(), event).await.unwrap_or_else(|e| panic!("{e}"));
    }
}

async fn all_entries(app: &TestApp) -> Vec<AuditEntry> {
    AuditLog::after(&app.db, 0, 10_000).await.unwrap_or_else(|e| panic!("{e}"))
}

/// Raw SQL, as someone with database access would run it.
async fn exec(app: &TestApp, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match &app.db {
        luxevault_storage::Db::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()),
        luxevault_storage::Db::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()),
    }
    .unwrap_or_else(|e| panic!("{e}"));
}

async fn a_rewritten_row_with_recomputed_hashes_is_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    record(&app, 5).await;
    let entries = all_entries(&app).await;
    assert!(entries.iter().all(AuditEntry::is_keyed), "every entry is keyed once the key exists");
    let key_file = app.data_dir.join("audit.key");
    assert!(key_file.exists(), "the key lives outside the database");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
        assert_eq!(mode, 0o600, "the key file is its owner's alone");
    }
    let (ok, said) = verify_cli(&app);
    assert!(ok && said.contains("intact") && said.contains("every entry keyed"), "{said}");

    // A writer with the database but not the key rewrites entry 3 and re-chains every later
    // entry with the plain hashes, as the log used to be made.
    let mut prev: Option<AuditEntry> = entries.get(1).cloned();
    for original in entries.iter().skip(2) {
        let mut forged = original.clone();
        if forged.seq == 3 {
            forged.subject_id = "someone-else".into();
        }
        forged.prev_hash = prev.as_ref().map(|p| p.hash.clone()).unwrap_or_default();
        forged.hash = forged.compute_hash();
        exec(
            &app,
            &format!(
                "UPDATE audit_log SET subject_id = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {}",
                forged.subject_id, forged.prev_hash, forged.hash, forged.seq
            ),
        )
        .await;
        prev = Some(forged);
    }
    let (ok, said) = verify_cli(&app);
    assert!(!ok, "{said}");
    assert!(said.contains("entry 3 is not keyed") && said.contains("NOT intact"), "{said}");
    app.stop().await;
}

async fn a_cut_end_is_found_by_the_anchor_alone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let n = usize::try_from(ANCHOR_EVERY).unwrap_or(100) + 3;
    record(&app, n).await;
    let anchors = std::fs::read_to_string(app.data_dir.join("audit-anchors.log")).unwrap_or_default();
    assert!(anchors.contains(&format!(" seq={ANCHOR_EVERY} hash=k1:")), "{anchors}");
    // `audit verify` anchors the head it starts from too.
    let (ok, said) = verify_cli(&app);
    assert!(ok && said.contains(&format!("anchored outside the database (entry {n})")), "{said}");

    // The back office shows the anchored head.
    let owner = app.staff("ottilie", luxevault_core::staff::Role::Owner).await;
    let (status, page) = owner.get("/admin/audit").await;
    assert_eq!(status, 200);
    assert!(page.contains("data-testid=\"audit-anchors\"") && page.contains(&format!("#{ANCHOR_EVERY} ")), "{page}");

    // The end is deleted, back to before the anchor: no --expect-head needed to see it.
    exec(&app, &format!("DELETE FROM audit_log WHERE seq > {}", ANCHOR_EVERY - 10)).await;
    let (ok, said) = verify_cli(&app);
    assert!(!ok, "{said}");
    let expected = format!("ends at entry {}, but entry {n} was anchored", ANCHOR_EVERY - 10);
    assert!(said.contains(&expected), "{said}");
    // Growing it again does not help: the new entries differ from those anchored before.
    record(&app, 20).await;
    let (ok, said) = verify_cli(&app);
    assert!(!ok && said.contains(&format!("entry {ANCHOR_EVERY} differs from the head anchored")), "{said}");
    app.stop().await;
}

async fn entries_from_before_the_key_still_verify_with_the_boundary_said(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // An installation from before the key: three plain entries, written without it, and an
    // anchors file that does not yet say where keying starts.
    std::fs::remove_file(app.data_dir.join("audit-anchors.log")).ok();
    let mut head: Option<(i64, String)> = None;
    for i in 0..3 {
        let entry = AuditEntry {
            seq: 0,
            at: app.clock.now().as_micros(),
            actor: "cli".into(),
            action: "staff.create".into(),
            subject_kind: "staff".into(),
            subject_id: format!("s-{i}"),
            client: "local".into(),
            reason: None,
            prev_hash: String::new(),
            hash: String::new(),
        };
        let sealed = entry.seal(head.as_ref().map(|(s, h)| (*s, h.as_str())));
        exec(
            &app,
            &format!(
                "INSERT INTO audit_log (seq, at, actor, action, subject_kind, subject_id, client, reason, prev_hash, hash) \
                 VALUES ({}, {}, 'cli', 'staff.create', 'staff', '{}', 'local', NULL, '{}', '{}')",
                sealed.seq, sealed.at, sealed.subject_id, sealed.prev_hash, sealed.hash
            ),
        )
        .await;
        head = Some((sealed.seq, sealed.hash));
    }
    let (ok, said) = verify_cli(&app);
    assert!(ok && said.contains("3 entries verified"), "the old chain verifies: {said}");
    // The upgraded shop keys what it records next, and says where that starts.
    record(&app, 2).await;
    let entries = all_entries(&app).await;
    let keyed: Vec<bool> = entries.iter().map(AuditEntry::is_keyed).collect();
    assert_eq!(keyed, [false, false, false, true, true]);
    let (ok, said) = verify_cli(&app);
    assert!(ok && said.contains("entries before 4 predate the audit key, keyed from 4 on"), "{said}");
    // Passing keyed entries off as old ones: the boundary is recorded outside the database.
    let mut prev = entries[2].hash.clone();
    for original in entries.iter().skip(3) {
        let mut forged = original.clone();
        forged.prev_hash = prev.clone();
        forged.hash = forged.compute_hash();
        exec(
            &app,
            &format!(
                "UPDATE audit_log SET prev_hash = '{}', hash = '{}' WHERE seq = {}",
                forged.prev_hash, forged.hash, forged.seq
            ),
        )
        .await;
        prev = forged.hash;
    }
    let (ok, said) = verify_cli(&app);
    assert!(!ok && said.contains("entry 4 is not keyed"), "{said}");
    app.stop().await;
}

backend_tests!(
    a_rewritten_row_with_recomputed_hashes_is_found,
    a_cut_end_is_found_by_the_anchor_alone,
    entries_from_before_the_key_still_verify_with_the_boundary_said,
);
