//! A small static file server for `dist/`, on 127.0.0.1 only: enough for a browser to
//! load the app (GET and HEAD, the right content types, `application/wasm` included).

use crate::{app, failed, tools, Error, Result};
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

/// `cargo xtask serve`: installs missing tools, builds, and serves `dist/` until stopped.
pub fn serve_task(port: u16) -> Result<()> {
    // Claim the port first, so that a busy one is reported before minutes of building.
    let listener = bind(port)?;
    let trunk = tools::ensure_build_tools()?;
    app::build(&trunk)?;
    println!(
        "serving dist/ at {} (Ctrl-C to stop)",
        url(&listener).map_err(|e| failed(format!("reading the server address: {e}")))?
    );
    serve(listener, app::dist());
    Ok(())
}

/// Listens on 127.0.0.1:`port` (0 picks a free port); a busy port is a usage error.
pub fn bind(port: u16) -> Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        let next = port.checked_add(1).unwrap_or(8081);
        let why = match e.kind() {
            io::ErrorKind::AddrInUse => "is busy".to_string(),
            _ => format!("cannot be used ({e})"),
        };
        Error::Usage(format!(
            "port {port} {why}; pick another with `cargo xtask serve --port {next}`"
        ))
    })
}

/// The URL the listener serves, such as `http://127.0.0.1:8080/`.
pub fn url(listener: &TcpListener) -> io::Result<String> {
    Ok(format!("http://{}/", listener.local_addr()?))
}

/// Serves the files under `root` to every connection, one thread each, forever.
pub fn serve(listener: TcpListener, root: PathBuf) {
    for stream in listener.incoming().flatten() {
        let root = root.clone();
        thread::spawn(move || {
            // A client that hangs up early is its own business.
            let _ = handle(stream, &root);
        });
    }
}

/// Starts [`serve`] on a free loopback port in a background thread; returns its URL.
pub fn spawn(root: PathBuf) -> Result<String> {
    let listener = bind(0)?;
    let url = url(&listener).map_err(|e| failed(format!("reading the server address: {e}")))?;
    thread::spawn(move || serve(listener, root));
    Ok(url)
}

/// What one request gets back.
#[derive(Debug)]
struct Response {
    status: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Response {
    fn error(status: &'static str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{status}\n").into_bytes(),
        }
    }
}

fn handle(stream: TcpStream, root: &Path) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // The headers do not change the answer, but must be read before replying.
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut words = request_line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let response = respond(method, target, root);
    let mut out = io::BufWriter::new(&stream);
    write!(
        out,
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        response.status,
        response.content_type,
        response.body.len()
    )?;
    if method != "HEAD" {
        out.write_all(&response.body)?;
    }
    out.flush()
}

fn respond(method: &str, target: &str, root: &Path) -> Response {
    if method != "GET" && method != "HEAD" {
        return Response::error("405 Method Not Allowed");
    }
    let Some(path) = resolve(root, target) else {
        return Response::error("400 Bad Request");
    };
    match std::fs::read(&path) {
        Ok(body) => Response {
            status: "200 OK",
            content_type: content_type(&path),
            body,
        },
        Err(_) => Response::error("404 Not Found"),
    }
}

/// The file a request target names under `root`, or `None` if the target is malformed
/// or tries to leave `root`. A folder stands for its `index.html`.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    if !path.starts_with('/') {
        return None;
    }
    let mut file = root.to_path_buf();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let segment = percent_decode(segment)?;
        if segment == "." || segment == ".." || segment.contains(['/', '\\', '\0']) {
            return None;
        }
        file.push(segment);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    Some(file)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn resolves_files_and_refuses_to_leave_the_root() {
        let root = Path::new("/srv/dist");
        assert_eq!(
            resolve(root, "/app_bg.wasm?v=1"),
            Some(root.join("app_bg.wasm"))
        );
        assert_eq!(resolve(root, "/a%20b.js"), Some(root.join("a b.js")));
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(root, "/x%2F..%2F..%2Fetc"), None);
        assert_eq!(resolve(root, "http://elsewhere/"), None);
        assert_eq!(resolve(root, "/%zz"), None);
    }

    #[test]
    fn content_types_let_the_browser_stream_wasm() {
        assert_eq!(content_type(Path::new("a_bg.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("a.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("index.html")),
            "text/html; charset=utf-8"
        );
    }

    fn get(url: &str, path: &str) -> String {
        let addr = url.trim_start_matches("http://").trim_end_matches('/');
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    #[test]
    fn serves_a_folder_over_http() {
        let dir = std::env::temp_dir().join(format!("xtask-server-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<p>hi</p>").unwrap();
        std::fs::write(dir.join("app_bg.wasm"), b"\0asm").unwrap();
        let url = spawn(dir.clone()).unwrap();

        let index = get(&url, "/");
        assert!(index.starts_with("HTTP/1.1 200 OK\r\n"), "{index}");
        assert!(index.contains("Content-Type: text/html; charset=utf-8\r\n"));
        assert!(index.ends_with("\r\n\r\n<p>hi</p>"));
        let wasm = get(&url, "/app_bg.wasm");
        assert!(
            wasm.contains("Content-Type: application/wasm\r\n"),
            "{wasm}"
        );
        assert!(get(&url, "/missing.js").starts_with("HTTP/1.1 404 "));

        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_busy_port_is_a_usage_error_naming_port() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        match bind(port) {
            Err(Error::Usage(msg)) => assert!(msg.contains("--port"), "{msg}"),
            other => panic!("expected a usage error, got {other:?}"),
        }
    }
}
