//! `cargo xtask serve`: build, then serve www/dist with a small static file server.
//! Enter on the terminal rebuilds; `--watch` rebuilds when sources change.

use std::fs;
use std::io::BufRead;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime};

use tiny_http::{Header, Method, Request, Response, Server};

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
    let server = Server::http(&address)
        .map_err(|e| format!("cannot listen on {address}: {e} (try --port <another>)"))?;
    let port = server
        .server_addr()
        .to_ip()
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

    // A thread per request: a fixed pool can be starved by responses whose client stops
    // reading for a while (Chromium does, for two sandboxed embeds fetching the same files),
    // and then every other request waits.
    while let Ok(request) = server.recv() {
        let dist = dist.clone();
        thread::spawn(move || respond(&dist, request));
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

fn respond(dist: &Path, request: Request) {
    if std::env::var_os("AORLAB_SERVE_LOG").is_some() {
        eprintln!("serve: {} {}", request.method(), request.url());
    }
    let result = match request.method() {
        Method::Get | Method::Head => match resolve(dist, request.url()) {
            Some(path) => match fs::read(&path) {
                Ok(body) => {
                    let length = body.len();
                    let response = Response::from_data(body)
                        // Content-Length, never chunked: with chunked bodies Chromium was left
                        // waiting for the end of some responses (two sandboxed embeds on one
                        // page fetching the same large files).
                        .with_chunked_threshold(length + 1)
                        .with_header(header("Content-Type", content_type(&path)))
                        .with_header(header("Cache-Control", "no-cache"))
                        .with_header(header("X-Content-Type-Options", "nosniff"))
                        // The embed page runs in `sandbox="allow-scripts"` iframes, whose
                        // origin is opaque: its module scripts and the wasm are CORS fetches.
                        .with_header(header("Access-Control-Allow-Origin", "*"));
                    request.respond(response)
                }
                Err(_) => request.respond(not_found()),
            },
            None => request.respond(not_found()),
        },
        _ => request.respond(Response::from_string("method not allowed").with_status_code(405)),
    };
    if let Err(e) = result {
        eprintln!("xtask serve: could not answer a request: {e}");
    }
}

fn not_found() -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_string("not found")
        .with_status_code(404)
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
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
