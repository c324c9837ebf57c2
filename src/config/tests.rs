//! Unit tests for config parsing: one per error the loader reports, plus the happy path.

use super::*;
use secrecy::ExposeSecret;

const GOOD: &str = r#"
theme = "mono"
read_only = true
max_batch_size = 50
monitor_retention = "3d"

[store]
data_dir = "/tmp/cmo-data"

[[backend]]
name = "1nce-demo"
kind = "1NCE"
base_url = "http://127.0.0.1:9999/management-api"
account_id = "42"
rate_limit_per_second = 5
connect_timeout = "2s"
request_timeout = "9s"
max_retries = 2
[backend.auth]
username = "client"
secret_cmd = "printf 's3%s' cr3t"
"#;

fn err(text: &str) -> String {
    Config::from_toml_str(text, "test.toml")
        .unwrap_err()
        .to_string()
}

fn backend(extra: &str, auth: &str) -> String {
    format!(
        "[[backend]]\nname = \"a\"\nkind = \"1NCE\"\nbase_url = \"http://127.0.0.1:1/x\"\naccount_id = \"1\"\n{extra}\n[backend.auth]\nusername = \"u\"\n{auth}\n"
    )
}

#[test]
fn full_config_parses_with_every_key() {
    let c = Config::from_toml_str(GOOD, "test.toml").unwrap();
    assert_eq!(
        (c.theme.as_str(), c.read_only, c.max_batch_size),
        ("mono", true, 50)
    );
    assert_eq!(c.monitor_retention, Duration::from_secs(3 * 86_400));
    assert_eq!(c.store.data_dir, Some(PathBuf::from("/tmp/cmo-data")));
    let b = &c.backends[0];
    assert_eq!(
        (b.name.as_str(), b.kind, b.account_id.as_str()),
        ("1nce-demo", BackendKind::OneNce, "42")
    );
    assert_eq!(b.base_url.as_str(), "http://127.0.0.1:9999/management-api");
    assert_eq!(b.rate_limit_per_second, Some(5));
    assert_eq!(b.connect_timeout, Some(Duration::from_secs(2)));
    assert_eq!(b.request_timeout, Some(Duration::from_secs(9)));
    assert_eq!(b.max_retries, Some(2));
    assert_eq!(b.auth.secret.expose_secret(), "s3cr3t");
    assert!(
        !format!("{c:?}").contains("s3cr3t"),
        "Debug must redact the secret"
    );
}

#[test]
fn empty_file_gives_defaults() {
    let c = Config::from_toml_str("", "empty.toml").unwrap();
    assert_eq!(c.max_batch_size, DEFAULT_MAX_BATCH_SIZE);
    assert_eq!(c.monitor_retention, DEFAULT_MONITOR_RETENTION);
    assert_eq!(c.theme, "default");
    assert!(c.mouse, "the mouse is captured unless turned off");
    assert!(c.backends.is_empty());
}

#[test]
fn mouse_is_a_boolean_and_a_bad_value_names_line_and_key() {
    let c = Config::from_toml_str("mouse = false\n", "test.toml").unwrap();
    assert!(!c.mouse);
    let e = err("theme = \"mono\"\nmouse = \"off\"\n");
    assert!(e.starts_with("test.toml, line 2, key `mouse`"), "{e}");
}

#[test]
fn unknown_top_level_key_names_file_line_and_key() {
    let e = err("theme = \"x\"\ncolour = \"red\"\n");
    assert!(e.starts_with("test.toml, line 2, key `colour`"), "{e}");
    assert!(e.contains("unknown field"), "{e}");
}

#[test]
fn unknown_backend_key_is_refused() {
    let e = err(&backend("region = \"eu\"", "secret_cmd = \"echo x\""));
    assert!(e.contains("line 6, key `region`"), "{e}");
}

#[test]
fn bad_value_type_names_the_key() {
    let e = err("read_only = \"yes\"\n");
    assert!(e.contains("line 1, key `read_only`"), "{e}");
}

