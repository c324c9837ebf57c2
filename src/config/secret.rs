//! Secret resolution for `[backend.auth]`: exactly one of `secret_env`, `secret_file`,
//! `secret_cmd` or an inline `secret` (accepted with a warning). Resolved values live only in
//! `SecretString` (its `Debug` prints `[REDACTED]`); error messages name the source, never the
//! value, and never echo a command's output.

use secrecy::SecretString;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where a backend's secret came from (shown by `cmo info`; never the value itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
    Command(String),
    Inline,
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(var) => write!(f, "environment variable {var}"),
            SecretSource::File(path) => write!(f, "file {}", path.display()),
            SecretSource::Command(cmd) => write!(f, "command `{cmd}`"),
            SecretSource::Inline => f.write_str("inline value in the config file"),
        }
    }
}

/// Read the secret from `source`; a `secret_cmd` may run for `cmd_timeout`. The error is a
/// plain message; the caller adds file/line/key.
pub fn resolve(source: &SecretSource, cmd_timeout: Duration) -> Result<SecretString, String> {
    let value = match source {
        SecretSource::Env(var) => std::env::var(var).map_err(|e| match e {
            std::env::VarError::NotPresent => format!("environment variable {var} is not set"),
            std::env::VarError::NotUnicode(_) => {
                format!("environment variable {var} is not valid UTF-8")
            }
        })?,
        SecretSource::File(path) => read_private_file(path)?,
        SecretSource::Command(cmd) => run_command(cmd, cmd_timeout)?,
        // The caller takes an inline secret straight from the TOML value.
        SecretSource::Inline => return Err("an inline secret has no source to read".into()),
    };
    let trimmed = value.trim_end_matches(['\n', '\r']).to_string();
    if trimmed.is_empty() {
        return Err(format!("the secret from {source} is empty"));
    }
    Ok(SecretString::from(trimmed))
}

/// A secret file must not be readable or writable by group or others (like ssh keys).
fn read_private_file(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read secret file {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "secret file {} is accessible by group or others (mode {:o}); run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    if !meta.is_file() {
        return Err(format!(
            "secret file {} is not a regular file",
            path.display()
        ));
    }
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read secret file {}: {e}", path.display()))
}

/// Run `cmd` with `sh -c`; its stdout is the secret. On failure only the exit status is
/// reported: stdout may hold a secret and stderr may echo one. A command still running after
/// `timeout` (a password manager waiting for a touch that never comes, `sleep 600`) is killed
/// with its whole process group, and the error says which key to raise.
fn run_command(cmd: &str, timeout: Duration) -> Result<String, String> {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        // Its own process group, so a timeout kills what the shell started too.
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run secret command `{cmd}`: {e}"))?;
    // Read stdout on a thread: a command printing more than a pipe holds would otherwise
    // block before exiting. A secret is small; more than 64 KiB is not one.
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(64 * 1024 + 1).read_to_end(&mut out);
        }
        out
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                kill_group(&mut child);
                return Err(format!(
                    "secret command `{cmd}` did not finish within {} (secret_cmd_timeout); it was stopped",
                    humantime::format_duration(timeout)
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("cannot wait for secret command `{cmd}`: {e}")),
        }
    };
    if !status.success() {
        return Err(format!("secret command `{cmd}` failed ({status})"));
    }
    let out = reader
        .join()
        .map_err(|_| format!("cannot read the output of secret command `{cmd}`"))?;
    if out.len() > 64 * 1024 {
        return Err(format!(
            "secret command `{cmd}` printed more than 64 KiB; that is not a secret"
        ));
    }
    String::from_utf8(out)
        .map_err(|_| format!("secret command `{cmd}` printed something that is not UTF-8"))
}

/// Kill a timed-out secret command and everything in its process group, then reap it.
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // `kill -KILL -PGID`: std has no process-group kill and a dependency for one call is
        // not worth it. The group id is the child's pid (`process_group(0)` above).
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg("--")
            .arg(format!("-{}", child.id()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    const T: Duration = Duration::from_secs(10);

    #[test]
    fn a_command_that_outlives_its_timeout_is_stopped_with_a_clear_message() {
        // The shell forks `sleep` (two commands), so only killing the group ends both.
        let e = resolve(
            &SecretSource::Command("sleep 600; echo never".into()),
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert!(e.contains("did not finish within 200ms"), "{e}");
        assert!(e.contains("secret_cmd_timeout"), "{e}");
    }

    #[test]
    fn command_output_is_the_secret_without_trailing_newline() {
        let s = resolve(&SecretSource::Command("echo hunter2".into()), T).unwrap();
        assert_eq!(s.expose_secret(), "hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn failing_command_reports_status_not_output() {
        let e = resolve(&SecretSource::Command("echo topsecret; exit 3".into()), T).unwrap_err();
        assert!(e.contains("failed"), "{e}");
        // The command line itself is named; what it printed is not.
        assert_eq!(e.matches("topsecret").count(), 1, "{e}");
    }

    #[test]
    fn missing_env_names_the_variable() {
        let e = resolve(
            &SecretSource::Env("CMO_TEST_VAR_THAT_IS_NEVER_SET_42".into()),
            T,
        )
        .unwrap_err();
        assert!(
            e.contains("CMO_TEST_VAR_THAT_IS_NEVER_SET_42 is not set"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn group_readable_file_is_refused_and_private_file_is_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "s3cr3t\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = resolve(&SecretSource::File(path.clone()), T).unwrap_err();
        assert!(e.contains("accessible by group or others"), "{e}");
        assert!(e.contains("chmod 600"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let s = resolve(&SecretSource::File(path), T).unwrap();
        assert_eq!(s.expose_secret(), "s3cr3t");
    }
}
