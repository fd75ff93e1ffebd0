//! The sensitive-data guard (P4, M11): free text from outside — what a customer types in an
//! address, what staff write as a reason, what a message says — is checked for payment card
//! numbers before it is stored, logged, mailed or audited. A card number is never kept: it is
//! replaced by a mark that keeps only its last four digits (what PCI DSS allows to be shown).
//!
//! A card number is a run of 13 to 19 digits, single spaces or dashes between them allowed, that
//! starts with a card network's issuer range (Visa, Mastercard, American Express, Discover,
//! Diners, JCB, UnionPay, Maestro) and passes the Luhn check. A longer run of digits, or one glued
//! to letters (an IBAN after its country code, a tracking number), is some other number. Hand-written because the crates for it validate one number, not find numbers
//! inside text with separators.

/// What replaces a card number found in text.
pub fn mark(last_four: &str) -> String {
    format!("[card number removed, ending {last_four}]")
}

/// Whether the digits start with an issuer range of a card network.
fn known_issuer(digits: &[u8]) -> bool {
    let prefix = |n: usize| digits.iter().take(n).fold(0u32, |acc, d| acc * 10 + u32::from(*d));
    match digits.first() {
        Some(4) => true,
        Some(2) => (2221..=2720).contains(&prefix(4)),
        Some(3) => {
            matches!(prefix(2), 34 | 36 | 37 | 38 | 39)
                || (300..=305).contains(&prefix(3))
                || (3528..=3589).contains(&prefix(4))
        }
        Some(5) => (50..=59).contains(&prefix(2)),
        Some(6) => true, // Discover 6011/644–649/65, UnionPay 62, Maestro 56–69
        _ => false,
    }
}

fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(*d);
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

fn is_card(digits: &[u8]) -> bool {
    (13..=19).contains(&digits.len()) && known_issuer(digits) && luhn(digits)
}

/// The byte ranges of the card numbers in `text`, with their digits.
///
/// A run of digit groups (single spaces or dashes between them) is a card when the whole run is
/// one; otherwise any consecutive groups in it may be (a card typed with its expiry date or a
/// reference beside it). A run glued to letters (an IBAN, a tracking number) or after a `+` (a
/// phone number) is some other identifier, left whole.
fn card_numbers(text: &str) -> Vec<(usize, usize, Vec<u8>)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        // The run's groups: (start, end, digits).
        let start = i;
        let mut groups: Vec<(usize, usize, Vec<u8>)> = Vec::new();
        let mut j = i;
        loop {
            let group_start = j;
            let mut digits = Vec::new();
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                digits.push(bytes[j] - b'0');
                j += 1;
            }
            groups.push((group_start, j, digits));
            let separated = j + 1 < bytes.len() && matches!(bytes[j], b' ' | b'-') && bytes[j + 1].is_ascii_digit();
            if !separated {
                break;
            }
            j += 1;
        }
        let end = j;
        i = end.max(i + 1);
        let before = start.checked_sub(1).map(|p| bytes[p]);
        let glued = before.is_some_and(|b| b.is_ascii_alphabetic() || b == b'+')
            || bytes.get(end).is_some_and(|b| b.is_ascii_alphabetic());
        if glued {
            continue;
        }
        let all: Vec<u8> = groups.iter().flat_map(|g| g.2.iter().copied()).collect();
        if is_card(&all) {
            found.push((start, end, all));
            continue;
        }
        // Consecutive groups, the earliest first and then the longest.
        let mut from = 0;
        while from < groups.len() {
            let mut hit = None;
            let mut digits = Vec::new();
            for (to, group) in groups.iter().enumerate().skip(from) {
                digits.extend_from_slice(&group.2);
                if digits.len() > 19 {
                    break;
                }
                if is_card(&digits) {
                    hit = Some((to, digits.clone()));
                }
            }
            match hit {
                Some((to, digits)) => {
                    found.push((groups[from].0, groups[to].1, digits));
                    from = to + 1;
                }
                None => from += 1,
            }
        }
    }
    found
}

/// Whether `text` holds a payment card number.
pub fn has_card_number(text: &str) -> bool {
    !card_numbers(text).is_empty()
}

/// `text` with every card number replaced by its mark.
pub fn redact(text: &str) -> String {
    redact_counted(text).0
}

/// `text` with every card number replaced by its mark, and how many were removed (for the log
/// and the person's answer; the numbers themselves are never returned).
pub fn redact_counted(text: &str) -> (String, usize) {
    let found = card_numbers(text);
    if found.is_empty() {
        return (text.to_string(), 0);
    }
    let count = found.len();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (from, to, digits) in found {
        out.push_str(&text[at..from]);
        let last: String = digits[digits.len() - 4..].iter().map(|d| char::from(b'0' + d)).collect();
        out.push_str(&mark(&last));
        at = to;
    }
    out.push_str(&text[at..]);
    (out, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_are_found_with_or_without_separators() {
        for text in [
            "4111111111111111",
            "my card is 4111 1111 1111 1111, thanks",
            "5500-0000-0000-0004",
            "amex 3782 822463 10005",
        ] {
            assert!(has_card_number(text), "{text}");
        }
        // Stripe's test cards, one per network.
        for card in [
            "4242424242424242",
            "4000056655665556",
            "5555555555554444",
            "2223003122003222",
            "5200828282828210",
            "378282246310005",
            "371449635398431",
            "6011111111111117",
            "6011000990139424",
            "3056930009020004",
            "36227206271667",
            "3566002020360505",
            "6200000000000005",
        ] {
            assert!(has_card_number(&format!("paid with {card}.")), "{card}");
        }
        let (text, removed) = redact_counted("4242 4242 4242 4242 and 5555-5555-5555-4444");
        assert_eq!(removed, 2);
        assert_eq!(text, "[card number removed, ending 4242] and [card number removed, ending 4444]");
        // With its expiry date, its security code or a reference beside it.
        assert_eq!(redact("4242 4242 4242 4242 12/26"), "[card number removed, ending 4242] 12/26");
        assert_eq!(redact("4242 4242 4242 4242 123"), "[card number removed, ending 4242] 123");
        assert_eq!(redact("ref 2026 4111 1111 1111 1111"), "ref 2026 [card number removed, ending 1111]");
        assert_eq!(redact("card 4111 1111 1111 1111 ok"), "card [card number removed, ending 1111] ok");
    }

    #[test]
    fn ordinary_numbers_are_left_alone() {
        for text in [
            "Order LV-2026-000123",
            "+33 1 42 68 53 00",
            "75008 Paris",
            "4111111111111112",
            "1234567890123",
            "Rue du Faubourg Saint-Honoré 24",
            // Phone numbers, postcodes, tracking numbers and IBANs.
            "+1 415 555 2671",
            "+49 1512 3456787",
            "tel. +4915123456787",
            "SW1A 1AA",
            "1Z999AA10123456784",
            "9400 1000 0000 0000 0000 00",
            "JD014600006281234567",
            "FR76 3000 6000 0112 3456 7890 189",
            "DE89 3704 0044 0532 0130 00",
            "GB29 NWBK 6016 1331 9268 19",
            "NO9386011117947",
            // Luhn-valid but no card network's range.
            "9999999999999995",
        ] {
            assert!(!has_card_number(text), "{text}");
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn text_around_a_number_survives_and_no_input_panics() {
        assert_eq!(redact("é4111111111111111é"), "é[card number removed, ending 1111]é");
        for text in ["", "-", " 4", "4-", "9999999999999999999999999999", "4 1 1 1"] {
            let _ = redact(text);
        }
    }
}
