//! What a checkout may collect — exactly the order data the privacy policy lists (P2): name,
//! email, phone, shipping address, postcode, country. Nothing else is accepted.

use serde::Serialize;

use crate::pii::{Email, Pii};

/// A field that failed, with a stable code the storefront translates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
}

/// The contact and shipping details of an order, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderContact {
    pub name: Pii<String>,
    pub email: Email,
    pub phone: Pii<String>,
    pub address_line1: Pii<String>,
    pub address_line2: Pii<String>,
    pub city: Pii<String>,
    pub postcode: Pii<String>,
    /// ISO 3166-1 alpha-2, uppercase.
    pub country: String,
}

/// The fields as typed by the customer.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub name: Pii<String>,
    pub email: Pii<String>,
    pub phone: Pii<String>,
    pub address_line1: Pii<String>,
    #[serde(default)]
    pub address_line2: Pii<String>,
    pub city: Pii<String>,
    pub postcode: Pii<String>,
    pub country: String,
}

fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text_field(value: &str, field: &'static str, max: usize, required: bool, errors: &mut Vec<FieldError>) -> String {
    let value = clean(value);
    if required && value.is_empty() {
        errors.push(FieldError { field, code: "required" });
    } else if value.chars().count() > max {
        errors.push(FieldError { field, code: "too_long" });
    } else if value.chars().any(char::is_control) {
        errors.push(FieldError { field, code: "invalid" });
    } else if crate::sensitive::has_card_number(&value) {
        // P4, M11: a card number typed into an address is refused, never stored.
        errors.push(FieldError { field, code: "card_number" });
    }
    value
}

impl ContactInput {
    pub fn validate(&self) -> Result<OrderContact, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = text_field(self.name.expose(), "name", 120, true, &mut errors);
        let email = match Email::parse(self.email.expose()) {
            Ok(email) => Some(email),
            Err(_) => {
                errors.push(FieldError { field: "email", code: "invalid" });
                None
            }
        };
        let phone = clean(self.phone.expose());
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let phone_ok = phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) && (6..=20).contains(&digits);
        if !phone_ok {
            errors.push(FieldError { field: "phone", code: "invalid" });
        } else if crate::sensitive::has_card_number(&phone) {
            // A card number typed here is refused; a number after a `+` is a phone number.
            errors.push(FieldError { field: "phone", code: "card_number" });
        }
        let address_line1 = text_field(self.address_line1.expose(), "address_line1", 200, true, &mut errors);
        let address_line2 = text_field(self.address_line2.expose(), "address_line2", 200, false, &mut errors);
        let city = text_field(self.city.expose(), "city", 100, true, &mut errors);
        let postcode = clean(self.postcode.expose()).to_uppercase();
        if postcode.is_empty()
            || postcode.len() > 12
            || !postcode.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            errors.push(FieldError { field: "postcode", code: "invalid" });
        }
        let country = self.country.trim().to_ascii_uppercase();
        if !is_country(&country) {
            errors.push(FieldError { field: "country", code: "invalid" });
        }
        match email {
            Some(email) if errors.is_empty() => Ok(OrderContact {
                name: Pii::new(name),
                email,
                phone: Pii::new(phone),
                address_line1: Pii::new(address_line1),
                address_line2: Pii::new(address_line2),
                city: Pii::new(city),
                postcode: Pii::new(postcode),
                country,
            }),
            _ => Err(errors),
        }
    }
}

/// A phone number as orders are matched by it: digits with the leading `+`, without the spaces,
/// dashes, dots and brackets people write between them (`+33 6 12-34.56 (78)` → `+33612345678`).
/// Storage matches the same key in SQL (the separators removed with `REPLACE`), so a number given
/// in a privacy request finds the orders placed with it on both databases. `None` when what is
/// left is not 6 to 20 digits after an optional `+`.
pub fn phone_key(text: &str) -> Option<String> {
    let key: String = text.chars().filter(|c| !(c.is_whitespace() || "-.()".contains(*c))).collect();
    let digits = key.strip_prefix('+').unwrap_or(&key);
    (digits.chars().all(|c| c.is_ascii_digit()) && (6..=20).contains(&digits.len())).then_some(key)
}

