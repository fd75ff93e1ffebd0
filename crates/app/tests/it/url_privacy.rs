//! No secret and no personal data in a URL (issue #11): a URL is written down by servers,
//! proxies, browsers' histories and the payment provider, so none the shop serves or emits
//! carries an email, a name, a phone number, a token or a key in its path or query. Secrets
//! travel in a fragment (`#key=…`, never sent to a server) or in a body. Walks the route table
//! and every link of a full journey: payment URLs (demo and a fake Stripe), redirects, pages,
//! API answers and every email in the outbox. Also: order links expire after 30 days, and a
//! fresh one can be asked for without learning whether the order or the address exists.

use serde_json::{Value, json};

use crate::support::{Backend, TestApp, pick};

const NAME: &str = "Jeanne Walker";
const EMAIL: &str = "walker-canary-5e2b@example.test";
const PHONE: &str = "+33 6 98 76 54 32";
const ADMIN: &str = "an-admin-token-of-at-least-32-characters";

/// Query parameter names that say what they carry.
const TELLING_NAMES: [&str; 10] =
    ["key", "token", "email", "name", "phone", "code", "secret", "password", "session", "sig"];

fn contact() -> Value {
    json!({"name": NAME, "email": EMAIL, "phone": PHONE, "address_line1": "9 avenue Montaigne",
        "address_line2": "", "city": "Paris", "postcode": "75008", "country": "FR"})
}

/// Looks like a secret: a long run of letters and digits that is not an id (ids reveal nothing).
fn secret_like(text: &str) -> bool {
    let run = text.chars().filter(char::is_ascii_alphanumeric).count();
    run >= 20
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.=".contains(c))
        && text.chars().any(|c| c.is_ascii_digit())
        // An id in its hyphenated form (32 bare hex digits could be anything).
        && !(text.len() == 36 && uuid::Uuid::parse_str(text).is_ok())
}

fn personal(text: &str) -> bool {
    let lower = text.to_lowercase();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    lower.contains('@')
        || NAME.to_lowercase().split(' ').any(|part| lower.contains(part))
        || (digits.len() >= 6 && PHONE.chars().filter(char::is_ascii_digit).collect::<String>().contains(&digits))
}

/// What is wrong with one URL the shop at `shop` emitted (relative ones are on the shop).
fn offences(shop: &str, url: &str) -> Vec<String> {
    let base = reqwest::Url::parse(shop).unwrap_or_else(|e| panic!("{e}"));
    let Ok(parsed) = base.join(url) else { return vec![format!("{url}: not a URL")] };
    let mut found = Vec::new();
    for (name, value) in parsed.query_pairs() {
        let name = name.to_lowercase();
        if TELLING_NAMES.contains(&name.as_str()) || personal(&value) || (secret_like(&value) && name != "v") {
            found.push(format!("{url}: query {name}={value}"));
        }
    }
    if parsed.origin() != base.origin() {
        // The provider's own page: its path is the provider's; the query still holds nothing.
        return found;
    }
    let segments: Vec<String> = parsed.path_segments().into_iter().flatten().map(percent_decode).collect();
    for (i, segment) in segments.iter().enumerate() {
        let parent = if i == 0 { "" } else { segments[i - 1].as_str() };
        // Content-named files, and the two capabilities that must be a URL: the demo provider's
        // page (Stripe's carries its session id the same way; paying also takes the posted key)
        // and RFC 8058's one-click unsubscribe, which mail clients POST to as it is.
        let allowed = segments.first().is_some_and(|f| f == "static" || f == "media")
            || (parent == "demo" && segment.starts_with("demo_cs_"))
            || parent == "unsubscribe";
        if personal(segment) || (secret_like(segment) && !allowed) {
            found.push(format!("{url}: path segment {segment}"));
        }
    }
    found
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The links of a page or a message: `href`, `action` and `src` values and bare http(s) URLs.
fn links_in(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attribute in ["href=\"", "action=\"", "src=\""] {
        for rest in text.split(attribute).skip(1) {
            if let Some(value) = rest.split('"').next() {
                links.push(value.replace("&amp;", "&"));
            }
        }
    }
    for word in text.split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"') {
        if word.starts_with("http://") || word.starts_with("https://") {
            links.push(word.trim_end_matches(['.', ',', ')']).to_string());
        }
    }
    links.retain(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("mailto:") && !l.starts_with("data:"));
    links
}

