//! `cmo config init [--force]`: writes the commented starter config — config.example.toml's
//! text, embedded at build time — to the config path, creating its directory. An existing file
//! is never overwritten without `--force` (a NOC engineer's accounts live in it). The file is
//! written beside its final name and renamed into place, so a crash leaves the old file or the
//! new one, never half of either; on Unix it is made readable by its owner only, because the
//! secrets that will be added to it should be.

use super::error::CliError;
use super::output;
use std::io::Write;
use std::path::Path;

/// The starter config: the repository's config.example.toml.
pub const STARTER: &str = include_str!("../../config.example.toml");

pub fn init(path: &Path, force: bool) -> Result<i32, CliError> {
    if path.exists() && !force {
        return Err(CliError::Usage(format!(
            "{} already exists; `cmo config init --force` replaces it",
            path.display()
        )));
    }
    write_atomically(path, STARTER).map_err(|e| {
        CliError::Runtime(format!("cannot write the config {}: {e}", path.display()))
    })?;
    output::stdout(&format!(
        "wrote a starter config to {}; edit its [[backend]] entries (secrets from the environment or a command)\n",
        path.display()
    ))?;
    Ok(0)
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config.toml".into());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = options.open(&tmp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    match result.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_is_commented_toml_with_backends() {
        // Its validation with secrets set is tests/cli.rs's (config.example.toml).
        let v: toml::Value = toml::from_str(STARTER).unwrap();
        assert!(
            v.get("backend")
                .and_then(|b| b.as_array())
                .is_some_and(|b| !b.is_empty())
        );
        assert!(
            STARTER
                .lines()
                .filter(|l| l.trim_start().starts_with('#'))
                .count()
                > 5
        );
    }

    #[test]
    fn writes_once_and_refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/cmo/config.toml");
        assert_eq!(init(&path, false).unwrap(), 0);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), STARTER);
        std::fs::write(&path, "# mine\n").unwrap();
        let e = init(&path, false).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("--force"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
        assert_eq!(init(&path, true).unwrap(), 0);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), STARTER);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