#[test]
fn bad_kind_lists_the_valid_kinds() {
    let text = backend("", "secret_cmd = \"echo x\"").replace("\"1NCE\"", "\"ACME\"");
    let e = err(&text);
    assert!(e.contains("line 3, key `kind`"), "{e}");
    assert!(
        e.contains("unknown backend kind 'ACME'") && e.contains("GALAXY1"),
        "{e}"
    );
}

#[test]
fn bad_url_is_refused() {
    let text =
        backend("", "secret_cmd = \"echo x\"").replace("http://127.0.0.1:1/x", "ftp://host/x");
    let e = err(&text);
    assert!(
        e.contains("line 4, key `base_url`") && e.contains("http:// or https://"),
        "{e}"
    );
    let text = backend("", "secret_cmd = \"echo x\"").replace("http://127.0.0.1:1/x", "not a url");
    assert!(err(&text).contains("is not a URL"));
}

#[test]
fn duplicate_names_are_refused_ignoring_case() {
    let one = backend("", "secret_cmd = \"echo x\"");
    let two = one.replace("name = \"a\"", "name = \"A\"");
    let e = err(&format!("{one}{two}"));
    assert!(e.contains("key `name`") && e.contains("used twice"), "{e}");
    assert!(e.contains("line 11"), "{e}");
}

#[test]
fn out_of_range_numbers_and_bad_durations_are_refused() {
    let e = err("max_batch_size = 0\n");
    assert!(
        e.contains("key `max_batch_size`") && e.contains("out of range"),
        "{e}"
    );
    let e = err("monitor_retention = \"soon\"\n");
    assert!(
        e.contains("key `monitor_retention`") && e.contains("not a duration"),
        "{e}"
    );
    let e = err(&backend(
        "rate_limit_per_second = 0",
        "secret_cmd = \"echo x\"",
    ));
    assert!(e.contains("key `rate_limit_per_second`"), "{e}");
    let e = err(&backend(
        "request_timeout = \"0s\"",
        "secret_cmd = \"echo x\"",
    ));
    assert!(
        e.contains("key `request_timeout`") && e.contains("greater than zero"),
        "{e}"
    );
}

#[test]
fn missing_auth_and_missing_required_key_are_reported() {
    let text = "[[backend]]\nname = \"a\"\nkind = \"1NCE\"\nbase_url = \"http://h/x\"\naccount_id = \"1\"\n";
    let e = err(text);
    assert!(e.contains("missing field `auth`"), "{e}");
}

#[test]
fn exactly_one_secret_source_is_required() {
    let e = err(&backend("", ""));
    assert!(
        e.contains("key `auth`") && e.contains("exactly one of"),
        "{e}"
    );
    let e = err(&backend("", "secret_env = \"A\"\nsecret_cmd = \"echo x\""));
    assert!(e.contains("secret_env and secret_cmd"), "{e}");
}

#[test]
fn missing_env_secret_names_variable_not_value() {
    let e = err(&backend("", "secret_env = \"CMO_TEST_UNSET_SECRET_VAR_1\""));
    assert!(
        e.contains("line 9, key `secret_env`")
            && e.contains("CMO_TEST_UNSET_SECRET_VAR_1 is not set"),
        "{e}"
    );
}

#[test]
fn inline_secret_is_accepted() {
    let c = Config::from_toml_str(&backend("", "secret = \"inline-pw\""), "t").unwrap();
    assert_eq!(c.backends[0].auth.secret.expose_secret(), "inline-pw");
    assert_eq!(c.backends[0].auth.secret_source, SecretSource::Inline);
}

#[cfg(unix)]
#[test]
fn world_readable_secret_file_is_refused_with_line() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pw");
    std::fs::write(&path, "pw").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let auth = format!("secret_file = \"{}\"", path.display());
    let e = err(&backend("", &auth));
    assert!(
        e.contains("key `secret_file`") && e.contains("accessible by group or others"),
        "{e}"
    );
}