struct Walk {
    shop: String,
    urls: Vec<(String, String)>,
}

impl Walk {
    fn new(app: &TestApp) -> Self {
        Self { shop: app.base.clone(), urls: Vec::new() }
    }

    fn saw(&mut self, source: &str, url: &str) {
        self.urls.push((source.to_string(), url.to_string()));
    }

    fn page(&mut self, source: &str, html: &str) {
        for link in links_in(html) {
            self.saw(source, &link);
        }
    }

    fn outbox(&mut self, app: &TestApp) {
        for raw in app.outbox() {
            let Some(mail) = luxevault_integrations::mail::testing::parse_email(raw.as_bytes()) else { continue };
            let source = format!("email {:?}", mail.subject);
            self.page(&source, &mail.text);
            self.page(&source, mail.html.as_deref().unwrap_or_default());
            for (name, value) in &mail.headers {
                if name.eq_ignore_ascii_case("list-unsubscribe") {
                    for url in value.split(',') {
                        self.saw(&source, url.trim().trim_matches(['<', '>']));
                    }
                }
            }
        }
    }

    /// No offence among the links walked, of which there are at least `at_least` (so a walk
    /// that lost its way does not pass by seeing nothing).
    fn assert_clean(&self, at_least: usize) {
        assert!(self.urls.len() >= at_least, "too few links walked: {:?}", self.urls);
        let bad: Vec<String> = self
            .urls
            .iter()
            .flat_map(|(source, url)| offences(&self.shop, url).into_iter().map(move |o| format!("{source}: {o}")))
            .collect();
        assert!(bad.is_empty(), "URLs carrying a secret or personal data:\n{}", bad.join("\n"));
    }
}

async fn text_of(response: reqwest::Response) -> String {
    response.text().await.unwrap_or_default()
}

/// The checker itself catches what it must (so a clean walk means something).
#[test]
fn the_checker_catches_secrets_and_personal_data() {
    const SHOP: &str = "https://shop.test/";
    for bad in [
        "/orders/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b?key=1795341600.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "/account/reset?token=0123456789abcdef0123456789abcdef",
        "/api/v1/privacy/requests/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/archive?t=0123456789abcdef0123456789abcdef",
        "https://shop.test/admin/customers?q=walker-canary-5e2b%40example.test",
        "/orders/by-email/walker-canary-5e2b@example.test",
        "/greet/jeanne",
        "/call/33698765432",
        "/open/0123456789abcdef0123456789abcdef01",
        "https://pay.example/c?session=abc",
    ] {
        assert!(!offences(SHOP, bad).is_empty(), "{bad} passes");
    }
    for good in [
        "/fr/orders/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b#key=1795341600.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "/products/escarpin-alma?currency=JPY&lang=fr",
        "/static/shop.css?v=0123456789abcdef0123",
        "https://checkout.stripe.test/pay/cs_test_0123456789abcdef0123456789",
    ] {
        assert!(offences(SHOP, good).is_empty(), "{good}: {:?}", offences(SHOP, good));
    }
}

