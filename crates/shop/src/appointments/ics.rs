//! The appointment as an iCalendar invitation (RFC 5545, iTIP's REQUEST and CANCEL of
//! RFC 5546), so that the client's mail program adds, moves or removes it. Times are UTC
//! (`…Z`): every calendar shows them in its owner's zone, Tokyo or Paris alike.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use luxevault_core::Timestamp;
use luxevault_storage::AppointmentRow;

use super::AppointmentView;
use crate::Shop;

fn utc(at: Timestamp) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_micros(at.as_micros()).unwrap_or_default()
}

fn address_of(mailbox: &str) -> &str {
    mailbox.rsplit_once('<').and_then(|(_, rest)| rest.split_once('>')).map_or(mailbox.trim(), |(a, _)| a.trim())
}

fn event(shop: &Shop, row: &AppointmentRow, view: &AppointmentView) -> Event {
    let host = shop
        .commerce()
        .public_base_url
        .split("://")
        .nth(1)
        .unwrap_or("localhost")
        .split([':', '/'])
        .next()
        .unwrap_or("localhost")
        .to_string();
    let now = shop.clock().now();
    // Each revision (a move, a cancellation) must carry a higher sequence than the last.
    let sequence = u32::try_from((now.as_micros() - row.created_at.as_micros()).max(0) / Timestamp::MICROS_PER_SECOND)
        .unwrap_or(u32::MAX);
    let mut event = Event::new();
    event
        .uid(&format!("{}@{host}", row.id))
        .timestamp(utc(now))
        .sequence(sequence)
        .starts(utc(row.span.start))
        .ends(utc(row.span.end))
        .summary(&format!("{} — {}", view.service.name, view.boutique_name))
        .location(&format!("{}, {}", view.boutique_name, view.address))
        .add_property("ORGANIZER", format!("mailto:{}", address_of(&shop.commerce().mail_from)));
    if !view.email.is_empty() {
        event.add_property("ATTENDEE", format!("mailto:{}", view.email));
    }
    event
}

/// The invitation that adds (or moves) the appointment in the client's calendar.
pub fn invitation(shop: &Shop, row: &AppointmentRow, view: &AppointmentView) -> String {
    let mut event = event(shop, row, view);
    event.status(EventStatus::Confirmed);
    let mut calendar = Calendar::new();
    calendar.append_property(("METHOD", "REQUEST")).push(event.done());
    calendar.done().to_string()
}

/// The message that removes it.
pub fn cancellation(shop: &Shop, row: &AppointmentRow, view: &AppointmentView) -> String {
    let mut event = event(shop, row, view);
    event.status(EventStatus::Cancelled);
    let mut calendar = Calendar::new();
    calendar.append_property(("METHOD", "CANCEL")).push(event.done());
    calendar.done().to_string()
}
