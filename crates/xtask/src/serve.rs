//! `cargo xtask serve`: build, then serve www/dist with a small static file server.
//! Enter on the terminal rebuilds; `--watch` rebuilds when sources change.

use std::fs;
use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime};

use crate::build;
use crate::util;

pub struct Options {
    pub host: String,
    pub port: u16,
    pub watch: bool,
    pub build: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            host: "127.0.0.1".into(),
            port: 8080,
            watch: false,
            build: true,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag, Some(value.to_string())),
                None => (arg.as_str(), None),
            };
            let mut value = |name: &str| {
                inline
                    .clone()
                    .or_else(|| args.next().cloned())
                    .ok_or(format!("`{name}` needs a value"))
            };
            match flag {
                "--port" | "-p" => {
                    let v = value("--port")?;
                    options.port = v
                        .parse()
                        .map_err(|_| format!("`--port {v}`: not a port number"))?;
                }
                "--host" => options.host = value("--host")?,
                "--watch" | "-w" => options.watch = true,
                "--no-build" => options.build = false,
                other => return Err(format!("`serve` does not know `{other}`")),
            }
        }
        Ok(options)
    }
}

pub fn serve(options: Options) -> Result<(), String> {
    if options.build {
        build::build()?;
    }
    let dist = util::dist();
    if !dist.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html: run `cargo xtask build`",
            dist.display()
        ));
    }

    let address = format!("{}:{}", options.host, options.port);
    let server = TcpListener::bind(&address)
        .map_err(|e| format!("cannot listen on {address}: {e} (try --port <another>)"))?;
    let port = server
        .local_addr()
        .map(|a| a.port())
        .unwrap_or(options.port);
    let shown_host = if options.host.contains(':') {
        format!("[{}]", options.host)
    } else {
        options.host.clone()
    };
    println!(
        "xtask serve: serving {} at http://{shown_host}:{port}/",
        build::rel(&dist)
    );
    if options.watch {
        println!("xtask serve: watching crates/ and www/ — saving a file rebuilds; Ctrl+C stops");
    } else {
        println!("xtask serve: press Enter to rebuild; Ctrl+C stops");
    }

    let (rebuild, requests) = mpsc::channel::<&'static str>();
    {
        let rebuild = rebuild.clone();
        thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                if line.is_err() || rebuild.send("requested").is_err() {
                    break;
                }
            }
        });
    }
    if options.watch {
        thread::spawn(move || watch(rebuild));
    }
    thread::spawn(move || {
        while let Ok(reason) = requests.recv() {
            while requests.try_recv().is_ok() {} // coalesce a burst of saves
            println!("xtask serve: rebuilding ({reason})");
            match build::build() {
                Ok(_) => println!("xtask serve: rebuilt; reload the page"),
                Err(e) => {
                    eprintln!("xtask serve: build failed, still serving the last good build:\n{e}")
                }
            }
        }
    });

    // One thread and one connection per request, closed after the answer. A kept-alive
    // connection made Chromium queue the second sandboxed embed's requests behind the
    // first's on the docs example page; a fresh connection per request cannot stall so.
    for stream in server.incoming() {
        let Ok(stream) = stream else { continue };
        let dist = dist.clone();
        thread::spawn(move || respond(&dist, stream));
    }
    Ok(())
}

fn watch(rebuild: mpsc::Sender<&'static str>) {
    let newest = || {
        let root = util::root();
        let mut newest: Option<SystemTime> = None;
        util::newest_under(&root.join("crates"), &mut newest);
        util::newest_under(&root.join("www"), &mut newest);
        if let Some(t) = util::mtime(&root.join("Cargo.toml")) {
            newest = newest.max(Some(t));
        }
        newest
    };
    let mut seen = newest();
    loop {
        thread::sleep(Duration::from_millis(700));
        let now = newest();
        if now != seen {
            seen = now;
            if rebuild.send("a source file changed").is_err() {
                return;
            }
        }
    }
}

/// Read one request head; answer it with a whole body and `Connection: close`.
fn respond(dist: &Path, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut first = head.lines().next().unwrap_or("").split_whitespace();
    let (method, url) = (first.next().unwrap_or(""), first.next().unwrap_or("/"));
    let (status, ctype, body): (&str, &str, Vec<u8>) = match method {
        "GET" | "HEAD" => {
            match resolve(dist, url).and_then(|p| fs::read(&p).ok().map(|b| (p, b))) {
                Some((path, body)) => ("200 OK", content_type(&path), body),
                None => (
                    "404 Not Found",
                    "text/plain; charset=utf-8",
                    b"not found".to_vec(),
                ),
            }
        }
        "" => return,
        _ => (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            b"method not allowed".to_vec(),
        ),
    };
    // The embed page runs in `sandbox="allow-scripts"` iframes, whose origin is opaque:
    // its module scripts and the wasm are CORS fetches, hence Access-Control-Allow-Origin.
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut out = header.into_bytes();
    if method != "HEAD" {
        out.extend_from_slice(&body);
    }
    if let Err(e) = stream.write_all(&out).and_then(|_| stream.flush()) {
        eprintln!("xtask serve: could not answer {url}: {e}");
    }
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

/// Maps a request URL to a file under `dist`; None for anything outside it or missing.
fn resolve(dist: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let path = percent_decode(path)?;
    let mut file = dist.to_path_buf();
    for component in Path::new(path.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => file.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
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

pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasm_is_served_as_application_wasm() {
        assert_eq!(
            content_type(Path::new("pkg/aorlab_wasm_bg.wasm")),
            "application/wasm"
        );
        assert!(content_type(Path::new("main.js")).starts_with("text/javascript"));
        assert!(content_type(Path::new("index.html")).starts_with("text/html"));
    }

    #[test]
    fn urls_cannot_leave_dist() {
        let dist = util::root().join("crates/xtask");
        assert_eq!(resolve(&dist, "/../Cargo.toml"), None);
        assert_eq!(resolve(&dist, "/%2e%2e/Cargo.toml"), None);
        assert_eq!(
            resolve(&dist, "/Cargo.toml?x=1"),
            Some(dist.join("Cargo.toml"))
        );
        assert_eq!(resolve(&dist, "/nope.txt"), None);
    }

    #[test]
    fn options_parse() {
        let args: Vec<String> = ["--port", "0", "--host=0.0.0.0", "--watch"]
            .map(String::from)
            .into();
        let o = Options::parse(&args).unwrap();
        assert_eq!(
            (o.port, o.host.as_str(), o.watch, o.build),
            (0, "0.0.0.0", true, true)
        );
        assert!(Options::parse(&["--port".to_string(), "x".to_string()]).is_err());
        assert!(Options::parse(&["--bogus".to_string()]).is_err());
    }
}