/// Every route template names its values: ids, slugs, versions, files — and the two
/// capabilities that must be URLs (see `offences`). Never an email, a token or a key.
#[test]
fn no_route_takes_a_secret_or_personal_data_in_its_path() {
    let sources = [include_str!("../../../web/src/router.rs"), include_str!("../../../web/src/backoffice/mod.rs")];
    let mut names = std::collections::BTreeSet::new();
    for source in sources {
        for rest in source.split("{").skip(1) {
            let Some(name) = rest.split('}').next() else { continue };
            let name = name.trim_start_matches('*').trim_start_matches('{');
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                names.insert(name.to_string());
            }
        }
    }
    assert!(names.contains("id") && names.contains("slug"), "route values read: {names:?}");
    // `sku` names a catalog article, like `slug` a product: neither is about a person.
    let allowed = ["id", "slug", "sku", "version", "path", "whom", "session", "token", "prefix", "lang", "home"];
    let unexpected: Vec<_> = names.iter().filter(|n| !allowed.contains(&n.as_str())).collect();
    assert!(unexpected.is_empty(), "route values that may carry a secret or personal data: {unexpected:?}");
    // `token` is the one-click unsubscribe's alone (RFC 8058), `session` the demo payment page's.
    let router = sources[0];
    let token_routes: Vec<&str> = router.lines().filter(|l| l.contains("{token}")).collect();
    assert!(token_routes.iter().all(|l| l.contains("\"/unsubscribe/{token}\"")), "{token_routes:?}");
    let session_routes: Vec<&str> = router.lines().filter(|l| l.contains("{session}")).collect();
    assert!(session_routes.iter().all(|l| l.contains("\"/checkout/demo/{session}\"")), "{session_routes:?}");
}

