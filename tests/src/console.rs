//! The web console as a browser's script drives it, over a real socket: sign-in with its
//! CSRF cookie, the CSRF token of a page, a form posted with the session, the till's
//! actions.

use kkm_daemon::client::{HttpClient, HttpResponse};

/// The value a `Set-Cookie` header gives `name`, and the whole header.
pub fn set_cookie<'a>(r: &'a HttpResponse, name: &str) -> Option<(&'a str, &'a str)> {
    r.headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.as_str())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let value = v[name.len() + 1..].split(';').next().unwrap_or("");
            (value, v)
        })
}

/// The body as text.
pub fn text(r: &HttpResponse) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// Signs in with `pin`: the answer and the session cookie (`None` when refused).
pub async fn sign_in(
    c: &mut HttpClient,
    pin: &str,
) -> anyhow::Result<(HttpResponse, Option<String>)> {
    let form = c.get("/console/signin", None).await?;
    let (pre, _) = set_cookie(&form, "kkm_pre").ok_or_else(|| anyhow::anyhow!("no kkm_pre"))?;
    let pre = pre.to_owned();
    let body = format!("csrf={pre}&next=%2Fconsole%2F&access_pin={pin}");
    let cookie = format!("kkm_pre={pre}");
    let r = c
        .request(
            "POST",
            "/console/signin",
            &[
                ("Cookie", &cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body.as_bytes(),
        )
        .await?;
    let session = set_cookie(&r, "kkm_session").map(|(v, _)| format!("kkm_session={v}"));
    Ok((r, session))
}

/// The CSRF token in a console page's form.
pub fn csrf_of_page(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// An action of the till of KKM `kkm` as its script posts it.
pub async fn till_post(
    c: &mut HttpClient,
    kkm: u32,
    cookie: &str,
    body: &str,
) -> anyhow::Result<HttpResponse> {
    c.request(
        "POST",
        &format!("/console/cashier/{kkm}"),
        &[
            ("Cookie", cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Till", "1"),
        ],
        body.as_bytes(),
    )
    .await
}
