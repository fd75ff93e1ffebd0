//! Countries by name in the reader's language, from Unicode's CLDR data compiled into the
//! binary (ICU4X): a shopper reads "Royaume-Uni", never "GB"; the code stays what is stored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use icu_experimental::displaynames::{DisplayNamesOptions, RegionDisplayNames};
use icu_locale_core::Locale;
use icu_locale_core::subtags::Region;

use crate::checkout::countries;
use crate::lang::Lang;

/// Every country of the checkout named in one language, sorted as a reader of it expects.
#[derive(Debug)]
pub struct CountryNames {
    names: HashMap<&'static str, String>,
    sorted: Vec<(&'static str, String)>,
}

impl CountryNames {
    /// The names in `lang`; a language without data falls back to English, then to the code.
    pub fn of(lang: &Lang) -> Arc<CountryNames> {
        static BY_LANG: OnceLock<Mutex<HashMap<String, Arc<CountryNames>>>> = OnceLock::new();
        let cache = BY_LANG.get_or_init(|| Mutex::new(HashMap::new()));
        let mut cache = match cache.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        cache.entry(lang.as_str().to_string()).or_insert_with(|| Arc::new(Self::load(lang.as_str()))).clone()
    }

    fn load(lang: &str) -> CountryNames {
        let display = |code: &str| {
            let locale: Locale = code.parse().ok()?;
            RegionDisplayNames::try_new(locale.into(), DisplayNamesOptions::default()).ok()
        };
        let display = display(lang).or_else(|| display("en"));
        let names: HashMap<&'static str, String> = countries()
            .map(|code| {
                let name = display
                    .as_ref()
                    .and_then(|d| code.parse::<Region>().ok().and_then(|r| d.of(r)))
                    .map_or_else(|| code.to_string(), str::to_string);
                (code, name)
            })
            .collect();
        let mut sorted: Vec<(&'static str, String)> = names.iter().map(|(c, n)| (*c, n.clone())).collect();
        sorted.sort_by_cached_key(|(code, name)| (sort_key(name), *code));
        CountryNames { names, sorted }
    }

    /// The country's name; the code itself when it is no country of the list.
    pub fn name<'a>(&'a self, code: &'a str) -> &'a str {
        self.names.get(code).map_or(code, String::as_str)
    }

    /// (code, name) of every country, in alphabetical order of the name.
    pub fn sorted(&self) -> &[(&'static str, String)] {
        &self.sorted
    }
}

/// The name of the country `code` in `lang` (the code when unknown).
pub fn country_name(lang: &Lang, code: &str) -> String {
    CountryNames::of(lang).name(code).to_string()
}

/// A key that sorts "États-Unis" among the E and "Åland" among the A: letters without their
/// accents, lowercased. (A full collator would be exact for every language; the shop's lists
/// are country names, where this is what readers expect.)
fn sort_key(name: &str) -> String {
    let decomposed = icu_normalizer::DecomposingNormalizerBorrowed::new_nfd().normalize(name);
    decomposed.chars().filter(|c| !('\u{300}'..='\u{36f}').contains(c)).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(code: &str) -> Lang {
        Lang::parse(code).unwrap_or_else(|| panic!("{code}"))
    }

    #[test]
    fn names_are_in_the_readers_language() {
        assert_eq!(country_name(&lang("fr"), "GB"), "Royaume-Uni");
        assert_eq!(country_name(&lang("en"), "GB"), "United Kingdom");
        assert_eq!(country_name(&lang("fr"), "US"), "États-Unis");
        assert_eq!(country_name(&lang("en"), "CH"), "Switzerland");
        assert_eq!(country_name(&lang("fr"), "ZZ"), "ZZ", "not a country: the code");
        // A language without data falls back to English.
        assert_eq!(country_name(&lang("xq"), "DE"), "Germany");
    }

    #[test]
    fn every_country_has_a_name_and_the_list_is_alphabetical() {
        for l in ["en", "fr"] {
            let names = CountryNames::of(&lang(l));
            assert_eq!(names.sorted().len(), countries().count());
            for (code, name) in names.sorted() {
                assert_ne!(name, code, "{l}: {code} has a name");
            }
        }
        let fr = CountryNames::of(&lang("fr"));
        let position = |code: &str| fr.sorted().iter().position(|(c, _)| *c == code).unwrap_or(usize::MAX);
        // "Espagne" < "Estonie" < "États-Unis" < "Éthiopie" < "Fidji": accents do not send É to the end.
        assert!(position("ES") < position("US") && position("US") < position("FJ"));
        assert!(position("AL") < position("DE"), "Albanie before Allemagne");
    }
}
