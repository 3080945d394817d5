//! `POST /auth/v1/token` (OAuth2 client credentials, with the EdDSA JWT
//! client assertion or the plain client secret; or an RFC 8693 token
//! exchange of a workload identity token, as HCP Terraform runs do), bearer
//! checks, introspection.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use serde_json::{json, Value};

use super::{code, ok, status_error, ApiResult};
use crate::{now_secs, Sandbox};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";
/// ConductorOne wants assertions to expire within five minutes.
const MAX_ASSERTION_LIFETIME: u64 = 300;
/// Clock skew we tolerate on `nbf`.
const SKEW: u64 = 5;

fn unauthenticated(message: &str) -> Response {
    status_error(code::UNAUTHENTICATED, message)
}

pub async fn token(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/x-www-form-urlencoded") {
        return Err(super::invalid(
            "the token endpoint takes an application/x-www-form-urlencoded body",
        ));
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("grant_type") == TOKEN_EXCHANGE {
        let host = request_host(&headers);
        exchange(
            &sb,
            get("client_id"),
            get("subject_token"),
            get("subject_token_type"),
            host,
        )?;
        return Ok(issue(&sb, false));
    }
    if get("grant_type") != "client_credentials" {
        return Err(super::invalid(&format!(
            "unsupported grant_type {:?}; use client_credentials or {TOKEN_EXCHANGE}",
            get("grant_type")
        )));
    }
    let client_id = get("client_id");
    if client_id.is_empty() {
        return Err(super::invalid("client_id is required"));
    }
    let c = &sb.creds;
    let (public, secret, readonly) = if client_id == c.client_id {
        (&c.ed25519_public, &c.client_secret, false)
    } else if client_id == c.readonly_client_id {
        (&c.readonly_ed25519_public, &c.readonly_client_secret, true)
    } else {
        return Err(unauthenticated("unknown client_id"));
    };
    if !get("client_assertion").is_empty() {
        if get("client_assertion_type") != JWT_BEARER {
            return Err(super::invalid(&format!(
                "client_assertion_type must be {JWT_BEARER}"
            )));
        }
        let host = request_host(&headers);
        verify_assertion(get("client_assertion"), public, client_id, host, now_secs())
            .map_err(|e| unauthenticated(&format!("invalid client assertion: {e}")))?;
    } else if !get("client_secret").is_empty() {
        if get("client_secret") != secret {
            return Err(unauthenticated("invalid client_secret"));
        }
    } else {
        return Err(unauthenticated(
            "send client_assertion (EdDSA JWT) or client_secret",
        ));
    }
    Ok(issue(&sb, readonly))
}

/// The request's host without its port.
fn request_host(headers: &HeaderMap) -> &str {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    })
}

/// A new access token (of the read-only client when `readonly`).
fn issue(sb: &Sandbox, readonly: bool) -> Response {
    let access_token = format!("c1sbx_{}", sb.ids.base62(40));
    let ttl = sb.config.token_ttl;
    {
        let mut d = sb.data();
        let now = now_secs();
        d.access_tokens.retain(|_, exp| *exp > now);
        let live = d.access_tokens.clone();
        d.readonly_tokens.retain(|t| live.contains_key(t));
        d.access_tokens.insert(access_token.clone(), now + ttl);
        if readonly {
            d.readonly_tokens.insert(access_token.clone());
        }
        sb.save(&d);
    }
    axum::response::IntoResponse::into_response(axum::Json(
        json!({ "access_token": access_token, "token_type": "Bearer", "expires_in": ttl }),
    ))
}

