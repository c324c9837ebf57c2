//! The `:` command line: the one table of commands (name, arguments, description) that
//! completion, the help screen and docs/keybindings.md are derived from, the line's editing,
//! history and Tab completion, and running a command (each one maps onto the action, query or
//! effect a key would give).

use super::action::Action;
use super::app::{App, Overlay};
use super::apply::{apply, set_filter_text};
use super::effect::Effect;
use crate::domain::query::{SortColumn, SortKey};
use tui_input::Input;

/// One `:` command.
pub struct Command {
    pub name: &'static str,
    /// Arguments, as help shows them (empty: none).
    pub args: &'static str,
    pub description: &'static str,
}

const fn c(name: &'static str, args: &'static str, description: &'static str) -> Command {
    Command {
        name,
        args,
        description,
    }
}

pub static COMMANDS: &[Command] = &[
    c(
        "filter",
        "QUERY",
        "Filter the list by a query (docs/query.md); no query clears it",
    ),
    c(
        "account",
        "NAME",
        "Only this account's products (the query account:NAME)",
    ),
    c(
        "sort",
        "COLUMN [asc|desc]",
        "Sort by id, account, status, iccid, imsi or msisdn",
    ),
    c("columns", "", "Choose the list's columns"),
    c(
        "wide",
        "",
        "Wide mode: every chosen column and the attributes, none dropped",
    ),
    c(
        "export",
        "FILE.csv",
        "Write the visible rows (sorted, with attributes) as CSV",
    ),
    c(
        "theme",
        "NAME",
        "Switch the colour theme (default, mono, high-contrast, solarized-16, …)",
    ),
    c(
        "monitors",
        "",
        "Show the monitors of asynchronous carrier requests",
    ),
    c(
        "messages",
        "",
        "The session's messages, newest first, whole",
    ),
    c(
        "mark",
        "all|none|invert",
        "Mark every row shown, unmark all, or invert the shown",
    ),
    c("audit", "", "Show the audit journal"),
    c(
        "backends",
        "",
        "Show every backend's health, listing and last error",
    ),
    c(
        "map",
        "",
        "World map of the terminals the query shows (zoom + -, pan arrows/hjkl)",
    ),
    c(
        "overview",
        "",
        "Every account: products by status, health, latency, jobs, data used",
    ),
    c("products", "", "Back to the product list"),
    c("refresh", "", "Reload every backend's list"),
    c("help", "", "Show the help screen"),
    c("q", "", "Quit (also :quit)"),
];

/// How many commands the history keeps (and the data dir's history file holds).
pub const HISTORY_MAX: usize = 200;

/// The command line's state: the text being typed, the history, and a Tab cycle.
#[derive(Debug, Default)]
pub struct CommandLine {
    pub input: Input,
    pub editing: bool,
    /// Oldest first.
    pub history: Vec<String>,
    /// Position in `history` while Up/Down walk it.
    browsing: Option<usize>,
    /// Candidates of the current Tab cycle and the one shown.
    cycle: Option<(Vec<String>, usize)>,
}

impl CommandLine {
    pub fn set_history(&mut self, lines: Vec<String>) {
        self.history = lines;
        self.trim_history();
    }

    fn remember(&mut self, line: &str) {
        self.history.retain(|h| h != line);
        self.history.push(line.to_string());
        self.trim_history();
    }

    fn trim_history(&mut self) {
        let excess = self.history.len().saturating_sub(HISTORY_MAX);
        self.history.drain(..excess);
    }
}

pub fn open(app: &mut App) -> Vec<Effect> {
    app.command.editing = true;
    app.command.input.reset();
    app.command.browsing = None;
    app.command.cycle = None;
    Vec::new()
}

/// Keys while the command line is open.
pub fn apply_line(app: &mut App, action: Action) -> Vec<Effect> {
    let line = &mut app.command;
    match action {
        Action::FilterEdit(edit) => {
            line.input.handle(edit.to_request());
            line.cycle = None;
            Vec::new()
        }
        Action::CompleteCommand => {
            complete(line);
            Vec::new()
        }
        Action::Up | Action::Down => {
            walk_history(line, action == Action::Up);
            Vec::new()
        }
        Action::CancelCommand | Action::Back => {
            line.editing = false;
            line.input.reset();
            Vec::new()
        }
        Action::RunCommand => {
            line.editing = false;
            let text = line.input.value().trim().to_string();
            line.input.reset();
            if text.is_empty() {
                return Vec::new();
            }
            line.remember(&text);
            let mut effects = vec![Effect::SaveHistory {
                lines: line.history.clone(),
            }];
            effects.extend(run(app, &text));
            effects
        }
        _ => {
            app.dirty = false;
            Vec::new()
        }
    }
}

