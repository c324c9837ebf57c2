//! The keymap: one table of (keys, action, context, description). Key handling, the footer's
//! hints, the `?` help overlay and `docs/keybindings.md` are all derived from it.

use super::action::{Action, FilterEdit};
use super::app::{App, Overlay, Screen};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Where a binding applies. `Global` bindings (modifier chords only) apply in every context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    List,
    Detail,
    Monitors,
    Audit,
    Backends,
    Map,
    Overview,
    Filter,
    Command,
    Columns,
    StatusMenu,
    Confirm,
    TypedConfirm,
    AttrForm,
    Report,
    Help,
}

impl Context {
    pub const ALL: [Context; 17] = [
        Context::Global,
        Context::List,
        Context::Detail,
        Context::Monitors,
        Context::Audit,
        Context::Backends,
        Context::Map,
        Context::Overview,
        Context::Filter,
        Context::Command,
        Context::Columns,
        Context::StatusMenu,
        Context::Confirm,
        Context::TypedConfirm,
        Context::AttrForm,
        Context::Report,
        Context::Help,
    ];

    pub const fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::List => "Product list",
            Context::Detail => "Product detail (with its custom attributes)",
            Context::Monitors => "Monitors (asynchronous carrier requests)",
            Context::Audit => "Audit journal",
            Context::Backends => "Backends (accounts, health, last error)",
            Context::Map => "World map (terminals and every product with a position)",
            Context::Overview => "Overview (every account at a glance)",
            Context::Filter => "Filter line (query language: docs/query.md)",
            Context::Command => "Command line (`:`)",
            Context::Columns => "Column picker (`:columns`)",
            Context::StatusMenu => "Status menu",
            Context::Confirm => "Confirmation dialog",
            Context::TypedConfirm => "Typed confirmation (irreversible changes)",
            Context::AttrForm => "Attribute form",
            Context::Report => "Batch report",
            Context::Help => "Help",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}
const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub context: Context,
    /// A word or two for the footer; empty keeps the binding out of the footer.
    pub hint: &'static str,
    pub description: &'static str,
}

const fn b(
    keys: &'static [Key],
    action: Action,
    context: Context,
    hint: &'static str,
    description: &'static str,
) -> Binding {
    Binding {
        keys,
        action,
        context,
        hint,
        description,
    }
}

mod table;

pub use table::KEYMAP;

/// The context keys go to, from the top overlay down to the pane.
pub fn context(app: &App) -> Context {
    match app.top_overlay() {
        Some(Overlay::Help { .. }) => Context::Help,
        Some(Overlay::StatusMenu { .. }) => Context::StatusMenu,
        Some(Overlay::Confirm { .. }) => Context::Confirm,
        Some(Overlay::AttrForm(_)) => Context::AttrForm,
        Some(Overlay::Report { .. }) => Context::Report,
        Some(Overlay::Columns { .. }) => Context::Columns,
        Some(Overlay::Messages { .. }) => Context::Report,
        Some(Overlay::TypedConfirm { .. }) => Context::TypedConfirm,
        None if app.command.editing => Context::Command,
        None if app.filter.editing => Context::Filter,
        None => match app.screen {
            Screen::Monitors => Context::Monitors,
            Screen::Audit => Context::Audit,
            Screen::Backends => Context::Backends,
            Screen::Map => Context::Map,
            // The start-up overview passes keys to the list it stands in for.
            Screen::Overview if app.overview.auto => Context::List,
            Screen::Overview => Context::Overview,
            Screen::Products if app.detail.is_some() => Context::Detail,
            Screen::Products => Context::List,
        },
    }
}

/// The action a key press asks for in the current context, if any.
pub fn handle_key(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctx = context(app);
    // Crossterm reports shifted letters with SHIFT; the character already says it.
    let mods = match key.code {
        KeyCode::Char(_) => key.modifiers - KeyModifiers::SHIFT,
        _ => key.modifiers,
    };
    let pressed = Key {
        code: key.code,
        mods,
    };
    let found = KEYMAP
        .iter()
        .filter(|b| b.context == ctx || b.context == Context::Global)
        .find(|b| b.keys.contains(&pressed))
        .map(|b| b.action);
    if found.is_some() {
        return found;
    }
    match (ctx, key.code) {
        (
            Context::Filter | Context::AttrForm | Context::Command | Context::TypedConfirm,
            KeyCode::Char(c),
        ) if mods.is_empty() => Some(Action::FilterEdit(FilterEdit::Insert(c))),
        _ => None,
    }
}

/// Bindings of one context, in table order.
pub fn bindings(ctx: Context) -> impl Iterator<Item = &'static Binding> {
    KEYMAP.iter().filter(move |b| b.context == ctx)
}

/// How a key is written in hints, help and docs.
pub fn key_label(key: &Key) -> String {
    let base = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        other => format!("{other:?}"),
    };
    if key.mods.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{base}")
    } else {
        base
    }
}

pub fn keys_label(keys: &[Key]) -> String {
    keys.iter().map(key_label).collect::<Vec<_>>().join(" ")
}

/// `docs/keybindings.md`, generated from the table.
pub fn keybindings_markdown() -> String {
    let mut out = String::from(
        "# Key bindings\n\n<!-- Generated from src/ui/keymap.rs by `keybindings_doc_matches_keymap`; do not edit. -->\n\n\
         The console reads keys in the context of what has focus: an open dialog or menu first, then the\n\
         filter line while typing, then the monitors pane, the audit journal, the detail pane or the\n\
         product list. Esc closes overlays first; `q` quits only from the list. Every change (status,\n\
         batch, attribute, monitor cancel) asks for confirmation with the focus on Cancel, or opens a\n\
         form, and goes through the gate (read-only mode, guardrails, audit journal).\n",
    );
    for ctx in Context::ALL {
        out.push_str(&format!(
            "\n## {}\n\n| Keys | Action |\n| --- | --- |\n",
            ctx.title()
        ));
        for bnd in bindings(ctx) {
            let keys = bnd
                .keys
                .iter()
                .map(|k| format!("`{}`", key_label(k)))
                .collect::<Vec<_>>()
                .join(", ");
            out.push_str(&format!("| {keys} | {} |\n", bnd.description));
        }
        if ctx == Context::Filter {
            out.push_str("| any other character | Typed into the filter |\n");
        }
        if ctx == Context::AttrForm {
            out.push_str("| any other character | Typed into the focused field |\n");
        }
        if ctx == Context::TypedConfirm {
            out.push_str("| any other character | Typed into the confirmation |\n");
        }
        if ctx == Context::Command {
            out.push_str("| any other character | Typed into the command line |\n");
            out.push_str("\nCommands (Tab completes, ↑/↓ walk the history kept in the data dir):\n\n| Command | Does |\n| --- | --- |\n");
            for c in super::commands::COMMANDS {
                let args = if c.args.is_empty() {
                    String::new()
                } else {
                    format!(" {}", c.args)
                };
                out.push_str(&format!("| `:{}{args}` | {} |\n", c.name, c.description));
            }
        }
    }
    out
}
