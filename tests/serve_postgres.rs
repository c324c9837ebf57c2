//! Two `cmo serve` replicas on one PostgreSQL store, with the real binary (docs/deployment.md,
//! "A team on PostgreSQL"). The design is "one carrier account, one replica": replica A claims
//! the TMSP account and starts asynchronous changes through it (pending monitors, leased to
//! A); replica B, configured with the same account, refuses to start while A lives, naming
//! the account and A. A is SIGKILLed; once its claim and leases expire B starts, takes the
//! account and the monitors over and completes every one — each final outcome journaled once,
//! nobody polling in between (counted at the simulator) — and an attribute set through A is
//! read through B.
//!
//! Needs PostgreSQL: `CMO_TEST_PG_URL` (`.ci/run` starts a server and sets it); without it the
//! test says it was skipped, except under `CI`, where it fails. It works in a schema of its
//! own, dropped at the end, so it runs beside every other test.

use cmo::sim::{self, SimOptions};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const OPS_SECRET: &str = "ops-secret-0123456789abcdef";
const PW_ENV: &str = "CMO_TEST_STORE_PW";

fn pg_url() -> Option<String> {
    match std::env::var("CMO_TEST_PG_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "CMO_TEST_PG_URL not set but CI is: the PostgreSQL tests must run in CI (.ci/run starts a server)"
        ),
        _ => {
            eprintln!(
                "skipped: CMO_TEST_PG_URL not set (PostgreSQL tests need a server; .ci/run starts one)"
            );
            None
        }
    }
}

/// `postgres://user:pw@host/db` → (`postgres://user@host/db`, `pw`): the config gets the
/// password through `secret_env`, as a team's would.
fn split_password(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (userinfo, host) = rest.split_once('@').unwrap();
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    (format!("{scheme}://{user}@{host}"), password.to_string())
}

/// Run `sql` on the test database (a plain thread: the synchronous client must not run on
/// the test's tokio runtime).
fn sql(url: &str, schema: Option<&str>, text: &str) -> Vec<postgres::Row> {
    let (url, schema, text) = (
        url.to_string(),
        schema.map(str::to_string),
        text.to_string(),
    );
    std::thread::spawn(move || {
        let mut config: postgres::Config = url.parse().unwrap();
        if let Some(s) = schema {
            config.options(&format!("-c search_path={s}"));
        }
        let mut client = config.connect(postgres::NoTls).unwrap();
        client.query(&text, &[]).unwrap()
    })
    .join()
    .unwrap()
}

struct Schema {
    url: String,
    name: String,
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let config: postgres::Config = url.parse().ok()?;
            let mut client = config.connect(postgres::NoTls).ok()?;
            client
                .batch_execute(&format!("DROP SCHEMA {name} CASCADE"))
                .ok()
        })
        .join();
    }
}

struct Sandbox {
    dir: tempfile::TempDir,
    password: String,
}