fn walk_history(line: &mut CommandLine, older: bool) {
    if line.history.is_empty() {
        return;
    }
    let last = line.history.len() - 1;
    let next = match (line.browsing, older) {
        (None, true) => Some(last),
        (None, false) => None,
        (Some(i), true) => Some(i.saturating_sub(1)),
        (Some(i), false) if i < last => Some(i + 1),
        (Some(_), false) => None,
    };
    line.browsing = next;
    let text = next.map(|i| line.history[i].clone()).unwrap_or_default();
    line.input = Input::new(text);
    line.cycle = None;
}

/// Tab: complete the command name, or the argument of `sort`, `theme` and `account`; a second
/// Tab cycles through the candidates.
fn complete(line: &mut CommandLine) {
    if let Some((candidates, i)) = &mut line.cycle {
        *i = (*i + 1) % candidates.len();
        line.input = Input::new(candidates[*i].clone());
        return;
    }
    let text = line.input.value().to_string();
    let candidates = candidates(&text);
    match candidates.len() {
        0 => {}
        1 => line.input = Input::new(candidates[0].clone()),
        _ => {
            let common = common_prefix(&candidates);
            if common.len() > text.len() {
                line.input = Input::new(common);
            } else {
                // Start on the first candidate that changes the line.
                let first = usize::from(candidates[0] == text);
                line.input = Input::new(candidates[first].clone());
                line.cycle = Some((candidates, first));
            }
        }
    }
}

/// Every completion of `text`, each the whole new line.
pub fn candidates(text: &str) -> Vec<String> {
    let (name, rest) = match text.split_once(' ') {
        None => {
            return COMMANDS
                .iter()
                .filter(|c| c.name.starts_with(text))
                .map(|c| {
                    let space = if c.args.is_empty() { "" } else { " " };
                    format!("{}{space}", c.name)
                })
                .collect();
        }
        Some(split) => split,
    };
    let words: Vec<String> = match name {
        "sort" => SortColumn::ALL
            .iter()
            .map(|c| c.name().to_string())
            .flat_map(|c| [c.clone(), format!("{c} desc")])
            .collect(),
        "mark" => ["all", "none", "invert"].map(str::to_string).to_vec(),
        "theme" => super::theme::names()
            .iter()
            .map(|n| n.to_string())
            .collect(),
        _ => Vec::new(),
    };
    words
        .into_iter()
        .filter(|w| w.starts_with(rest))
        .map(|w| format!("{name} {w}"))
        .collect()
}

