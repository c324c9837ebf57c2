//! Writes the console configuration (config.example.toml) that points at running simulators.
//! Secrets go to `<config dir>/<name>.secret` files created with mode 0600 and are referenced
//! by `secret_file`; the inline variant is only for in-process demo use.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{SimHandle, SimPlatform};

/// A TOML basic string, quoted and escaped.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn render(platforms: &[SimPlatform], secret_line: impl Fn(&SimPlatform) -> String) -> String {
    let mut out = String::from("theme = \"default\"\nread_only = false\n");
    for p in platforms {
        out.push_str(&format!(
            "[[backend]]\nname = {}\nkind = {}\nbase_url = {}\naccount_id = {}\n[backend.auth]\nusername = {}\n{}\n",
            quoted(&p.name),
            quoted(p.kind),
            quoted(&p.base_url),
            quoted(&p.account_id),
            quoted(&p.username),
            secret_line(p),
        ));
    }
    out
}

/// Creates (or truncates) a file readable by its owner only.
fn write_private(path: &Path, contents: &str) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // An existing file keeps its old mode on open; tighten it explicitly.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(contents.as_bytes())
    }
    #[cfg(not(unix))]
    {
        options.open(path)?.write_all(contents.as_bytes())
    }
}

impl SimHandle {
    /// Writes the config to `path` and one `<name>.secret` file (0600) per platform beside it.
    pub fn write_config(&self, path: &Path) -> io::Result<()> {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir)?;
        let dir = fs::canonicalize(&dir)?;
        for p in &self.platforms {
            write_private(&dir.join(format!("{}.secret", p.name)), &p.secret)?;
        }
        let toml = render(&self.platforms, |p| {
            let file = dir.join(format!("{}.secret", p.name));
            format!("secret_file = {}", quoted(&file.to_string_lossy()))
        });
        fs::write(path, toml)
    }

    /// The same config with each secret inline (`secret = "…"`), for in-process demo use.
    pub fn config_toml_inline(&self) -> String {
        render(&self.platforms, |p| {
            format!("secret = {}", quoted(&p.secret))
        })
    }
}
