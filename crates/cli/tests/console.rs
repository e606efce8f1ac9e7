//! The console end to end, through the real binaries: `dockguard server` on a real port with a real SQLite
//! file, `dockguard agent --once` against the real Docker daemon, the JSON API, and the pages in a real
//! headless Chromium (WebDriver through chromedriver).

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::*;

struct Server {
    child: Child,
    url: String,
    admin: String,
    db: String,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Stops the server process; its database stays.
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `dockguard server` on a free port; reads the URL and the first admin token it prints.
fn start_server(extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("console.db").display().to_string();
    let listen = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockguard"))
        .args(["server", "--db", &db, "--listen", &listen])
        .args(extra)
        .env("DOCKGUARD_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut url = String::new();
    let mut admin = String::new();
    for _ in 0..2 {
        let line = lines
            .next()
            .expect("server printed its URL and token")
            .unwrap();
        if let Some(u) = line.strip_prefix("dockguard console: ") {
            url = u.trim().to_string();
        }
        if let Some(t) = line.strip_prefix("admin login token (shown once): ") {
            admin = t.trim().to_string();
        }
    }
    assert!(
        url.starts_with("http://") && admin.starts_with("dg_"),
        "{url} {admin}"
    );
    // Wait until it answers.
    for _ in 0..100 {
        if std::net::TcpStream::connect(listen.as_str()).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Server {
        child,
        url,
        admin,
        db,
        _dir: dir,
    }
}

fn token(db: &str, role: &str) -> String {
    let o = run(dockguard().args(["server", "token", "create", "--role", role, "--db", db]));
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).trim().to_string()
}

fn get(url: &str, token: &str) -> (u16, serde_json::Value) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let code = r.status().as_u16();
        (code, r.json().await.unwrap_or(serde_json::Value::Null))
    })
}

/// Runs `dockguard agent --once` for this host; returns the spool dir.
fn agent_once(server: &Server, token: &str, extra: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("token");
    std::fs::write(&tf, token).unwrap();
    let spool = dir.path().join("spool");
    let o = run(dockguard()
        .args(["agent", "--once", "--server", &server.url, "--token-file"])
        .arg(&tf)
        .arg("--spool")
        .arg(&spool)
        .args(extra));
    std::mem::forget(dir);
    o
}

