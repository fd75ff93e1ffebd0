//! Templates: the minijinja environment with the theme's templates compiled in.

use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "assets/templates/"]
struct TemplateFiles;

pub struct Views {
    env: Environment<'static>,
}

impl Views {
    /// Loads every template and fails on the first that does not parse, naming it and the line.
    pub fn load() -> Result<Self, String> {
        let mut env = Environment::new();
        // A value the template expects but the code forgot is a bug to see, not a blank.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for name in TemplateFiles::iter() {
            let file = TemplateFiles::get(&name).ok_or_else(|| format!("template {name} vanished"))?;
            let source =
                String::from_utf8(file.data.into_owned()).map_err(|_| format!("template {name} is not UTF-8"))?;
            env.add_template_owned(name.to_string(), source).map_err(|e| format!("template {name}: {e:#}"))?;
        }
        Ok(Self { env })
    }

    pub fn render(&self, name: &str, context: &serde_json::Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(minijinja::Value::from(Serde(context)))
    }
}
