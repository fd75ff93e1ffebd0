-- The boutique's staff (separate from customers), their back-office sessions and second factor,
-- and the append-only, hash-chained audit log of what staff saw and did (P18, M8).

CREATE TABLE staff (
    id UUID PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    -- how colleagues are named in the back office
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'associate', 'fulfilment', 'accountant', 'privacy_officer')),
    -- Argon2id PHC string
    password_hash TEXT NOT NULL,
    -- base32 TOTP secret once enrolled; pending_totp_secret while enrolment is unconfirmed
    totp_secret TEXT,
    pending_totp_secret TEXT,
    -- the last 30-second step a code was accepted for: a code works once
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_login_at BIGINT
);

CREATE TABLE staff_recovery_codes (
    staff_id UUID NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    -- SHA-256 of a single-use recovery code
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (staff_id, code_hash)
);

CREATE TABLE staff_sessions (
    -- SHA-256 of the cookie's token
    token_hash TEXT PRIMARY KEY,
    staff_id UUID NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    -- 'second_factor' after the password, 'enrol' until a new member sets up TOTP, 'full' after
    stage TEXT NOT NULL CHECK (stage IN ('second_factor', 'enrol', 'full')),
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    -- shown in the list of active sessions so a member recognises their devices
    client_addr TEXT NOT NULL,
    user_agent TEXT NOT NULL
);

CREATE INDEX staff_sessions_by_staff ON staff_sessions (staff_id);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    client TEXT NOT NULL,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE INDEX audit_log_by_subject ON audit_log (subject_kind, subject_id, seq);
CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_by_time ON audit_log (at);
