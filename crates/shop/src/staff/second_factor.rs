//! The second factor: TOTP (RFC 6238, 30-second steps, 6 digits, SHA-1 — what every
//! authenticator app speaks) by `totp-rs`, each code accepted once; and single-use recovery codes
//! stored as SHA-256 hashes.

use luxevault_core::Timestamp;
use totp_rs::{Builder, Secret, Totp};

use crate::auth::token_hash;

/// A new random TOTP secret (160 bits, as RFC 4226 recommends), base32.
pub fn new_secret() -> Option<String> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).ok()?;
    Some(Secret::from(bytes.to_vec()).to_base32())
}

fn totp(secret_base32: &str, account: &str, issuer: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_base32).ok()?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account.replace(':', " "))
        .with_issuer(Some(issuer.replace(':', " ")))
        .build()
        .ok()
}

/// The 30-second step a code belongs to, if `code` is right for `now` (one step of clock drift
/// either way). The caller records the step so the same code cannot be used twice.
pub fn check(secret_base32: &str, code: &str, now: Timestamp) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds = u64::try_from(now.as_micros() / Timestamp::MICROS_PER_SECOND).ok()?;
    let step = totp(secret_base32, "staff", "LuxeVault")?.check(&code, seconds)?;
    i64::try_from(step).ok()
}

/// The code an authenticator app shows at `now` (for tests and the CLI's own checks).
pub fn code_at(secret_base32: &str, now: Timestamp) -> Option<String> {
    let seconds = u64::try_from(now.as_micros() / Timestamp::MICROS_PER_SECOND).ok()?;
    Some(totp(secret_base32, "staff", "LuxeVault")?.generate(seconds).to_string())
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn provisioning_url(secret_base32: &str, account: &str, issuer: &str) -> Option<String> {
    totp(secret_base32, account, issuer)?.to_url().ok()
}

/// The QR code of the provisioning address, as an inline SVG (no image request, no data: URL).
pub fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#1c1917"))
        .light_color(qrcode::render::svg::Color("#faf7f2"))
        .build();
    // Inline in HTML: drop the XML prolog, and label the picture.
    let start = svg.find("<svg")?;
    Some(svg[start..].replacen("<svg", "<svg role=\"img\" aria-label=\"QR code for your authenticator app\"", 1))
}

/// Ten recovery codes, `xxxxx-xxxxx` from an unambiguous alphabet (about 50 bits each).
pub fn new_recovery_codes(n: usize) -> Option<Vec<String>> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut codes = Vec::with_capacity(n);
    for _ in 0..n {
        let mut bytes = [0u8; 10];
        getrandom::fill(&mut bytes).ok()?;
        let chars: String = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
        codes.push(format!("{}-{}", &chars[..5], &chars[5..]));
    }
    Some(codes)
}

/// What the database keeps of a recovery code (normalised: case and dashes do not matter).
pub fn recovery_code_hash(code: &str) -> String {
    let normal: String = code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    token_hash(&normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_rfc_6238_and_tolerate_one_step_of_drift() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits);
        // 6 digits are its last six.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        let at = Timestamp(59 * Timestamp::MICROS_PER_SECOND);
        assert_eq!(code_at(&secret, at).as_deref(), Some("287082"));
        assert_eq!(check(&secret, "287082", at), Some(1));
        assert_eq!(check(&secret, "287 082", at), Some(1), "spaces typed by people are fine");
        let later = Timestamp(89 * Timestamp::MICROS_PER_SECOND);
        assert_eq!(check(&secret, "287082", later), Some(1), "one step late still works");
        let much_later = Timestamp(150 * Timestamp::MICROS_PER_SECOND);
        assert_eq!(check(&secret, "287082", much_later), None);
        assert_eq!(check(&secret, "000000", at), None);
        assert_eq!(check(&secret, "abcdef", at), None);
        assert_eq!(check(&secret, "", at), None);
        assert_eq!(check("not base32 !", "287082", at), None);
    }

    #[test]
    fn enrolment_material_is_fresh_and_readable() {
        let (a, b) = (new_secret().unwrap_or_default(), new_secret().unwrap_or_default());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        let url = provisioning_url(&a, "claire", "Maison Élégance").unwrap_or_default();
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(url.contains(&a));
        let svg = qr_svg(&url).unwrap_or_default();
        assert!(svg.starts_with("<svg role=\"img\""));
        assert!(!svg.contains("<?xml") && !svg.contains("style="));
    }

    #[test]
    fn recovery_codes_are_distinct_and_hashed_loosely() {
        let codes = new_recovery_codes(10).unwrap_or_default();
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        assert_eq!(codes[0].len(), 11);
        assert_eq!(recovery_code_hash(&codes[0]), recovery_code_hash(&codes[0].to_uppercase().replace('-', "")));
        assert_ne!(recovery_code_hash(&codes[0]), recovery_code_hash(&codes[1]));
    }
}