async fn place(app: &TestApp, idempotency: &str, token: Option<&str>) -> Value {
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 2);
    let mut request = app
        .client
        .post(app.url("/api/v1/orders"))
        .header("Idempotency-Key", idempotency)
        .json(&json!({"currency": "EUR", "lines": [{"sku": variant.sku, "quantity": 1}], "contact": contact()}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.unwrap_or(Value::Null)
}

/// Pays a demo order as the browser does: the key from the fragment, posted with the payment.
async fn pay_demo(app: &TestApp, walk: &mut Walk, placed: &Value) -> String {
    let redirect = placed["payment"]["redirect_url"].as_str().unwrap_or_default().to_string();
    walk.saw("place order: redirect_url", &redirect);
    let (page, key) =
        redirect.split_once("#key=").unwrap_or_else(|| panic!("the key rides in the fragment: {redirect}"));
    walk.page("demo payment page", &text_of(app.get(page).await).await);
    let paid = app.client.post(app.url(page)).form(&[("key", key)]).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(paid.status().as_u16(), 303);
    let location = paid.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_string();
    walk.saw("demo payment: redirect", &location);
    location
}

async fn every_link_the_shop_emits_is_free_of_secrets_and_personal_data(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    let mut walk = Walk::new(&app);
    for page in ["/", "/fr/", "/cart", "/checkout", "/account", "/account/reset", "/privacy", "/privacy/centre"] {
        walk.page(page, &text_of(app.get(page).await).await);
    }

    // A customer with marketing consent; a signed-in order paid on the demo page.
    let body =
        json!({"username": "walker", "email": EMAIL, "password": "a long enough passphrase", "marketing_opt_in": true});
    let (status, account) = app.post_json("/api/v1/account/register", &body).await;
    assert_eq!(status, 201, "{account}");
    let token = account["token"].as_str().unwrap_or_default().to_string();
    let placed = place(&app, "url-walk-order-0001", Some(&token)).await;
    let location = pay_demo(&app, &mut walk, &placed).await;
    let (page, key) = location.split_once("#key=").unwrap_or_else(|| panic!("{location}"));
    let neutral = text_of(app.get(page).await).await;
    assert!(!neutral.contains(EMAIL) && !neutral.contains("Walker"), "the address alone shows nothing personal");
    walk.page("order page without key", &neutral);
    let opened =
        text_of(app.client.post(app.url(page)).form(&[("key", key)]).send().await.unwrap_or_else(|e| panic!("{e}")))
            .await;
    assert!(opened.contains(EMAIL), "the posted key opens the order");
    walk.page("order page", &opened);
    app.run_jobs().await;

    // A password reset, a fresh order link, a guest's access request, a marketing campaign.
    app.post_json("/api/v1/account/password-reset", &json!({"email": EMAIL})).await;
    let order_id = placed["order"]["id"].as_str().unwrap_or_default();
    app.post_json(&format!("/api/v1/orders/{order_id}/link"), &json!({"email": EMAIL})).await;
    let (status, started) =
        app.post_json("/api/v1/privacy/requests", &json!({"kind": "access", "email": EMAIL, "lang": "en"})).await;
    assert_eq!(status, 202, "{started}");
    let (status, _) = crate::restriction::call(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/marketing/campaigns",
        ADMIN,
        Some(json!({"subject": "Les soieries", "body": "Les nouvelles pièces vous attendent."})),
    )
    .await;
    assert_eq!(status, 201);
    app.run_jobs().await;
    let code_mail = app.outbox().into_iter().rev().find(|m| m.contains("Your code:")).unwrap_or_default();
    let code =
        code_mail.lines().find_map(|l| l.strip_prefix("Subject: Your code: ")).unwrap_or_default().trim().to_string();
    let request_id = started["request_id"].as_str().unwrap_or_default();
    let (status, ready) =
        app.post_json(&format!("/api/v1/privacy/requests/{request_id}/verify"), &json!({"code": code})).await;
    assert_eq!((status, ready["status"].as_str()), (200, Some("ready")), "{ready}");
    walk.saw("access request: download_url", ready["download_url"].as_str().unwrap_or_default());
    walk.outbox(&app);
    let subjects = app.outbox().len();
    assert!(subjects >= 6, "welcome, confirmation, payment, reset, order link, code, marketing: {subjects}");
    walk.assert_clean(40);
    app.stop().await;
}

async fn stripe_gets_no_key_and_no_personal_data_in_its_urls(backend: Backend) {
    use luxevault_integrations::payments::stripe::fake::{FakeConfig, FakeStripe};
    let fake = FakeStripe::start(FakeConfig {
        secret_key: "sk_test_luxevault_fake".into(),
        webhook_secret: "whsec_luxevault_fake".into(),
        webhook_url: None,
    })
    .await
    .unwrap_or_else(|e| panic!("fake Stripe: {e}"));
    let base = fake.base_url().to_string();
    let app = TestApp::spawn_with(backend, |config| {
        config.stripe_secret_key = luxevault::config::Secret::new("sk_test_luxevault_fake");
        config.stripe_webhook_secret = luxevault::config::Secret::new("whsec_luxevault_fake");
        config.stripe_api_base = base;
    })
    .await;
    fake.set_webhook_url(Some(app.url("/webhooks/stripe")));
    fake.set_signing_time(Some(crate::support::TEST_NOW.as_micros() / 1_000_000));
    let mut walk = Walk::new(&app);
    let placed = place(&app, "url-walk-stripe-0001", None).await;
    let redirect = placed["payment"]["redirect_url"].as_str().unwrap_or_default().to_string();
    walk.saw("place order: Stripe's page", &redirect);
    let create = fake.requests().into_iter().find(|r| r.path == "/v1/checkout/sessions");
    let create = create.unwrap_or_else(|| panic!("a checkout session was created"));
    for (name, value) in &create.params {
        if name.ends_with("_url") {
            walk.saw(&format!("given to Stripe: {name}"), value);
        }
    }
    let success = create.params.iter().find(|(n, _)| n == "success_url").map(|(_, v)| v.clone()).unwrap_or_default();
    assert!(!success.contains('#') && !success.contains('?'), "no key at all at the provider: {success}");
    let session = redirect.rsplit('/').next().unwrap_or_default().to_string();
    let back = fake.pay(&session).await.unwrap_or_else(|e| panic!("pay: {e}"));
    walk.saw("Stripe: back to the shop", &back);
    let page = text_of(app.get(&back.replace(&app.base, "")).await).await;
    assert!(!page.contains(EMAIL) && !page.contains("Walker"), "the success page is neutral");
    walk.page("success page", &page);
    app.run_jobs().await;
    walk.outbox(&app);
    walk.assert_clean(10);
    app.stop().await;
}

/// The key of the newest email's order link.
fn newest_link_key(app: &TestApp) -> String {
    let mails: Vec<String> = app.outbox();
    let text = mails
        .iter()
        .rev()
        .filter_map(|raw| luxevault_integrations::mail::testing::parse_email(raw.as_bytes()))
        .find_map(|m| {
            m.text.split("#key=").nth(1).map(|k| k.split_whitespace().next().unwrap_or_default().to_string())
        });
    text.unwrap_or_else(|| panic!("no order link in the outbox"))
}

async fn order_links_expire_after_30_days_and_a_fresh_one_can_be_asked_for(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut walk = Walk::new(&app);
    let placed = place(&app, "url-walk-expiry-0001", None).await;
    pay_demo(&app, &mut walk, &placed).await;
    app.run_jobs().await;
    let order_id = placed["order"]["id"].as_str().unwrap_or_default().to_string();
    let key = newest_link_key(&app);
    let (status, _) = crate::checkout::order_with_key(&app, &order_id, &key).await;
    assert_eq!(status, 200, "the emailed link opens the order");

    app.clock.advance_days(29);
    assert_eq!(crate::checkout::order_with_key(&app, &order_id, &key).await.0, 200, "day 29: still open");
    app.clock.advance_days(2);
    let (status, answer) = crate::checkout::order_with_key(&app, &order_id, &key).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("link_expired")), "{answer}");
    // The page says so, shows nothing of the order and offers a fresh link.
    let page_path = format!("/orders/{order_id}");
    let expired = app.client.post(app.url(&page_path)).form(&[("key", key.as_str())]).send().await;
    let expired = text_of(expired.unwrap_or_else(|e| panic!("{e}"))).await;
    assert!(expired.contains("order-fresh-link") && !expired.contains(EMAIL), "{expired}");
    // A link mailed before keys moved to the fragment (`?key=`) is not trusted with the order.
    let legacy = text_of(app.get(&format!("{page_path}?key={}", "a".repeat(64))).await).await;
    assert!(legacy.contains("order-fresh-link") && !legacy.contains(EMAIL), "{legacy}");
    // A link with its expiry moved is no key at all.
    let (_, mac) = key.split_once('.').unwrap_or_default();
    assert_eq!(crate::checkout::order_with_key(&app, &order_id, &format!("9999999999.{mac}")).await.0, 404);

    // Asking again: the same answer for a wrong address, an unknown order and the right address.
    let before = app.outbox().len();
    let ask = |id: String, email: &'static str| {
        let request = app.client.post(app.url(&format!("/orders/{id}/link"))).form(&[("email", email)]);
        async move { text_of(request.send().await.unwrap_or_else(|e| panic!("{e}"))).await }
    };
    let wrong = ask(order_id.clone(), "someone-else@example.test").await;
    let unknown_id = uuid::Uuid::now_v7().to_string();
    let unknown = ask(unknown_id.clone(), "walker-canary-5e2b@example.test").await;
    let right = ask(order_id.clone(), "Walker-Canary-5E2B@example.test").await;
    let neutral = |page: &str, id: &str| page.replace(id, "[id]");
    assert_eq!(neutral(&wrong, &order_id), neutral(&right, &order_id), "a wrong address is not told apart");
    assert_eq!(neutral(&unknown, &unknown_id), neutral(&right, &order_id), "an unknown order is not told apart");
    let (status, api_unknown) =
        app.post_json(&format!("/api/v1/orders/{unknown_id}/link"), &json!({"email": EMAIL})).await;
    let (status_known, api_known) =
        app.post_json(&format!("/api/v1/orders/{order_id}/link"), &json!({"email": "nobody@example.test"})).await;
    assert_eq!((status, &api_unknown), (status_known, &api_known));
    assert_eq!(status, 202);
    app.run_jobs().await;
    let sent: Vec<String> = app.outbox().into_iter().skip(before).collect();
    assert_eq!(sent.len(), 1, "one fresh link, to the order's own address");
    assert!(sent[0].contains(EMAIL));
    let fresh = newest_link_key(&app);
    assert_ne!(fresh, key);
    assert_eq!(crate::checkout::order_with_key(&app, &order_id, &fresh).await.0, 200, "the fresh link opens it");
    walk.outbox(&app);
    walk.assert_clean(5);
    app.stop().await;
}

backend_tests!(
    every_link_the_shop_emits_is_free_of_secrets_and_personal_data,
    stripe_gets_no_key_and_no_personal_data_in_its_urls,
    order_links_expire_after_30_days_and_a_fresh_one_can_be_asked_for,
);