impl Sandbox {
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn command(&self, user: &str, data: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmo"));
        cmd.args(args)
            .arg("--data-dir")
            .arg(self.path(data))
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("share"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("USER", user)
            .env("CMO_GW_OPS", OPS_SECRET)
            .env(PW_ENV, &self.password)
            .env_remove("RUST_LOG")
            .env_remove("SSH_CLIENT")
            .env_remove("SSH_CONNECTION")
            .stdin(Stdio::null());
        cmd
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

struct Serve {
    child: Child,
    base_url: String,
}

impl Serve {
    /// `cmo serve` on port 0: the running replica, or what it said on stderr when it stopped
    /// before listening.
    fn start(sb: &Sandbox, config: &Path, data: &str) -> Result<Serve, String> {
        let args = [
            "--config",
            config.to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ];
        let mut child = sb
            .command("gateway-host", data, &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.is_empty() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            let _ = child.wait();
            return Err(err);
        }
        let base_url = line
            .split("CMO API at ")
            .nth(1)
            .unwrap()
            .split(')')
            .next()
            .unwrap()
            .to_string();
        Ok(Serve { child, base_url })
    }

    fn sigkill(mut self) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-KILL", &pid]).status().unwrap();
        assert!(killed.success());
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

/// `(pending, final)` monitors in the shared store, and the lease owners of the pending ones.
fn monitor_states(url: &str, schema: &str) -> (i64, i64, Vec<Option<String>>) {
    let rows = sql(
        url,
        Some(schema),
        "SELECT state, lease_owner FROM monitor ORDER BY seq",
    );
    let mut pending = 0;
    let mut done = 0;
    let mut owners = Vec::new();
    for r in rows {
        let state: String = r.get(0);
        if state == "InProgress" {
            pending += 1;
            owners.push(r.get::<_, Option<String>>(1));
        } else {
            done += 1;
        }
    }
    (pending, done, owners)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_replicas_account_and_monitors_pass_to_the_next_replica() {
    let Some(full_url) = pg_url() else { return };
    let (url, password) = split_password(&full_url);
    let schema = Schema {
        url: full_url.clone(),
        name: format!(
            "cmo_e2e_{}_{:06x}",
            std::process::id(),
            rand::random::<u32>() & 0xff_ffff
        ),
    };
    sql(&full_url, None, &format!("CREATE SCHEMA {}", schema.name));

    // TMSP is asynchronous: each change stays a pending job for 20 s at the carrier (room for
    // a slow machine to set everything up before the kill).
    let sims = sim::start(SimOptions {
        size: 60,
        seed: 11,
        async_delay: Duration::from_secs(20),
        ..SimOptions::default()
    })
    .await
    .expect("simulators start");
    let tmsp = sims.platform("TMSP").unwrap();
    let sb = Arc::new(Sandbox {
        dir: tempfile::tempdir().unwrap(),
        password,
    });
    let store_url = format!("{url}?options=-c%20search_path%3D{}", schema.name);
    let replica = sb.write(
        "replica.toml",
        &format!(
            "[store]\nurl = \"{store_url}\"\nsecret_env = \"{PW_ENV}\"\n\n[serve]\ntenant = \"noc\"\nlease = \"2s\"\n\n[[serve.client]]\nid = \"noc-ops\"\nrole = \"operator\"\nsecret_env = \"CMO_GW_OPS\"\n\n[[backend]]\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
            tmsp.name, tmsp.kind, tmsp.base_url, tmsp.account_id, tmsp.username, tmsp.secret
        ),
    );
    let team = |name: &str, base_url: &str| {
        sb.write(
            name,
            &format!(
                "[[backend]]\nname = \"gateway\"\nkind = \"CMO\"\nbase_url = \"{base_url}\"\naccount_id = \"noc\"\n[backend.auth]\nusername = \"noc-ops\"\nsecret_env = \"CMO_GW_OPS\"\n"
            ),
        )
    };
    let run = |config: PathBuf, args: Vec<String>| {
        let sb = sb.clone();
        blocking(move || {
            let mut all = vec!["--config".to_string(), config.to_str().unwrap().to_string()];
            all.extend(args);
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            sb.command("alice", "client-data", &refs).output().unwrap()
        })
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    // Replica A takes the account.
    let a = {
        let (sb, replica) = (sb.clone(), replica.clone());
        blocking(move || Serve::start(&sb, &replica, "a-data")).await
    }
    .unwrap_or_else(|e| panic!("replica A did not start: {e}"));
    let team_a = team("team-a.toml", &a.base_url);

    // Three ACTIVE TMSP SIMs are suspended through A: three pending monitors.
    let listed = run(
        team_a.clone(),
        args(&[
            "products",
            "list",
            "--backend",
            "gateway",
            "--all",
            "--json",
        ]),
    )
    .await;
    assert_eq!(code(&listed), 0, "{}", stderr(&listed));
    let listing: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let active: Vec<String> = listing["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "ACTIVE")
        .filter_map(|e| e["id"].as_str().map(str::to_string))
        .take(3)
        .collect();
    assert_eq!(active.len(), 3, "three ACTIVE TMSP SIMs in {listing}");
    for id in &active {
        let changed = run(
            team_a.clone(),
            args(&["status", "set", id, "SUSPENDED", "--yes"]),
        )
        .await;
        assert_eq!(code(&changed), 0, "{}", stderr(&changed));
    }
    let tagged = run(
        team_a.clone(),
        args(&["attrs", "set", &active[0], "ticket", "INC-2042"]),
    )
    .await;
    assert_eq!(code(&tagged), 0, "{}", stderr(&tagged));
    let (pending, _, owners) = monitor_states(&full_url, &schema.name);
    assert_eq!(pending, 3, "three pending monitors in the shared store");

    // B, with the same account, refuses while A lives, naming the account and A.
    let refused = {
        let (sb, replica) = (sb.clone(), replica.clone());
        blocking(move || Serve::start(&sb, &replica, "b-data")).await
    };
    let err = match refused {
        Ok(_) => panic!("replica B started while A holds the account"),
        Err(e) => e,
    };
    assert!(
        err.contains(&tmsp.name) && err.contains("claimed by replica"),
        "{err}"
    );
    let a_owner = owners.iter().flatten().next().cloned();
    if let Some(owner) = &a_owner {
        assert!(err.contains(owner.as_str()), "names A ({owner}): {err}");
    }
    assert!(!err.contains(&sb.password) || sb.password.is_empty());

    // A dies without a word; from now on nobody polls until B has taken over.
    let killed = Instant::now();
    a.sigkill();
    let requests_at_kill = tmsp.control.stats().requests;

    // B starts as soon as A's claim has expired (lease 2 s).
    let b = loop {
        let attempt = {
            let (sb, replica) = (sb.clone(), replica.clone());
            blocking(move || Serve::start(&sb, &replica, "b-data")).await
        };
        match attempt {
            Ok(serve) => break serve,
            Err(e)
                if e.contains("claimed by replica")
                    && killed.elapsed() < Duration::from_secs(30) =>
            {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("replica B did not take over: {e}"),
        }
    };
    let takeover = killed.elapsed();
    assert!(
        tmsp.control.stats().requests >= requests_at_kill,
        "the counter only grows"
    );
    let quiet = tmsp.control.stats().requests - requests_at_kill;

    // B completes every monitor A left.
    let deadline = Instant::now() + Duration::from_secs(90);
    let (mut pending, mut done) = (3, 0);
    while pending > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let (p, d, owners) = monitor_states(&full_url, &schema.name);
        (pending, done) = (p, d);
        // Whoever holds a pending monitor now, it is not the dead A.
        if let Some(a_owner) = &a_owner
            && p > 0
            && killed.elapsed() > takeover + Duration::from_secs(3)
        {
            assert!(
                owners.iter().flatten().all(|o| o != a_owner),
                "monitors still leased to the killed replica: {owners:?}"
            );
        }
    }
    let completed_after = killed.elapsed();
    assert_eq!(
        (pending, done),
        (0, 3),
        "B completed every monitor within 90 s"
    );
    // Each final outcome journaled exactly once (several observers would write it once).
    let finals = sql(
        &full_url,
        Some(&schema.name),
        "SELECT monitor_id, count(*) FROM audit WHERE action = 'monitor-final' GROUP BY monitor_id",
    );
    assert_eq!(finals.len(), 3, "one outcome per monitor");
    assert!(finals.iter().all(|r| r.get::<_, i64>(1) == 1));

    // The attribute set through A is read through B.
    let team_b = team("team-b.toml", &b.base_url);
    let seen = run(team_b, args(&["attrs", "list", &active[0], "--json"])).await;
    assert_eq!(code(&seen), 0, "{}", stderr(&seen));
    let text = String::from_utf8_lossy(&seen.stdout);
    assert!(
        text.contains("ticket") && text.contains("INC-2042"),
        "{text}"
    );
    // A command on a replica host, with the replicas' config, reads the same store directly:
    // the journal with each monitor's one outcome, and the attribute.
    let journal = run(replica.clone(), args(&["audit", "--json"])).await;
    assert_eq!(code(&journal), 0, "{}", stderr(&journal));
    let journal = String::from_utf8_lossy(&journal.stdout);
    assert_eq!(journal.matches("\"monitor-final\"").count(), 3, "{journal}");
    let direct = run(
        replica.clone(),
        args(&["attrs", "list", &active[0], "--json"]),
    )
    .await;
    assert_eq!(code(&direct), 0, "{}", stderr(&direct));
    assert!(String::from_utf8_lossy(&direct.stdout).contains("INC-2042"));
    eprintln!(
        "measured: takeover {takeover:?} after SIGKILL (lease 2 s), every monitor completed {completed_after:?} after it; {quiet} carrier requests between the kill and B's start"
    );
    drop(b);
    sims.shutdown().await;
}