/// ISO 3166-1 alpha-2 codes of countries and territories a parcel can be sent to.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS \
BT BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM \
FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE \
KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV \
MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC \
SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA \
VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

pub fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split_whitespace().any(|c| c == code)
}

pub fn countries() -> impl Iterator<Item = &'static str> {
    COUNTRIES.split_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ContactInput {
        ContactInput {
            name: Pii::new("  Jeanne   Dupont ".into()),
            email: Pii::new("jeanne@example.fr".into()),
            phone: Pii::new("+33 6 12 34 56 78".into()),
            address_line1: Pii::new("12 rue du Faubourg".into()),
            address_line2: Pii::new(String::new()),
            city: Pii::new("Paris".into()),
            postcode: Pii::new("75008".into()),
            country: "fr".into(),
        }
    }

    #[test]
    fn a_complete_form_is_accepted_and_tidied() {
        let contact = input().validate().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(contact.name.expose(), "Jeanne Dupont");
        assert_eq!(contact.country, "FR");
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut bad = input();
        bad.email = Pii::new("nope".into());
        bad.phone = Pii::new("12".into());
        bad.city = Pii::new(" ".into());
        bad.country = "XX".into();
        bad.postcode = Pii::new("75008<".into());
        let errors = bad.validate().err().unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["email", "phone", "city", "postcode", "country"]);
    }

    #[test]
    fn no_other_field_is_accepted() {
        let json = r#"{"name":"a","email":"a@b.co","phone":"123456","address_line1":"x","city":"y","postcode":"1","country":"FR","birthday":"1990-01-01"}"#;
        assert!(serde_json::from_str::<ContactInput>(json).is_err(), "P2: fields beyond the policy's list are refused");
    }

    #[test]
    fn a_card_number_in_an_address_is_refused() {
        let mut typed = input();
        typed.address_line2 = Pii::new("card 4111 1111 1111 1111".into());
        typed.phone = Pii::new("3782 822463 10005".into());
        let errors = typed.validate().err().unwrap_or_default();
        assert_eq!(
            errors,
            vec![
                FieldError { field: "phone", code: "card_number" },
                FieldError { field: "address_line2", code: "card_number" }
            ]
        );
    }

    #[test]
    fn phone_keys_keep_digits_and_the_leading_plus() {
        assert_eq!(phone_key("+33 6 12-34.56 (78)").as_deref(), Some("+33612345678"));
        assert_eq!(phone_key(" 06 12 34 56 78 ").as_deref(), Some("0612345678"));
        assert_eq!(phone_key("+33 6 98 76 54 32"), phone_key("+33698765432"));
        assert_eq!(phone_key("someone@example.test"), None);
        assert_eq!(phone_key("12 34"), None);
        assert_eq!(phone_key("33+6123456"), None);
    }

    #[test]
    fn international_phone_numbers_are_not_taken_for_cards() {
        let mut typed = input();
        typed.phone = Pii::new("+49 1512 3456787".into());
        assert!(typed.validate().is_ok(), "a German mobile number passes the Luhn check but is a phone");
    }

    #[test]
    fn debug_of_the_contact_shows_no_personal_data() {
        let contact = input().validate().unwrap_or_else(|e| panic!("{e:?}"));
        let shown = format!("{contact:?}");
        assert!(!shown.contains("Jeanne") && !shown.contains("jeanne@") && !shown.contains("Faubourg"), "{shown}");
    }

    #[test]
    fn countries_are_iso() {
        assert!(is_country("FR") && is_country("JP") && !is_country("EU") && !is_country("fr"));
        assert!(countries().count() > 240);
    }
}
