//! A small W3C WebDriver client over std's TcpStream: enough to drive the app through
//! tauri-driver without pulling a second build of tauri's dependency tree into the tests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};

pub struct Driver {
    addr: String,
    session: String,
}

pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn http(addr: &str, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    // No "Connection: close": tauri-driver forwards it to WebKitWebDriver, whose closed
    // connection the proxy may then reuse. The response length says where it ends instead.
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(req.as_bytes())
        .map_err(|e| e.to_string())?;
    let fail = |e: std::io::Error| format!("{method} {path}: {e}");
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let head_end = loop {
        let n = stream.read(&mut buf).map_err(fail)?;
        if n == 0 {
            return Err(format!(
                "{method} {path}: connection closed before a response"
            ));
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    let chunked = head.contains("transfer-encoding: chunked");
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    loop {
        let body_len = raw.len() - head_end;
        let complete = match (length, chunked) {
            (Some(n), _) => body_len >= n,
            (None, true) => raw.ends_with(b"0\r\n\r\n"),
            (None, false) => false,
        };
        if complete {
            break;
        }
        let n = stream.read(&mut buf).map_err(fail)?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let rest = String::from_utf8_lossy(&raw[head_end..]).into_owned();
    let payload = if chunked { dechunk(&rest) } else { rest };
    let value: Value = serde_json::from_str(&payload)
        .map_err(|e| format!("{method} {path}: {e} in {payload:?}"))?;
    if !(head.starts_with("http/1.1 2") || head.starts_with("http/1.0 2")) {
        return Err(format!("{method} {path}: {}", value["value"]));
    }
    Ok(value["value"].clone())
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

impl Driver {
    /// Starts a session: tauri-driver launches `app` and attaches WebKitWebDriver to it.
    pub fn start(addr: &str, app: &str) -> Result<Driver, String> {
        let caps = json!({
            "capabilities": { "alwaysMatch": { "tauri:options": { "application": app } } }
        });
        let v = http(addr, "POST", "/session", Some(&caps))?;
        let session = v["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {v}"))?
            .to_string();
        let d = Driver {
            addr: addr.to_string(),
            session,
        };
        d.post("/timeouts", json!({ "script": 60_000, "implicit": 0 }))?;
        Ok(d)
    }

    fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        http(
            &self.addr,
            "POST",
            &format!("/session/{}{path}", self.session),
            Some(&body),
        )
    }

    fn get(&self, path: &str) -> Result<Value, String> {
        http(
            &self.addr,
            "GET",
            &format!("/session/{}{path}", self.session),
            None,
        )
    }

    pub fn quit(&self) -> Result<(), String> {
        http(
            &self.addr,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        )
        .map(|_| ())
    }

    pub fn find(&self, css: &str) -> Result<String, String> {
        let v = self.post("/element", json!({ "using": "css selector", "value": css }))?;
        v[ELEMENT]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no element {css}: {v}"))
    }

    pub fn click(&self, css: &str) -> Result<(), String> {
        let id = self.find(css)?;
        self.post(&format!("/element/{id}/click"), json!({}))
            .map(|_| ())
    }

    pub fn type_text(&self, css: &str, text: &str) -> Result<(), String> {
        let id = self.find(css)?;
        self.post(&format!("/element/{id}/value"), json!({ "text": text }))
            .map(|_| ())
    }

    pub fn text(&self, css: &str) -> Result<String, String> {
        let id = self.find(css)?;
        let v = self.get(&format!("/element/{id}/text"))?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    pub fn exec(&self, script: &str, args: Value) -> Result<Value, String> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
    }

    /// Waits inside the page until `condition` (a JS expression) is true: the page checks it on
    /// every DOM change, so the test never sleeps.
    pub fn wait_for(&self, condition: &str) -> Result<(), String> {
        let script = format!(
            r#"const done = arguments[arguments.length - 1];
const ok = () => {{ try {{ return !!({condition}); }} catch (e) {{ return false; }} }};
if (ok()) return done(true);
const obs = new MutationObserver(() => {{ if (ok()) {{ obs.disconnect(); done(true); }} }});
obs.observe(document, {{ subtree: true, childList: true, attributes: true, characterData: true }});"#
        );
        self.post("/execute/async", json!({ "script": script, "args": [] }))
            .map(|_| ())
            .map_err(|e| format!("waiting for `{condition}`: {e}"))
    }

    pub fn windows(&self) -> Result<Vec<String>, String> {
        let v = self.get("/window/handles")?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|h| h.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    pub fn switch_to(&self, handle: &str) -> Result<(), String> {
        self.post("/window", json!({ "handle": handle }))
            .map(|_| ())
    }

    pub fn title(&self) -> Result<String, String> {
        Ok(self.get("/title")?.as_str().unwrap_or_default().to_string())
    }

    /// Switches to the window whose document title is `title`.
    pub fn switch_to_title(&self, title: &str) -> Result<(), String> {
        for h in self.windows()? {
            self.switch_to(&h)?;
            if self.title()? == title {
                return Ok(());
            }
        }
        Err(format!("no window titled {title:?}"))
    }

    /// Switches to the window titled `title` once it exists. WebDriver has no event for a new
    /// window, so this polls the window list (every 100 ms, for at most 20 s).
    pub fn switch_to_new_window(&self, title: &str) -> Result<(), String> {
        let mut last = String::new();
        for _ in 0..200 {
            match self.switch_to_title(title) {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Err(last)
    }

    /// A PNG of the current window's page, once the latest changes have been painted.
    pub fn screenshot(&self) -> Result<Vec<u8>, String> {
        let painted = "const done = arguments[arguments.length - 1]; \
            requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
        self.post("/execute/async", json!({ "script": painted, "args": [] }))?;
        let v = self.get("/screenshot")?;
        let b64 = v.as_str().ok_or("no screenshot data")?;
        decode_base64(b64)
    }
}

fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("bad base64 byte {c}")),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}
