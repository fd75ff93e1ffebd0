//! Rules for customer accounts (P3: username, email, a one-way password hash — never the
//! password). The bar is OWASP ASVS 5.0 V6 level 2: length over composition, a list of common
//! passwords refused, no truncation, no forced periodic change.

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("the password must have at least 12 characters")]
    TooShort,
    #[error("the password must have at most 128 characters")]
    TooLong,
    #[error("this password is too common")]
    Common,
    #[error("the password must not contain the username or email")]
    ContainsIdentity,
}

/// Checks a new password. Spaces and any Unicode are allowed; passphrases are welcome.
pub fn check_password(password: &str, identities: &[&str]) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    if COMMON.iter().any(|c| lower == *c) || lower.chars().all(|c| lower.starts_with(c)) {
        return Err(PasswordProblem::Common);
    }
    for identity in identities {
        let identity = identity.to_lowercase();
        let local = identity.split('@').next().unwrap_or_default();
        if local.chars().count() >= 4 && lower.contains(local) {
            return Err(PasswordProblem::ContainsIdentity);
        }
    }
    Ok(())
}

/// Common passwords of 12 characters or more (from public breach corpora's top lists).
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678910",
    "qwertyuiopas",
    "qwerty123456",
    "password1234",
    "password12345",
    "passwordpassword",
    "iloveyou1234",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "qazwsxedcrfv",
    "abcdefghijkl",
    "abc123abc123",
    "aaaaaaaaaaaa",
    "letmeinletmein",
    "welcome12345",
    "administrator",
    "changemeplease",
    "motdepasse123",
    "azertyuiop12",
    "azertyuiopqs",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "trustno1trustno1",
];

/// Usernames: 3–32 letters, digits, `.`, `_` or `-`; compared case-insensitively.
pub fn is_valid_username(username: &str) -> bool {
    (3..=32).contains(&username.chars().count())
        && username.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        assert_eq!(check_password("short", &[]), Err(PasswordProblem::TooShort));
        assert_eq!(check_password(&"x".repeat(129), &[]), Err(PasswordProblem::TooLong));
        assert_eq!(check_password("Password1234", &[]), Err(PasswordProblem::Common));
        assert_eq!(check_password("zzzzzzzzzzzzzz", &[]), Err(PasswordProblem::Common));
        assert_eq!(
            check_password("jeanne-dupont-1990", &["jeanne-dupont@example.fr"]),
            Err(PasswordProblem::ContainsIdentity)
        );
        assert_eq!(check_password("la soie du matin, à Paris", &["jeanne"]), Ok(()));
        assert_eq!(check_password("élégance éternelle", &[]), Ok(()));
    }

    #[test]
    fn usernames() {
        assert!(is_valid_username("jeanne.d"));
        assert!(is_valid_username("Élodie_75"));
        assert!(!is_valid_username("ab"));
        assert!(!is_valid_username("a b c"));
        assert!(!is_valid_username("<script>"));
    }
}
