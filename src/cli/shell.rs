//! What shells and `man` expect of a command line: completion scripts (`cmo completions SHELL`,
//! from `clap_complete`'s static generators) and man pages (`cmo man [--out DIR]`,
//! `clap_mangen`).
//!
//! The scripts are generated from the clap types, so every subcommand and flag completes
//! without a word here. Backend names cannot be known when a script is generated — they live in
//! the config, which changes — so for bash, zsh and fish the generated script is extended to run
//! `CMO_COMPLETE=backends cmo [--config PATH]` at completion time (forwarding a `--config` typed
//! on the line; an environment variable rather than a hidden subcommand, which the generators
//! would offer at `cmo <Tab>`). That reads the config without its secrets (no environment
//! lookup, no file, no command: the same reading as `cmo info`) and prints each configured
//! backend name, then every backend kind, one a line. It never fails: a missing or broken config
//! only leaves the kinds.

use super::args::Cli;
use super::error::{CliError, exit};
use super::output;
use super::session::local_config;
use crate::domain::BackendKind;
use crate::paths::Paths;
use clap::{CommandFactory, Parser};
use clap_complete::Shell;
use std::path::Path;

/// The environment variable the scripts set (to `backends`) to ask for `--backend` values.
pub const COMPLETE_ENV: &str = "CMO_COMPLETE";

/// `cmo completions SHELL`: the script on stdout.
pub fn completions(shell: Shell) -> Result<i32, CliError> {
    output::stdout(&script(shell)?)?;
    Ok(exit::OK)
}

/// The completion script for `shell`, with backend-name completion where the shell allows it.
pub fn script(shell: Shell) -> Result<String, CliError> {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut buf);
    let generated = String::from_utf8(buf)
        .map_err(|e| CliError::Runtime(format!("completion script is not UTF-8: {e}")))?;
    Ok(match shell {
        Shell::Bash => bash(&generated),
        Shell::Zsh => zsh(&generated),
        Shell::Fish => fish(&generated),
        _ => generated,
    })
}

/// Bash: `_cmo_complete` answers `--backend VALUE` (also `--backend=VALUE`, which bash splits at
/// `=`) from the helper and hands every other word to the generated `_cmo`.
fn bash(generated: &str) -> String {
    const WRAPPER: &str = r#"
# Backend names come from the config at completion time (`CMO_COMPLETE=backends cmo`).
_cmo_complete() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="" prev2=""
    (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"
    (( COMP_CWORD > 1 )) && prev2="${COMP_WORDS[COMP_CWORD-2]}"
    if [[ "$prev" == "=" && "$prev2" == "--backend" ]]; then
        prev="--backend"
    elif [[ "$cur" == "=" && "$prev" == "--backend" ]]; then
        cur=""
    fi
    if [[ "$prev" == "--backend" ]]; then
        local -a args=()
        local i word
        for (( i = 1; i < COMP_CWORD; i++ )); do
            word="${COMP_WORDS[i]}"
            if [[ "$word" == "--config" && "${COMP_WORDS[i+1]}" == "=" ]]; then
                args=(--config "${COMP_WORDS[i+2]/#\~/$HOME}")
            elif [[ "$word" == "--config" ]]; then
                args=(--config "${COMP_WORDS[i+1]/#\~/$HOME}")
            fi
        done
        local program="${COMP_WORDS[0]/#\~/$HOME}"
        local IFS=$'\n'
        COMPREPLY=( $(compgen -W "$(CMO_COMPLETE=backends "$program" "${args[@]}" 2>/dev/null)" -- "$cur") )
        return 0
    fi
    _cmo "$@"
}
"#;
    // Register the wrapper instead of `_cmo`, with the options the generator chose.
    let registered = generated.replace("complete -F _cmo ", "complete -F _cmo_complete ");
    match registered.rfind("\nif [[ \"${BASH_VERSINFO[0]}\" -eq 4") {
        Some(at) => format!("{}\n{WRAPPER}{}", &registered[..at], &registered[at..]),
        None => format!(
            "{registered}{WRAPPER}\ncomplete -F _cmo_complete -o bashdefault -o default cmo\n"
        ),
    }
}

