//! Shell integration of the real `cmo` binary: the bash completion script completes
//! subcommands and configured backend names (bash runs the generated script, as on Tab), the
//! other shells' scripts are produced, and `cmo man` writes pages that `man -l` (or groff)
//! renders. Every run gets its own HOME/XDG dirs; the config names a secret that is never set,
//! since completion must not need one.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CONFIG: &str = r#"
[[backend]]
name = "1nce-noc"
kind = "1NCE"
base_url = "https://api.example.invalid/management-api"
account_id = "42"

[backend.auth]
username = "client"
secret_env = "CMO_TEST_SECRET_NEVER_SET"

[[backend]]
name = "tmsp-noc"
kind = "TMSP"
base_url = "https://tmsp.example.invalid/api"
account_id = "7"

[backend.auth]
username = "client"
secret_cmd = "exit 1"
"#;

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// A sandbox whose default config (XDG) has the backends `1nce-noc` and `tmsp-noc`.
    fn new() -> Self {
        let sb = Sandbox {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(sb.path("config/cmo")).unwrap();
        std::fs::write(sb.path("config/cmo/config.toml"), CONFIG).unwrap();
        sb
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("share"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env_remove("CMO_TEST_SECRET_NEVER_SET")
            .env_remove("CMO_COMPLETE")
            .stdin(Stdio::null());
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmo"));
        cmd.args(args);
        self.env(&mut cmd);
        cmd.output().unwrap()
    }
}

fn ok_stdout(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Run `bash` with the script sourced and the completion function called for `line` (the
/// cursor at its end), as bash does on Tab; COMPREPLY one candidate a line.
fn bash_complete(sb: &Sandbox, script: &Path, words: &[&str], line: &str) -> Vec<String> {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cmo")).parent().unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let cur = words[cword];
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let program = format!(
        r#"
source '{script}'
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_LINE='{line}'
COMP_POINT=${{#COMP_LINE}}
COMP_TYPE=9
COMPREPLY=()
"$(complete -p cmo | sed -E 's/.*-F ([^ ]+).*/\1/')" cmo '{cur}' '{prev}'
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        script = script.display(),
        words = quoted.join(" "),
    );
    let mut cmd = Command::new("bash");
    cmd.arg("--noprofile").arg("--norc").arg("-c").arg(program);
    sb.env(&mut cmd);
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.env("PATH", path);
    let out = ok_stdout(&cmd.output().unwrap());
    out.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_subcommands_and_configured_backend_names() {
    if !have("bash") {
        eprintln!("skipped: bash is not installed");
        return;
    }
    let sb = Sandbox::new();
    let script = sb.path("cmo.bash");
    std::fs::write(&script, ok_stdout(&sb.run(&["completions", "bash"]))).unwrap();

    let got = bash_complete(&sb, &script, &["cmo", "prod"], "cmo prod");
    assert_eq!(got, ["products"]);

    let got = bash_complete(
        &sb,
        &script,
        &["cmo", "products", "list", "--backend", "1n"],
        "cmo products list --backend 1n",
    );
    assert_eq!(got, ["1nce-noc"]);

    // `--backend=` (bash splits the word at `=`), and the kinds come too.
    let got = bash_complete(
        &sb,
        &script,
        &["cmo", "products", "list", "--backend", "=", "T"],
        "cmo products list --backend=T",
    );
    assert_eq!(got, ["TMSP", "TMUS", "TURKCELL"]);
    let got = bash_complete(
        &sb,
        &script,
        &["cmo", "products", "list", "--backend", ""],
        "cmo products list --backend ",
    );
    assert!(got.contains(&"tmsp-noc".to_string()), "{got:?}");
    assert!(got.contains(&"1NCE".to_string()), "{got:?}");

    // A `--config` typed on the line is the config asked.
    let other = sb.path("other.toml");
    std::fs::write(&other, CONFIG.replace("1nce-noc", "1nce-lab")).unwrap();
    let other = other.display().to_string();
    let got = bash_complete(
        &sb,
        &script,
        &[
            "cmo",
            "--config",
            &other,
            "products",
            "list",
            "--backend",
            "1n",
        ],
        &format!("cmo --config {other} products list --backend 1n"),
    );
    assert_eq!(got, ["1nce-lab"]);

    // Flags still complete through the generated function.
    let got = bash_complete(
        &sb,
        &script,
        &["cmo", "products", "list", "--back"],
        "cmo products list --back",
    );
    assert_eq!(got, ["--backend"]);
}

#[test]
fn backend_candidates_need_no_secret_and_survive_a_broken_config() {
    let sb = Sandbox::new();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmo"));
    sb.env(&mut cmd);
    let out = ok_stdout(&cmd.env("CMO_COMPLETE", "backends").output().unwrap());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..3], ["1nce-noc", "tmsp-noc", "TMSP"], "{out}");
    assert!(lines.contains(&"CMO"), "{out}");

    std::fs::write(sb.path("config/cmo/config.toml"), "[[backend]\nbroken").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmo"));
    sb.env(&mut cmd);
    let out = cmd.env("CMO_COMPLETE", "backends").output().unwrap();
    let text = ok_stdout(&out);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.lines().next(), Some("TMSP"), "{text}");
}

#[test]
fn every_shell_gets_a_script() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = ok_stdout(&sb.run(&["completions", shell]));
        assert!(script.contains("products"), "{shell}");
    }
    let zsh = ok_stdout(&sb.run(&["completions", "zsh"]));
    assert!(
        zsh.contains(":NAME|KIND:_cmo_backends'"),
        "zsh --backend action"
    );
    assert!(zsh.contains("_cmo_backends() {"));
    let fish = ok_stdout(&sb.run(&["completions", "fish"]));
    assert!(
        fish.lines()
            .any(|l| l.contains("-l backend") && l.contains("(__fish_cmo_backends)")),
        "fish --backend candidates"
    );
    let bad = sb.run(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn man_pages_render() {
    let sb = Sandbox::new();
    let page = ok_stdout(&sb.run(&["man"]));
    assert!(page.contains(".TH cmo 1"), "{page}");
    assert!(page.contains(".SH SYNOPSIS") && page.contains("products"));

    let dir = sb.path("man");
    let listed = ok_stdout(&sb.run(&["man", "--out", dir.to_str().unwrap()]));
    for name in [
        "cmo.1",
        "cmo-products.1",
        "cmo-products-list.1",
        "cmo-completions.1",
    ] {
        assert!(
            dir.join(name).is_file(),
            "{name} missing; printed:\n{listed}"
        );
        assert!(listed.contains(name), "{listed}");
    }
    let list_page = std::fs::read_to_string(dir.join("cmo-products-list.1")).unwrap();
    assert!(list_page.contains("\\-\\-backend"), "{list_page}");

    // Rendered as a reader would see it: `man -l`, else groff, else only the roff above.
    let rendered = if have("man") {
        Command::new("man")
            .arg("-l")
            .arg(dir.join("cmo.1"))
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .unwrap()
    } else if have("groff") {
        Command::new("groff")
            .args(["-k", "-man", "-Tutf8"])
            .arg(dir.join("cmo.1"))
            .output()
            .unwrap()
    } else {
        eprintln!("skipped rendering: neither man nor groff is installed (roff checked above)");
        return;
    };
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let plain = strip_overstrike(&text);
    assert!(plain.contains("NAME"), "{plain}");
    assert!(plain.contains("SYNOPSIS"), "{plain}");
    assert!(plain.contains("cmo-products(1)"), "{plain}");
}

/// Terminal formatting emboldens and underlines by overstriking (`a\x08a`, `_\x08a`): keep
/// the character shown last.
fn strip_overstrike(s: &str) -> String {
    let mut out: Vec<char> = Vec::new();
    for c in s.chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out.into_iter().collect()
}