#[test]
fn load_reports_missing_file_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cmo").join("config.toml");
    let e = Config::load(&path).unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }));
    assert!(e.to_string().contains("config.toml"), "{e}");
    assert!(!dir.path().join("cmo").exists());
}

#[test]
fn load_names_the_file_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "\n\nbogus = 1\n").unwrap();
    let e = Config::load(&path).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}, line 3, key `bogus`", path.display())),
        "{e}"
    );
}

#[test]
fn default_path_ends_in_cmo_config_toml() {
    if let Some(p) = Config::default_path() {
        assert!(p.ends_with("cmo/config.toml"), "{}", p.display());
    }
}

#[test]
fn example_config_is_valid() {
    let text = include_str!("../../config.example.toml").replace(
        "secret_env = \"ONENCE_SECRET\"",
        "secret_cmd = \"echo example\"",
    );
    let c = Config::from_toml_str(&text, "config.example.toml").unwrap();
    assert_eq!(c.backends.len(), 1);
    assert_eq!(c.max_batch_size, DEFAULT_MAX_BATCH_SIZE);
    assert_eq!(c.monitor_retention, DEFAULT_MONITOR_RETENTION);
}

#[test]
fn loading_without_secrets_reads_and_runs_none_but_validates_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let text = backend(
        "",
        &format!("secret_cmd = \"touch {} && echo s3cret\"", marker.display()),
    ) + "[store]\ndata_dir = \"/srv/cmo\"\n";
    let path = dir.path().join("config.toml");
    std::fs::write(&path, &text).unwrap();
    let config = Config::load_without_secrets(&path).unwrap();
    assert_eq!(config.store.data_dir, Some(PathBuf::from("/srv/cmo")));
    assert!(!marker.exists(), "the secret command was run");
    assert!(config.backends[0].auth.secret.expose_secret().is_empty());
    // The full load runs it.
    Config::load(&path).unwrap();
    assert!(marker.exists());

    // Everything else is still validated.
    std::fs::write(&path, text.replace("\"1NCE\"", "\"ACME\"")).unwrap();
    assert!(Config::load_without_secrets(&path).is_err());
}

#[test]
fn client_auth_is_form_or_basic_and_only_for_cmo() {
    let cmo =
        |auth: &str| backend("", &format!("secret = \"s\"\n{auth}")).replace("\"1NCE\"", "\"CMO\"");
    let c = Config::from_toml_str(&cmo(""), "t").unwrap();
    assert_eq!(c.backends[0].auth.client_auth, ClientAuth::Form);
    let c = Config::from_toml_str(&cmo("client_auth = \"basic\""), "t").unwrap();
    assert_eq!(c.backends[0].auth.client_auth, ClientAuth::Basic);
    let e = err(&cmo("client_auth = \"header\""));
    assert!(
        e.contains("\"form\" or \"basic\"") && e.contains("client_auth"),
        "{e}"
    );
    let e = err(&backend("", "secret = \"s\"\nclient_auth = \"basic\""));
    assert!(e.contains("CMO only"), "{e}");
}

#[test]
fn refresh_interval_is_off_by_default_and_at_least_30_s() {
    let c = Config::from_toml_str("", "test.toml").unwrap();
    assert_eq!(c.refresh_interval, None);
    let c = Config::from_toml_str("refresh_interval = \"5m\"\n", "test.toml").unwrap();
    assert_eq!(
        c.refresh_interval,
        Some(std::time::Duration::from_secs(300))
    );
    let e = err("mouse = true\nrefresh_interval = \"5s\"\n");
    assert!(
        e.starts_with("test.toml, line 2, key `refresh_interval`"),
        "{e}"
    );
    assert!(e.contains("at least 30s"), "{e}");
    let e = err("refresh_interval = \"soon\"\n");
    assert!(e.contains("not a duration"), "{e}");
}