/// Zsh: the `--backend` value's action (`_default`, i.e. files) becomes `_cmo_backends`.
fn zsh(generated: &str) -> String {
    const FUNCTION: &str = r#"
# Backend names come from the config at completion time (`CMO_COMPLETE=backends cmo`).
(( $+functions[_cmo_backends] )) ||
_cmo_backends() {
    # `words` holds only the subcommand's words here: read the whole line.
    local -a line names config
    local i
    line=(${(z)BUFFER})
    for (( i = 2; i < ${#line}; i++ )); do
        case "${line[i]}" in
            --config) config=(--config "${(Q)~line[i+1]}") ;;
            --config=*) config=(--config "${(Q)~${line[i]#--config=}}") ;;
        esac
    done
    names=(${(f)"$(CMO_COMPLETE=backends ${(Q)~line[1]} $config 2>/dev/null)"})
    compadd -a names
}
"#;
    let replaced = generated.replace(":NAME|KIND:_default'", ":NAME|KIND:_cmo_backends'");
    // Functions must exist before the generated `_cmo` is first run at the end of the file.
    match replaced.rfind("\nif [ \"$funcstack[1]\" = \"_cmo\" ]") {
        Some(at) => format!("{}\n{FUNCTION}{}", &replaced[..at], &replaced[at..]),
        None => format!("{replaced}{FUNCTION}"),
    }
}

/// Fish: the `--backend` line gets `-f -a` candidates from `__fish_cmo_backends` (no files).
fn fish(generated: &str) -> String {
    const FUNCTION: &str = r#"
# Backend names come from the config at completion time (`CMO_COMPLETE=backends cmo`).
function __fish_cmo_backends
    set -l words (commandline -opc)
    set -l config
    for i in (seq 2 (count $words))
        switch $words[$i]
            case --config
                set config --config $words[(math $i + 1)]
            case '--config=*'
                set config --config (string replace -- --config= '' $words[$i])
        end
    end
    env CMO_COMPLETE=backends $words[1] $config 2>/dev/null
end
"#;
    let mut out = String::from(FUNCTION.trim_start());
    for line in generated.lines() {
        out.push_str(line);
        if line.contains(" -l backend ") && line.starts_with("complete -c cmo") {
            out.push_str(" -f -a '(__fish_cmo_backends)'");
        }
        out.push('\n');
    }
    out
}

/// Whether this run is a completion script asking for `--backend` values.
pub fn backends_requested() -> bool {
    std::env::var_os(COMPLETE_ENV).is_some_and(|v| v == "backends")
}

/// Configured backend names (in config order), then every kind, one a line on stdout. The
/// command line carries at most the global flags (`--config`); anything it cannot parse means
/// the default config. Never fails: completion must not print errors into the prompt.
pub fn backend_candidates() -> i32 {
    let cli = Cli::try_parse().or_else(|_| Cli::try_parse_from(["cmo"]));
    let mut out = String::new();
    if let Ok(cli) = cli
        && let Ok(paths) = Paths::resolve(cli.global.config.as_deref(), None)
        && let Ok(config) = local_config(&cli.global, &paths)
    {
        for backend in &config.backends {
            let name = crate::text::sanitize(&backend.name);
            if !name.trim().is_empty() {
                out.push_str(&name);
                out.push('\n');
            }
        }
    }
    for kind in BackendKind::ALL {
        out.push_str(kind.as_str());
        out.push('\n');
    }
    let _ = output::stdout(&out);
    exit::OK
}

/// `cmo man`: `cmo.1` on stdout, or with `--out DIR` every page (`cmo.1`, `cmo-products.1`,
/// `cmo-products-list.1`, …) written into DIR, one path a line on stdout.
pub fn man(out: Option<&Path>) -> Result<i32, CliError> {
    let cmd = Cli::command();
    match out {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut buf)
                .map_err(|e| CliError::Runtime(format!("cannot render the man page: {e}")))?;
            let page = String::from_utf8(buf)
                .map_err(|e| CliError::Runtime(format!("man page is not UTF-8: {e}")))?;
            output::stdout(&page)?;
        }
        Some(dir) => {
            let fail = |e: std::io::Error| {
                CliError::Runtime(format!("cannot write man pages to {}: {e}", dir.display()))
            };
            std::fs::create_dir_all(dir).map_err(fail)?;
            clap_mangen::generate_to(cmd, dir).map_err(fail)?;
            let mut written: Vec<String> = std::fs::read_dir(dir)
                .map_err(fail)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|x| x == "1")
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n == "cmo.1" || n.starts_with("cmo-"))
                })
                .map(|p| p.display().to_string())
                .collect();
            written.sort();
            output::stdout(&written.iter().map(|p| format!("{p}\n")).collect::<String>())?;
        }
    }
    Ok(exit::OK)
}