/// Checks a token exchange for the sandbox's workload federation client:
/// the subject token must be a JWT for this tenant (`aud` = this host, or
/// the tenant's domain) that has not expired. The sandbox cannot fetch an
/// identity provider's keys offline, so it does not check the signature.
fn exchange(
    sb: &Sandbox,
    client_id: &str,
    subject: &str,
    subject_type: &str,
    host: &str,
) -> Result<(), Response> {
    if client_id != sb.creds.federation_client_id() {
        return Err(unauthenticated("unknown client_id for token exchange"));
    }
    if subject_type != JWT_TOKEN_TYPE {
        return Err(super::invalid(&format!(
            "subject_token_type must be {JWT_TOKEN_TYPE}"
        )));
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims: Value = subject
        .split('.')
        .nth(1)
        .and_then(|p| b64.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| unauthenticated("subject_token is not a JWT"))?;
    let auds: Vec<&str> = match &claims["aud"] {
        Value::String(a) => vec![a.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !auds
        .iter()
        .any(|a| *a == host || *a == "sandbox.conductor.one")
    {
        return Err(unauthenticated("subject_token audience is not this tenant"));
    }
    if claims["exp"].as_u64().is_none_or(|e| e <= now_secs()) {
        return Err(unauthenticated("subject_token has expired"));
    }
    Ok(())
}

/// Checks a compact JWS client assertion: EdDSA signature by the client
/// secret's key, `iss` = `sub` = client id, `aud` = this host, `exp` in the
/// future and at most five minutes away, `nbf` not in the future.
pub fn verify_assertion(
    jwt: &str,
    public_key: &[u8],
    client_id: &str,
    host: &str,
    now: u64,
) -> Result<(), String> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        return Err("not a compact JWS (three dot-separated parts)".into());
    };
    let header: Value = b64
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("the header is not base64url JSON")?;
    if header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return Err("alg must be EdDSA".into());
    }
    let sig = b64
        .decode(s)
        .map_err(|_| "the signature is not base64url")?;
    let key =
        aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, public_key);
    key.verify(format!("{h}.{p}").as_bytes(), &sig)
        .map_err(|_| "bad signature")?;
    let claims: Value = b64
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("the payload is not base64url JSON")?;
    let s = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or("");
    if s("iss") != client_id {
        return Err("iss must be the client id".into());
    }
    if s("sub") != client_id {
        return Err("sub must be the client id".into());
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == host,
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(host)),
        _ => false,
    };
    if !aud_ok {
        return Err(format!("aud must be {host:?}"));
    }
    let num = |k: &str| claims.get(k).and_then(Value::as_u64);
    let exp = num("exp").ok_or("exp is required")?;
    if exp <= now {
        return Err("the assertion has expired (exp)".into());
    }
    if exp > now + MAX_ASSERTION_LIFETIME + SKEW {
        return Err("exp must be within five minutes".into());
    }
    let nbf = num("nbf").ok_or("nbf is required")?;
    if nbf > now + SKEW {
        return Err("the assertion is not valid yet (nbf)".into());
    }
    Ok(())
}

/// Every `/api/v1` request needs a live access token.
pub async fn require_bearer(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .unwrap_or("")
        .trim()
        .to_string();
    if token.is_empty() {
        return unauthenticated("missing bearer token");
    }
    let (valid, readonly) = {
        let d = sb.data();
        let valid = d
            .access_tokens
            .get(&token)
            .is_some_and(|exp| *exp > now_secs());
        (valid, d.readonly_tokens.contains(&token))
    };
    if !valid {
        return unauthenticated("the access token is unknown or has expired");
    }
    if readonly && is_write(req.method(), req.uri().path()) {
        let op = format!("{} {}", req.method(), req.uri().path());
        return status_error(
            code::PERMISSION_DENIED,
            &format!("permission denied: the read-only client may not call {op}"),
        );
    }
    next.run(req).await
}

/// Whether a request changes the tenant: every method but GET, except the
/// searches and the catalog's configuration schema, which are reads sent as
/// POST.
fn is_write(method: &axum::http::Method, path: &str) -> bool {
    method != axum::http::Method::GET
        && !path.starts_with("/api/v1/search/")
        && path != "/api/v1/connectorcatalog"
}

pub async fn introspect(State(sb): State<Arc<Sandbox>>) -> ApiResult {
    let c = &sb.creds;
    // With --c1-introspect-no-user, as for a principal that is no user.
    let user_id = match sb.config.c1_introspect_no_user {
        true => "",
        false => c.admin_user_id.as_str(),
    };
    ok(json!({
        "principleId": c.admin_user_id,
        "userId": user_id,
        "tenantId": c.tenant_id,
        "roles": ["connector-administrator"],
        "permissions": [],
        "features": [],
        "disabledModules": [],
        "deviceClientId": "",
    }))
}
