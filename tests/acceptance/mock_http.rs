//! A tiny HTTP/1.1 responder on loopback, for tests that need a Segment
//! answer before the sandbox exists. It checks the bearer token.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

pub struct MockHttp {
    pub url: String,
    pub requests: Arc<Mutex<Vec<String>>>,
}

/// Serves `body` as JSON to requests bearing `token`, 401 otherwise.
pub fn serve(token: &'static str, body: &'static str) -> MockHttp {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind mock");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(1000) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let mut authorized = false;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if line.to_ascii_lowercase().starts_with("authorization:") {
                    authorized = line.trim_end() == format!("authorization: Bearer {token}")
                        || line.trim_end() == format!("Authorization: Bearer {token}");
                }
            }
            if let Ok(mut l) = log.lock() {
                l.push(request_line.trim_end().to_string());
            }
            let (status, payload) = if authorized {
                ("200 OK", body.to_string())
            } else {
                (
                    "401 Unauthorized",
                    r#"{"errors":[{"type":"unauthorized","message":"invalid token"}]}"#.to_string(),
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
                payload.len()
            );
        }
    });
    MockHttp { url, requests }
}

/// A hostile server: answers each request with what `answer` gives for its
/// request line and number (from 0): the status, extra header lines, and a
/// JSON body. One connection per request.
pub fn serve_fn(
    answer: impl Fn(&str, usize) -> (u16, String, String) + Send + Sync + 'static,
) -> MockHttp {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind mock");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (log, answer) = (log.clone(), answer.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let n = match log.lock() {
                    Ok(mut l) => {
                        l.push(request_line.trim_end().to_string());
                        l.len() - 1
                    }
                    Err(_) => 0,
                };
                let (status, headers, body) = answer(request_line.trim_end(), n);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    MockHttp { url, requests }
}