fn common_prefix(words: &[String]) -> String {
    let first = &words[0];
    let mut end = first.len();
    for w in &words[1..] {
        end = end.min(
            first
                .char_indices()
                .zip(w.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map_or(0, |((i, a), _)| i + a.len_utf8()),
        );
    }
    first[..end].to_string()
}

/// Run one command line.
pub fn run(app: &mut App, text: &str) -> Vec<Effect> {
    let (name, arg) = match text.trim().split_once(char::is_whitespace) {
        Some((n, a)) => (n, a.trim()),
        None => (text.trim(), ""),
    };
    let name = name.trim_start_matches(':');
    match name {
        "q" | "quit" => apply(app, Action::Quit),
        "help" => apply(app, Action::Help),
        "monitors" => to_products_then(app, Action::Monitors),
        "messages" => apply(app, Action::Messages),
        "mark" => match arg {
            "all" => apply(app, Action::MarkAll),
            "none" | "clear" => apply(app, Action::ClearMarks),
            "invert" => apply(app, Action::InvertMarks),
            other => {
                app.set_error(&format!(
                    ":mark takes all, none or invert (not {})",
                    if other.is_empty() { "nothing" } else { other }
                ));
                Vec::new()
            }
        },
        "audit" => to_products_then(app, Action::Audit),
        "backends" => to_products_then(app, Action::Backends),
        "map" => super::flows::map::open(app),
        "overview" => super::flows::overview::open(app),
        "products" | "list" => {
            back_to_list(app);
            Vec::new()
        }
        "refresh" => super::apply::refresh(app),
        "filter" => {
            set_query_text(app, arg);
            Vec::new()
        }
        "account" if arg.is_empty() => {
            app.set_error(
                ":account needs an account name (Tab after `:account ` lists none; see `b`)",
            );
            Vec::new()
        }
        "account" => {
            let known = app
                .backends
                .iter()
                .find(|b| b.name.eq_ignore_ascii_case(arg));
            match known {
                Some(b) => {
                    let query = format!("account:{}", b.name);
                    set_query_text(app, &query);
                }
                None => {
                    let names: Vec<&str> = app.backends.iter().map(|b| b.name.as_str()).collect();
                    app.set_error(&format!(
                        "no account is named {arg}; configured: {}",
                        names.join(", ")
                    ));
                }
            }
            Vec::new()
        }
        "sort" => {
            match SortKey::parse(if arg.is_empty() { "account" } else { arg }) {
                Ok(key) => {
                    app.set_sort(key);
                    app.set_info(&format!("sorted by {}", describe(key)));
                }
                Err(e) => app.set_error(&format!(":sort {e}")),
            }
            Vec::new()
        }
        "columns" => {
            app.overlays.push(Overlay::Columns { selected: 0 });
            Vec::new()
        }
        "wide" => {
            app.wide = !app.wide;
            app.set_info(if app.wide {
                "wide mode: every chosen column and the attributes (:wide again to leave)"
            } else {
                "wide mode off: columns drop out as the terminal narrows"
            });
            Vec::new()
        }
        "export" if arg.is_empty() => {
            app.set_error(":export needs a file name, e.g. :export suspended.csv");
            Vec::new()
        }
        "export" => {
            let rows = app.visible.iter().map(|&i| app.rows[i].summary()).collect();
            app.set_info(&format!("exporting {} rows to {arg}…", app.visible.len()));
            vec![Effect::Export {
                path: expand_home(arg),
                rows,
            }]
        }
        "theme" if arg.is_empty() => {
            app.set_error(&format!(
                ":theme needs a name: {}",
                super::theme::names().join(", ")
            ));
            Vec::new()
        }
        "theme" => vec![Effect::SetTheme {
            name: arg.to_string(),
        }],
        other => {
            let close: Vec<&str> = COMMANDS
                .iter()
                .map(|c| c.name)
                .filter(|n| n.starts_with(other.get(..1).unwrap_or("")))
                .collect();
            let hint = if close.is_empty() {
                "Tab completes, :help lists the commands".to_string()
            } else {
                format!("did you mean :{}?", close.join(", :"))
            };
            app.set_error(&format!("unknown command :{other} — {hint}"));
            Vec::new()
        }
    }
}

fn describe(key: SortKey) -> String {
    let dir = if key.descending {
        "descending"
    } else {
        "ascending"
    };
    format!("{} {dir}", key.column.name())
}

/// `~/x.csv` → `$HOME/x.csv`, as a shell would.
fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

/// Put `text` in the filter line and apply it, as if typed after `/`.
fn set_query_text(app: &mut App, text: &str) {
    back_to_list(app);
    app.filter.input = Input::new(text.to_string());
    set_filter_text(app, text);
    if let Some(e) = app.filter.error.clone() {
        app.set_error(&e);
    }
}

fn back_to_list(app: &mut App) {
    app.screen = super::app::Screen::Products;
    app.detail = None;
}

fn to_products_then(app: &mut App, action: Action) -> Vec<Effect> {
    back_to_list(app);
    apply(app, action)
}

#[cfg(test)]
mod tests {
    use super::{CommandLine, candidates, common_prefix, complete, walk_history};

    #[test]
    fn tab_completes_names_and_sort_columns() {
        assert_eq!(candidates("mon"), vec!["monitors".to_string()]);
        assert_eq!(candidates("exp"), vec!["export ".to_string()]);
        assert!(candidates("sort st").contains(&"sort status desc".to_string()));
        assert!(candidates("zzz").is_empty());
        assert_eq!(
            common_prefix(&["status".into(), "status desc".into()]),
            "status"
        );
    }

    #[test]
    fn tab_cycles_when_the_prefix_is_shared() {
        let mut line = CommandLine {
            input: tui_input::Input::new("a".into()),
            ..Default::default()
        };
        complete(&mut line);
        let first = line.input.value().to_string();
        assert!(["account ", "audit"].contains(&first.as_str()), "{first}");
        complete(&mut line);
        assert_ne!(line.input.value(), first, "a second Tab shows the next one");
    }

    #[test]
    fn history_walks_back_and_forth() {
        let mut line = CommandLine::default();
        line.set_history(vec!["sort status".into(), "monitors".into()]);
        walk_history(&mut line, true);
        assert_eq!(line.input.value(), "monitors");
        walk_history(&mut line, true);
        assert_eq!(line.input.value(), "sort status");
        walk_history(&mut line, true);
        assert_eq!(line.input.value(), "sort status", "stays at the oldest");
        walk_history(&mut line, false);
        assert_eq!(line.input.value(), "monitors");
        walk_history(&mut line, false);
        assert_eq!(line.input.value(), "", "past the newest: an empty line");
    }

    #[test]
    fn history_keeps_one_copy_of_each_line_and_at_most_the_limit() {
        let mut line = CommandLine::default();
        for i in 0..300 {
            line.remember(&format!("filter {}", i % 250));
        }
        line.remember("filter 3");
        assert_eq!(line.history.len(), super::HISTORY_MAX);
        assert_eq!(line.history.last().map(String::as_str), Some("filter 3"));
        assert_eq!(line.history.iter().filter(|h| *h == "filter 3").count(), 1);
    }
}
