//! A staff member's browser, for back-office tests: signs in through the real pages (password,
//! TOTP enrolment or code), keeps the `__Host-` cookie by hand (reqwest would refuse a Secure
//! cookie over plain http, as it should), and sends forms with the page's CSRF token.

use luxevault_core::Pii;
use luxevault_core::staff::Role;
use uuid::Uuid;

use crate::support::TestApp;

pub const STAFF_PASSWORD: &str = "une longue phrase de passe";

pub struct StaffBrowser<'a> {
    pub app: &'a TestApp,
    pub id: Uuid,
    pub username: String,
    pub cookie: String,
    pub totp_secret: String,
    pub recovery_codes: Vec<String>,
}

/// The value of `name="csrf" value="…"` on a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    html.find(marker)
        .map(|i| html[i + marker.len()..].split('"').next().unwrap_or_default().to_string())
        .unwrap_or_default()
}

/// The session cookie a response sets, as `name=value`.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-lv_staff="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

impl TestApp {
    /// Creates a member with `role` the way `luxevault staff create` does.
    pub async fn create_staff(&self, username: &str, role: Role) -> Uuid {
        let by = luxevault_shop::staff::members::Actor { actor: "cli", client: "local" };
        luxevault_shop::staff::members::create(
            &self.db,
            &self.clock,
            self.shop.hashers(),
            by,
            &luxevault_shop::staff::members::NewMember { email: "", username, display_name: username },
            role,
            Pii::new(STAFF_PASSWORD.to_string()),
        )
        .await
        .unwrap_or_else(|e| panic!("create staff: {e}"))
    }

    /// POSTs a form, with an optional cookie, not following redirects.
    pub async fn post_form(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).form(form);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// A new member with `role`, signed in with both factors (enrolling their authenticator).
    pub async fn staff(&self, username: &str, role: Role) -> StaffBrowser<'_> {
        let id = self.create_staff(username, role).await;
        let response =
            self.post_form("/admin/login", None, &[("username", username), ("password", STAFF_PASSWORD)]).await;
        assert_eq!(response.status(), 303, "password accepted");
        assert_eq!(response.headers().get("location").and_then(|v| v.to_str().ok()), Some("/admin/enrol"));
        let cookie = session_cookie(&response).unwrap_or_else(|| panic!("no session cookie"));
        let page = self.get_with_cookie("/admin/enrol", &cookie).await.text().await.unwrap_or_default();
        let secret = page
            .split("data-testid=\"totp-secret\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .map(|s| s.replace(' ', ""))
            .unwrap_or_else(|| panic!("no secret on the enrolment page"));
        let code = luxevault_shop::staff::second_factor::code_at(&secret, self.clock.now_ts()).unwrap_or_default();
        let csrf = csrf_of(&page);
        let response = self.post_form("/admin/enrol", Some(&cookie), &[("csrf", &csrf), ("code", &code)]).await;
        assert_eq!(response.status(), 200, "enrolment confirmed");
        let full = session_cookie(&response).unwrap_or_else(|| panic!("no full session cookie"));
        let page = response.text().await.unwrap_or_default();
        let recovery_codes: Vec<String> =
            page.split("<li><code>").skip(1).filter_map(|s| s.split("</code>").next()).map(str::to_string).collect();
        assert_eq!(recovery_codes.len(), 10, "recovery codes shown once");
        StaffBrowser {
            app: self,
            id,
            username: username.to_string(),
            cookie: full,
            totp_secret: secret,
            recovery_codes,
        }
    }
}

impl StaffBrowser<'_> {
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self.app.get_with_cookie(path, &self.cookie).await;
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// Opens `page` for its CSRF token, then posts `form` to `path` with it.
    pub async fn submit(&self, page: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let (_, html) = self.get(page).await;
        let csrf = csrf_of(&html);
        let mut fields: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        self.app.post_form(path, Some(&self.cookie), &fields).await
    }
}

/// The clock as a `Timestamp` (ManualClock implements `Clock`).
pub trait NowTs {
    fn now_ts(&self) -> luxevault_core::Timestamp;
}

impl NowTs for luxevault_core::ManualClock {
    fn now_ts(&self) -> luxevault_core::Timestamp {
        luxevault_core::Clock::now(self)
    }
}
