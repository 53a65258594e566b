//! Who may talk to the endpoint: local programs holding the token. Browsers are refused by their
//! `Origin` header (a web page must not drive the coach), and a `Host` other than loopback is
//! refused so DNS rebinding cannot reach it either.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::server::AppState;
use super::stats::Stats;
use super::token::same_token;

pub(crate) async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    if headers.contains_key(header::ORIGIN) {
        Stats::bump(&state.stats.refused_origin);
        return refuse(
            StatusCode::FORBIDDEN,
            "requests from a browser origin are refused",
        );
    }
    if !loopback_host(headers) {
        Stats::bump(&state.stats.refused_origin);
        return refuse(
            StatusCode::FORBIDDEN,
            "Host must be 127.0.0.1, localhost or [::1]",
        );
    }
    let given = bearer(headers).or_else(|| query_param(request.uri().query(), "token"));
    match given {
        Some(t) if same_token(t, &state.token) => next.run(request).await,
        Some(_) => {
            Stats::bump(&state.stats.refused_auth);
            refuse(StatusCode::UNAUTHORIZED, "wrong token")
        }
        None => {
            Stats::bump(&state.stats.refused_auth);
            refuse(
                StatusCode::UNAUTHORIZED,
                "token required: `Authorization: Bearer <token>` or `?token=<token>`",
            )
        }
    }
}

fn refuse(status: StatusCode, reason: &'static str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": reason }))).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

fn loopback_host(headers: &HeaderMap) -> bool {
    // HTTP/1.1 requires Host; a request without it did not come from a browser.
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return true;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    matches!(name, "127.0.0.1" | "localhost" | "::1")
}

/// A raw (not percent-decoded) query parameter; tokens are plain ASCII.
pub(crate) fn query_param<'a>(query: Option<&'a str>, key: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_query_and_host() {
        assert_eq!(query_param(Some("a=1&token=xyz"), "token"), Some("xyz"));
        assert_eq!(query_param(Some("tokenx=1"), "token"), None);
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8754"));
        assert!(loopback_host(&h));
        h.insert(header::HOST, HeaderValue::from_static("[::1]:8754"));
        assert!(loopback_host(&h));
        h.insert(header::HOST, HeaderValue::from_static("evil.example:8754"));
        assert!(!loopback_host(&h));
    }
}
