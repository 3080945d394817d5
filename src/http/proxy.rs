//! Proxies from the environment, as reqwest reads them (`HTTP_PROXY`,
//! `HTTPS_PROXY`, `ALL_PROXY`, each also in lower case, `NO_PROXY`, none
//! when `REQUEST_METHOD` says this is a CGI program) with one difference, as
//! Go's and curl's defaults have it: loopback addresses and `localhost` never
//! go through a proxy. A local sandbox or test server is reached directly, and
//! its plaintext requests (bearer token included) never cross to a proxy.

/// What is always reached directly, before the user's `NO_PROXY`.
const LOOPBACK: &str = "localhost,127.0.0.0/8,::1";

/// The proxies to configure on the client, from `var` (the environment).
pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Vec<reqwest::Proxy> {
    if var("REQUEST_METHOD").is_some() {
        return Vec::new();
    }
    let first = |names: [&str; 2]| names.into_iter().find_map(&var);
    let all = first(["ALL_PROXY", "all_proxy"]);
    let http = first(["HTTP_PROXY", "http_proxy"]).or_else(|| all.clone());
    let https = first(["HTTPS_PROXY", "https_proxy"]).or(all);
    let user = first(["NO_PROXY", "no_proxy"]).unwrap_or_default();
    let direct = reqwest::NoProxy::from_string(&format!("{LOOPBACK},{user}"));
    let mut out = Vec::new();
    for (url, https) in [(http, false), (https, true)] {
        let Some(url) = url.filter(|u| !u.trim().is_empty()) else {
            continue;
        };
        let made = if https {
            reqwest::Proxy::https(url)
        } else {
            reqwest::Proxy::http(url)
        };
        match made {
            Ok(p) => out.push(p.no_proxy(direct.clone())),
            // Ignored, as reqwest ignores it; the value may hold a password.
            Err(_) => tracing::warn!("a proxy variable is not a URL; ignored"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn which_variables_make_proxies() {
        assert_eq!(from_env(env(&[])).len(), 0);
        assert_eq!(from_env(env(&[("ALL_PROXY", "http://p:1")])).len(), 2);
        assert_eq!(from_env(env(&[("http_proxy", "http://p:1")])).len(), 1);
        assert_eq!(
            from_env(env(&[
                ("HTTPS_PROXY", "http://p:1"),
                ("HTTP_PROXY", "http://p:1")
            ]))
            .len(),
            2
        );
        assert_eq!(
            from_env(env(&[
                ("HTTP_PROXY", "http://p:1"),
                ("REQUEST_METHOD", "GET")
            ]))
            .len(),
            0
        );
        assert_eq!(from_env(env(&[("HTTP_PROXY", "")])).len(), 0);
    }
}