#[test]
fn a_non_utf8_config_names_the_file_line_and_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, b"theme = \"default\"\nread_only = false # caf\xe9\n").unwrap();
    let err = Config::load(&path).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConfigError::Invalid { .. }), "{msg}");
    assert!(msg.contains("config.toml, line 2"), "{msg}");
    assert!(
        msg.contains("byte offset 41") && msg.contains("0xE9"),
        "{msg}"
    );
    assert!(Config::load_without_secrets(&path).is_err());
    // A directory is bad input too, not an I/O failure.
    let err = Config::load(dir.path()).unwrap_err();
    assert!(matches!(err, ConfigError::Invalid { .. }), "{err}");
}

#[test]
fn carrier_bounds_have_generous_defaults_and_are_configurable() {
    let c = Config::from_toml_str(&backend("", "secret_env = \"PATH\""), "t").unwrap();
    assert_eq!(c.max_list_pages, DEFAULT_MAX_LIST_PAGES);
    assert_eq!(c.command_timeout, DEFAULT_COMMAND_TIMEOUT);
    assert_eq!(c.secret_cmd_timeout, DEFAULT_SECRET_CMD_TIMEOUT);
    assert_eq!(c.backends[0].max_response_bytes, DEFAULT_MAX_RESPONSE_BYTES);
    let text = format!(
        "max_response_size = \"8MiB\"\nmax_list_pages = 50\ncommand_timeout = \"45s\"\nsecret_cmd_timeout = \"3s\"\n{}{}",
        backend("", "secret_env = \"PATH\""),
        backend("max_response_size = \"512KiB\"", "secret_env = \"PATH\"")
            .replace("\"a\"", "\"b\"")
    );
    let c = Config::from_toml_str(&text, "t").unwrap();
    assert_eq!(c.max_list_pages, 50);
    assert_eq!(c.command_timeout, Duration::from_secs(45));
    assert_eq!(c.secret_cmd_timeout, Duration::from_secs(3));
    assert_eq!(c.backends[0].max_response_bytes, 8 << 20);
    assert_eq!(c.backends[1].max_response_bytes, 512 << 10);
}

#[test]
fn a_bad_size_names_the_key_and_line() {
    let e = err(&format!(
        "max_response_size = \"lots\"\n{}",
        backend("", "secret = \"pw12\"")
    ));
    assert!(e.contains("line 1, key `max_response_size`"), "{e}");
    let e = err(&format!(
        "max_response_size = \"3TB\"\n{}",
        backend("", "secret = \"pw12\"")
    ));
    assert!(e.contains("unknown size unit 'tb'"), "{e}");
    let e = err(&backend("max_response_size = \"12\"", "secret = \"pw12\""));
    assert!(e.contains("from 1KiB to 16GiB"), "{e}");
}

#[test]
fn an_inline_secret_is_a_warning_naming_file_line_and_backend() {
    let c =
        Config::from_toml_str(&backend("", "secret = \"inline-Kq7-secret\""), "cfg.toml").unwrap();
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    let w = &c.warnings[0];
    assert!(
        w.starts_with("cfg.toml, line 9: backend 'a' has an inline secret"),
        "{w}"
    );
    assert!(!w.contains("inline-Kq7-secret"), "{w}");
    // And the secret is registered with the one redaction path.
    assert_eq!(crate::redact::scrub("x inline-Kq7-secret y"), "x *** y");
    let c = Config::from_toml_str(&backend("", "secret_env = \"PATH\""), "t").unwrap();
    assert!(c.warnings.is_empty());
}

#[test]
fn usage_history_retention_defaults_to_90_days_and_is_at_least_a_day() {
    let c = Config::from_toml_str("", "test.toml").unwrap();
    assert_eq!(
        c.usage_history_retention,
        crate::store::DEFAULT_USAGE_RETENTION
    );
    let c = Config::from_toml_str("usage_history_retention = \"30d\"\n", "test.toml").unwrap();
    assert_eq!(c.usage_history_retention, Duration::from_secs(30 * 86_400));
    let e = err("usage_history_retention = \"2h\"\n");
    assert!(
        e.contains("key `usage_history_retention`") && e.contains("at least 1d"),
        "{e}"
    );
}