#[test]
fn agent_report_reaches_the_console_and_matches_the_scan() {
    let c = Containers::new("console");
    let name = c.make(
        "priv",
        false,
        &["--privileged", "-l", "evil=<script>alert(1)</script>"],
        image(),
    );
    let server = start_server(&["--no-local-agent"]);
    let agent = token(&server.db, "agent");
    let o = agent_once(&server, &agent, &[]);
    assert!(o.status.success(), "agent failed: {}", stderr(&o));
    let (_, scan) = scan_json(&[]);

    let (code, hosts) = get(&format!("{}/api/v1/hosts", server.url), &server.admin);
    assert_eq!(code, 200, "{hosts}");
    let hosts = hosts.as_array().cloned().unwrap_or_default();
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    let id = hosts[0]["id"].as_i64().unwrap();
    let (code, host) = get(&format!("{}/api/v1/hosts/{id}", server.url), &server.admin);
    assert_eq!(code, 200);
    // The console's latest state per rule matches what a scan of this host says.
    let results = host["results"].as_array().unwrap();
    for r in scan["results"].as_array().unwrap() {
        let stored = results
            .iter()
            .find(|x| x["rule_id"] == r["id"])
            .unwrap_or_else(|| panic!("{} missing", r["id"]));
        assert_eq!(stored["status"], r["status"], "{}", r["id"]);
    }
    let privileged = results.iter().find(|x| x["rule_id"] == "5.04").unwrap();
    assert!(privileged["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == name.as_str()));
    // The recommendation counts this host as unhealthy.
    let (_, rec) = get(
        &format!("{}/api/v1/recommendations", server.url),
        &server.admin,
    );
    assert_eq!(rec["unhealthy"], 1, "{rec}");
    // The agent token cannot read; a missing token is refused.
    assert_eq!(get(&format!("{}/api/v1/hosts", server.url), &agent).0, 403);
    assert_eq!(
        get(&format!("{}/api/v1/hosts", server.url), "dg_admin_nope").0,
        401
    );
}

#[test]
fn reports_spooled_while_the_server_is_down_arrive_once() {
    let _c = Containers::new("spool");
    let mut server = start_server(&["--no-local-agent"]);
    let agent = token(&server.db, "agent");
    let url = server.url.clone();
    let db = server.db.clone();
    server.stop(); // the console is down
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("token");
    std::fs::write(&tf, &agent).unwrap();
    let spool = dir.path().join("spool");
    let once = |spool: &std::path::Path| {
        run(dockguard()
            .args(["agent", "--once", "--server", &url, "--token-file"])
            .arg(&tf)
            .arg("--spool")
            .arg(spool))
    };
    for _ in 0..2 {
        let o = once(&spool);
        assert!(!o.status.success(), "no console: the report stays spooled");
    }
    let spooled = std::fs::read_dir(&spool)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_file())
        .count();
    assert_eq!(spooled, 2);
    // The console comes back on the same address and database.
    let listen = url.trim_start_matches("http://").to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockguard"))
        .args([
            "server",
            "--db",
            &db,
            "--listen",
            &listen,
            "--no-local-agent",
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(listen.as_str()).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = once(&spool);
    assert!(o.status.success(), "{}", stderr(&o));
    let left = std::fs::read_dir(&spool)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_file())
        .count();
    assert_eq!(left, 0);
    let admin = token(&db, "admin");
    let (_, hosts) = get(&format!("{url}/api/v1/hosts"), &admin);
    let id = hosts[0]["id"].as_i64().unwrap();
    let (_, q) = {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let r = reqwest::Client::new()
                .post(format!("{url}/api/v1/query"))
                .bearer_auth(&admin)
                .json(&serde_json::json!({"sql": "SELECT count(*) FROM v_reports WHERE host_id = :id", "params": {"id": id}}))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        })
    };
    assert_eq!(
        q["rows"][0][0], 3,
        "two spooled + one fresh report, each stored exactly once: {q}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// The user's path in a real headless Chromium: log in, the recommendations page, the affected hosts,
/// the host drill-down, "Take action", run the query, see rows.
#[test]
fn the_users_path_in_a_real_browser() {
    let c = Containers::new("browser");
    c.make("priv", false, &["--privileged"], image());
    let server = start_server(&["--no-local-agent"]);
    let agent = token(&server.db, "agent");
    let o = agent_once(&server, &agent, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let reader = token(&server.db, "reader");

    let port = free_port();
    let mut driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is needed (apt-get install chromium chromium-driver; .ci/run installs it)");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = rt.block_on(browse(port, &server.url, &reader));
    let _ = driver.kill();
    let _ = driver.wait();
    result.unwrap();
}

/// Polls the page source until it contains `needle` (navigation after a click is asynchronous); returns the
/// source, or the last source seen when it never appears.
async fn eventually(client: &fantoccini::Client, needle: &str) -> Result<String, String> {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(src) = client.source().await {
            if src.contains(needle) {
                return Ok(src);
            }
            last = src;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(last)
}

/// Finds (waiting for it) and clicks an element.
async fn click(client: &fantoccini::Client, loc: fantoccini::Locator<'_>) -> Result<(), String> {
    let el = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(loc)
        .await
        .map_err(|err| format!("cannot find {loc:?}: {err}"))?;
    el.click()
        .await
        .map_err(|err| format!("cannot click {loc:?}: {err}"))
}

async fn browse(port: u16, base: &str, token: &str) -> Result<(), String> {
    use fantoccini::{ClientBuilder, Locator};
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"binary": "/usr/bin/chromium", "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage"
        ]}),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .map_err(|e| format!("cannot start Chromium through chromedriver: {e}"))?;
    fn e(s: &'static str) -> impl Fn(fantoccini::error::CmdError) -> String {
        move |err| format!("{s}: {err}")
    }
    client
        .goto(&format!("{base}/"))
        .await
        .map_err(e("open /"))?;
    // Not signed in: the sign-in form. Every click navigates; wait for the next page each time.
    let field = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("input[name=token]"))
        .await
        .map_err(e("login field"))?;
    field.send_keys(token).await.map_err(e("type token"))?;
    client
        .find(Locator::Css("form button, form input[type=submit]"))
        .await
        .map_err(e("login button"))?
        .click()
        .await
        .map_err(e("login"))?;
    const REC: &str = "Vulnerabilities in container security configurations should be remediated";
    eventually(&client, REC)
        .await
        .map_err(|b| format!("recommendations page lacks the recommendation: {b}"))?;
    click(&client, Locator::LinkText(REC)).await?;
    eventually(&client, "/hosts/")
        .await
        .map_err(|b| format!("no affected host listed: {b}"))?;
    click(&client, Locator::Css("a[href^='/hosts/']")).await?;
    eventually(&client, "Take action")
        .await
        .map_err(|b| format!("host page without Take action: {b}"))?;
    let page = client.source().await.map_err(e("source"))?;
    if !page.contains("5.04") {
        return Err(format!("host page lacks the failed rule 5.04: {page}"));
    }
    click(
        &client,
        Locator::XPath("//*[self::a or self::button][contains(., 'Take action')]"),
    )
    .await?;
    let sql = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("textarea"))
        .await
        .map_err(e("query box"))?
        .prop("value")
        .await
        .map_err(e("sql"))?;
    if !sql.unwrap_or_default().to_lowercase().contains("select") {
        return Err("the query console opened without the default query".into());
    }
    click(
        &client,
        Locator::XPath(
            "//button[contains(., 'Run')] | //input[@type='submit' and contains(@value, 'Run')]",
        ),
    )
    .await?;
    let page = eventually(&client, "rows)")
        .await
        .map_err(|b| format!("no query result: {b}"))?;
    if page.contains("Result (0 rows)") || !page.contains("Privileged=true") {
        return Err(format!(
            "the query returned no rows for the privileged container: {page}"
        ));
    }
    client.close().await.map_err(e("close"))?;
    Ok(())
}
