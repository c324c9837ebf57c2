//! Secret resolution for `[backend.auth]`: exactly one of `secret_env`, `secret_file`,
//! `secret_cmd` or an inline `secret` (accepted with a warning). Resolved values live only in
//! `SecretString` (its `Debug` prints `[REDACTED]`); error messages name the source, never the
//! value, and never echo a command's output.

use secrecy::SecretString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Read the secret from `source`. The error is a plain message; the caller adds file/line/key.
pub fn resolve(source: &SecretSource) -> Result<SecretString, String> {
    let value = match source {
        SecretSource::Env(var) => std::env::var(var).map_err(|e| match e {
            std::env::VarError::NotPresent => format!("environment variable {var} is not set"),
            std::env::VarError::NotUnicode(_) => {
                format!("environment variable {var} is not valid UTF-8")
            }
        })?,
        SecretSource::File(path) => read_private_file(path)?,
        SecretSource::Command(cmd) => run_command(cmd)?,
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
/// reported: stdout may hold a secret and stderr may echo one.
fn run_command(cmd: &str) -> Result<String, String> {
    let output = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run secret command `{cmd}`: {e}"))?;
    if !output.status.success() {
        return Err(format!("secret command `{cmd}` failed ({})", output.status));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| format!("secret command `{cmd}` printed something that is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn command_output_is_the_secret_without_trailing_newline() {
        let s = resolve(&SecretSource::Command("echo hunter2".into())).unwrap();
        assert_eq!(s.expose_secret(), "hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn failing_command_reports_status_not_output() {
        let e = resolve(&SecretSource::Command("echo topsecret; exit 3".into())).unwrap_err();
        assert!(e.contains("failed"), "{e}");
        // The command line itself is named; what it printed is not.
        assert_eq!(e.matches("topsecret").count(), 1, "{e}");
    }

    #[test]
    fn missing_env_names_the_variable() {
        let e = resolve(&SecretSource::Env(
            "CMO_TEST_VAR_THAT_IS_NEVER_SET_42".into(),
        ))
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
        let e = resolve(&SecretSource::File(path.clone())).unwrap_err();
        assert!(e.contains("accessible by group or others"), "{e}");
        assert!(e.contains("chmod 600"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let s = resolve(&SecretSource::File(path)).unwrap();
        assert_eq!(s.expose_secret(), "s3cr3t");
    }
}
