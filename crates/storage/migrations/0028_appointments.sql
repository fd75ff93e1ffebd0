-- Boutique service requests (M1, M3): boutiques with their hours and closures, the services
-- they give, the associates who give them, and the appointments clients book. No associate is
-- ever booked twice at once: each 15-minute block an appointment occupies is a row under the
-- primary key (associate, block), so the second of two overlapping bookings fails in the
-- database itself, on SQLite and PostgreSQL alike, however many arrive at once.

CREATE TABLE boutiques (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    -- "tue-sat 10:00-19:00; sun 14:00-18:00" (core::appointments::WeekHours)
    hours TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE boutique_closures (
    boutique_id UUID NOT NULL REFERENCES boutiques (id) ON DELETE CASCADE,
    -- the local date, 2026-12-25
    day TEXT NOT NULL,
    PRIMARY KEY (boutique_id, day)
);

CREATE TABLE services (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    -- {"en": "Fitting", "fr": "Essayage"}
    names TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL
);

CREATE TABLE associates (
    id UUID PRIMARY KEY,
    boutique_id UUID NOT NULL REFERENCES boutiques (id) ON DELETE CASCADE,
    -- the first name clients see
    display_name TEXT NOT NULL,
    -- the back-office member, when the associate signs in to keep their own calendar
    staff_id UUID REFERENCES staff (id) ON DELETE SET NULL,
    -- their own week; empty: the boutique's hours
    hours TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL
);

CREATE TABLE associate_services (
    associate_id UUID NOT NULL REFERENCES associates (id) ON DELETE CASCADE,
    service_id UUID NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    PRIMARY KEY (associate_id, service_id)
);

CREATE TABLE associate_absences (
    id UUID PRIMARY KEY,
    associate_id UUID NOT NULL REFERENCES associates (id) ON DELETE CASCADE,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL
);

CREATE INDEX associate_absences_by_associate ON associate_absences (associate_id, starts_at);

CREATE TABLE appointments (
    id UUID PRIMARY KEY,
    boutique_id UUID NOT NULL REFERENCES boutiques (id),
    service_id UUID NOT NULL REFERENCES services (id),
    associate_id UUID NOT NULL REFERENCES associates (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    -- booked, cancelled, completed, no_show
    status TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    phone TEXT NOT NULL,
    -- the piece the client would like to see or try, if they said
    piece TEXT NOT NULL,
    -- the client's note, through the sensitive-data guard
    note TEXT NOT NULL,
    lang TEXT NOT NULL,
    -- the client's own zone, to write their times in their email
    client_time_zone TEXT NOT NULL,
    -- recorded as shown: steps at the person's request before a contract (M3)
    legal_basis TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    request_hash TEXT NOT NULL,
    -- the start the reminder was sent for (a rescheduled appointment is reminded again)
    reminded_for BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    anonymised_at BIGINT
);

CREATE INDEX appointments_by_boutique ON appointments (boutique_id, starts_at);
CREATE INDEX appointments_by_email ON appointments (email_key);

CREATE TABLE appointment_blocks (
    associate_id UUID NOT NULL REFERENCES associates (id),
    block_at BIGINT NOT NULL,
    appointment_id UUID NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    PRIMARY KEY (associate_id, block_at)
);

CREATE INDEX appointment_blocks_by_appointment ON appointment_blocks (appointment_id);
