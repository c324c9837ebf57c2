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
    Filter,
    StatusMenu,
    Confirm,
    AttrForm,
    Report,
    Help,
}

impl Context {
    pub const ALL: [Context; 11] = [
        Context::Global,
        Context::List,
        Context::Detail,
        Context::Monitors,
        Context::Audit,
        Context::Filter,
        Context::StatusMenu,
        Context::Confirm,
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
            Context::Filter => "Filter line",
            Context::StatusMenu => "Status menu",
            Context::Confirm => "Confirmation dialog",
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

use Context as C;
use KeyCode as K;

pub static KEYMAP: &[Binding] = &[
    b(&[ctrl('c')], Action::Quit, C::Global, "", "Quit at once"),
    b(
        &[ctrl('l')],
        Action::Redraw,
        C::Global,
        "",
        "Repaint the whole screen",
    ),
    b(
        &[k('j'), code(K::Down)],
        Action::Down,
        C::List,
        "",
        "Next product",
    ),
    b(
        &[k('k'), code(K::Up)],
        Action::Up,
        C::List,
        "",
        "Previous product",
    ),
    b(
        &[code(K::PageDown), ctrl('f')],
        Action::PageDown,
        C::List,
        "",
        "One page down",
    ),
    b(
        &[code(K::PageUp), ctrl('b')],
        Action::PageUp,
        C::List,
        "",
        "One page up",
    ),
    b(
        &[k('g'), code(K::Home)],
        Action::Top,
        C::List,
        "",
        "First product",
    ),
    b(
        &[k('G'), code(K::End)],
        Action::Bottom,
        C::List,
        "",
        "Last product",
    ),
    b(
        &[code(K::Enter)],
        Action::Open,
        C::List,
        "open",
        "Open the product's detail",
    ),
    b(
        &[k('/')],
        Action::StartFilter,
        C::List,
        "filter",
        "Filter on ID, ICCID, IMSI, MSISDN, status or account",
    ),
    b(
        &[k('s')],
        Action::ChangeStatus,
        C::List,
        "status",
        "Change the selected product's status",
    ),
    b(
        &[k('r')],
        Action::Refresh,
        C::List,
        "refresh",
        "Reload every backend's list",
    ),
    b(
        &[k(' ')],
        Action::ToggleMark,
        C::List,
        "mark",
        "Mark or unmark the product for a batch (and move down)",
    ),
    b(
        &[k('S')],
        Action::BatchStatus,
        C::List,
        "batch",
        "Change the status of every marked product",
    ),
    b(
        &[k('m')],
        Action::Monitors,
        C::List,
        "monitors",
        "Show the monitors of asynchronous carrier requests",
    ),
    b(
        &[k('A')],
        Action::Audit,
        C::List,
        "audit",
        "Show the audit journal",
    ),
    b(
        &[code(K::Esc)],
        Action::Back,
        C::List,
        "",
        "Clear the filter",
    ),
    b(&[k('?')], Action::Help, C::List, "help", "Show this help"),
    b(&[k('q')], Action::Quit, C::List, "quit", "Quit"),
    b(
        &[code(K::Esc), k('q')],
        Action::Back,
        C::Detail,
        "back",
        "Back to the list",
    ),
    b(
        &[k('s')],
        Action::ChangeStatus,
        C::Detail,
        "status",
        "Change this product's status",
    ),
    b(
        &[k('r')],
        Action::Refresh,
        C::Detail,
        "refresh",
        "Reload the list and this product",
    ),
    b(
        &[k('j'), code(K::Down)],
        Action::Down,
        C::Detail,
        "",
        "Next custom attribute",
    ),
    b(
        &[k('k'), code(K::Up)],
        Action::Up,
        C::Detail,
        "",
        "Previous custom attribute",
    ),
    b(
        &[code(K::PageDown), ctrl('f')],
        Action::PageDown,
        C::Detail,
        "scroll",
        "Scroll the product detail down half a page",
    ),
    b(
        &[code(K::PageUp), ctrl('b')],
        Action::PageUp,
        C::Detail,
        "",
        "Scroll the product detail up half a page",
    ),
    b(
        &[k('g'), code(K::Home)],
        Action::Top,
        C::Detail,
        "",
        "Back to the top of the product detail",
    ),
    b(
        &[k('a')],
        Action::AddAttr,
        C::Detail,
        "add attr",
        "Add a custom attribute",
    ),
    b(
        &[k('e')],
        Action::EditAttr,
        C::Detail,
        "edit",
        "Edit the selected attribute's value",
    ),
    b(
        &[k('R')],
        Action::RenameAttr,
        C::Detail,
        "rename",
        "Rename the selected attribute",
    ),
    b(
        &[k('d')],
        Action::DeleteAttr,
        C::Detail,
        "delete",
        "Delete the selected attribute (asks first)",
    ),
    b(
        &[k('m')],
        Action::Monitors,
        C::Detail,
        "",
        "Show the monitors",
    ),
    b(
        &[k('A')],
        Action::Audit,
        C::Detail,
        "",
        "Show the audit journal",
    ),
    b(&[k('?')], Action::Help, C::Detail, "help", "Show this help"),
    b(
        &[k('j'), code(K::Down)],
        Action::Down,
        C::Monitors,
        "",
        "Next monitor",
    ),
    b(
        &[k('k'), code(K::Up)],
        Action::Up,
        C::Monitors,
        "",
        "Previous monitor",
    ),
    b(
        &[code(K::PageDown), ctrl('f')],
        Action::PageDown,
        C::Monitors,
        "",
        "One page down",
    ),
    b(
        &[code(K::PageUp), ctrl('b')],
        Action::PageUp,
        C::Monitors,
        "",
        "One page up",
    ),
    b(
        &[k('g'), code(K::Home)],
        Action::Top,
        C::Monitors,
        "",
        "Newest",
    ),
    b(
        &[k('G'), code(K::End)],
        Action::Bottom,
        C::Monitors,
        "",
        "Oldest",
    ),
    b(
        &[k('c')],
        Action::CancelMonitor,
        C::Monitors,
        "cancel request",
        "Cancel the selected request (asks first; only where the backend can cancel)",
    ),
    b(
        &[code(K::Enter)],
        Action::Open,
        C::Monitors,
        "product",
        "Open the product the request changes",
    ),
    b(
        &[k('r')],
        Action::Refresh,
        C::Monitors,
        "reload",
        "Reload the monitors from the store",
    ),
    b(
        &[k('A')],
        Action::Audit,
        C::Monitors,
        "",
        "Show the audit journal",
    ),
    b(
        &[code(K::Esc), k('q')],
        Action::Back,
        C::Monitors,
        "back",
        "Back to the products",
    ),
    b(
        &[k('?')],
        Action::Help,
        C::Monitors,
        "help",
        "Show this help",
    ),
    b(
        &[k('j'), code(K::Down)],
        Action::Down,
        C::Audit,
        "",
        "Scroll down (older)",
    ),
    b(
        &[k('k'), code(K::Up)],
        Action::Up,
        C::Audit,
        "",
        "Scroll up (newer)",
    ),
    b(
        &[code(K::PageDown), ctrl('f')],
        Action::PageDown,
        C::Audit,
        "",
        "One page down",
    ),
    b(
        &[code(K::PageUp), ctrl('b')],
        Action::PageUp,
        C::Audit,
        "",
        "One page up",
    ),
    b(
        &[k('g'), code(K::Home)],
        Action::Top,
        C::Audit,
        "",
        "Newest entry",
    ),
    b(
        &[k('G'), code(K::End)],
        Action::Bottom,
        C::Audit,
        "",
        "Oldest entry",
    ),
    b(
        &[k('r')],
        Action::Refresh,
        C::Audit,
        "reload",
        "Reload the journal",
    ),
    b(
        &[k('m')],
        Action::Monitors,
        C::Audit,
        "monitors",
        "Show the monitors",
    ),
    b(
        &[code(K::Esc), k('q')],
        Action::Back,
        C::Audit,
        "back",
        "Back to the products",
    ),
    b(&[k('?')], Action::Help, C::Audit, "help", "Show this help"),
    b(
        &[code(K::Enter)],
        Action::ApplyFilter,
        C::Filter,
        "keep",
        "Keep the filter and return to the list",
    ),
    b(
        &[code(K::Esc)],
        Action::CancelFilter,
        C::Filter,
        "clear",
        "Clear the filter and return to the list",
    ),
    b(
        &[code(K::Backspace)],
        Action::FilterEdit(FilterEdit::DeletePrevChar),
        C::Filter,
        "",
        "Delete the character before the cursor",
    ),
    b(
        &[code(K::Delete)],
        Action::FilterEdit(FilterEdit::DeleteNextChar),
        C::Filter,
        "",
        "Delete the character under the cursor",
    ),
    b(
        &[ctrl('w')],
        Action::FilterEdit(FilterEdit::DeletePrevWord),
        C::Filter,
        "",
        "Delete the word before the cursor",
    ),
    b(
        &[ctrl('u')],
        Action::FilterEdit(FilterEdit::DeleteLine),
        C::Filter,
        "",
        "Delete the whole filter",
    ),
    b(
        &[code(K::Left)],
        Action::FilterEdit(FilterEdit::Left),
        C::Filter,
        "",
        "Cursor left",
    ),
    b(
        &[code(K::Right)],
        Action::FilterEdit(FilterEdit::Right),
        C::Filter,
        "",
        "Cursor right",
    ),
    b(
        &[code(K::Home), ctrl('a')],
        Action::FilterEdit(FilterEdit::Start),
        C::Filter,
        "",
        "Cursor to the start",
    ),
    b(
        &[code(K::End), ctrl('e')],
        Action::FilterEdit(FilterEdit::End),
        C::Filter,
        "",
        "Cursor to the end",
    ),
    b(
        &[k('j'), code(K::Down)],
        Action::Down,
        C::StatusMenu,
        "",
        "Next target status",
    ),
    b(
        &[k('k'), code(K::Up)],
        Action::Up,
        C::StatusMenu,
        "",
        "Previous target status",
    ),
    b(
        &[code(K::Enter)],
        Action::Open,
        C::StatusMenu,
        "choose",
        "Choose this status (asks for confirmation)",
    ),
    b(
        &[code(K::Esc), k('q')],
        Action::Back,
        C::StatusMenu,
        "cancel",
        "Close the menu",
    ),
    b(
        &[code(K::Tab), code(K::Left), code(K::Right), k('h'), k('l')],
        Action::ToggleFocus,
        C::Confirm,
        "switch",
        "Move between Cancel and Confirm",
    ),
    b(
        &[code(K::Enter)],
        Action::Open,
        C::Confirm,
        "press",
        "Press the focused button (focus starts on Cancel)",
    ),
    b(
        &[code(K::Esc), k('q')],
        Action::Back,
        C::Confirm,
        "cancel",
        "Cancel",
    ),
    b(
        &[code(K::Tab)],
        Action::ToggleFocus,
        C::AttrForm,
        "next field",
        "Move between name and value (where the form lets both be typed)",
    ),
    b(
        &[code(K::Enter)],
        Action::Open,
        C::AttrForm,
        "save",
        "Save (validated first; problems are shown in the form)",
    ),
    b(
        &[code(K::Esc)],
        Action::Back,
        C::AttrForm,
        "cancel",
        "Close the form without saving",
    ),
    b(
        &[code(K::Backspace)],
        Action::FilterEdit(FilterEdit::DeletePrevChar),
        C::AttrForm,
        "",
        "Delete the character before the cursor",
    ),
    b(
        &[code(K::Delete)],
        Action::FilterEdit(FilterEdit::DeleteNextChar),
        C::AttrForm,
        "",
        "Delete the character under the cursor",
    ),
    b(
        &[ctrl('u')],
        Action::FilterEdit(FilterEdit::DeleteLine),
        C::AttrForm,
        "",
        "Clear the field",
    ),
    b(
        &[code(K::Left)],
        Action::FilterEdit(FilterEdit::Left),
        C::AttrForm,
        "",
        "Cursor left",
    ),
    b(
        &[code(K::Right)],
        Action::FilterEdit(FilterEdit::Right),
        C::AttrForm,
        "",
        "Cursor right",
    ),
    b(
        &[code(K::Home), ctrl('a')],
        Action::FilterEdit(FilterEdit::Start),
        C::AttrForm,
        "",
        "Cursor to the start",
    ),
    b(
        &[code(K::End), ctrl('e')],
        Action::FilterEdit(FilterEdit::End),
        C::AttrForm,
        "",
        "Cursor to the end",
    ),
    b(
        &[k('j'), code(K::Down)],
        Action::Down,
        C::Report,
        "",
        "Scroll down",
    ),
    b(
        &[k('k'), code(K::Up)],
        Action::Up,
        C::Report,
        "",
        "Scroll up",
    ),
    b(
        &[code(K::Enter), code(K::Esc), k('q')],
        Action::Back,
        C::Report,
        "close",
        "Close the report",
    ),
    b(
        &[k('j'), code(K::Down)],
        Action::Down,
        C::Help,
        "",
        "Scroll down",
    ),
    b(&[k('k'), code(K::Up)], Action::Up, C::Help, "", "Scroll up"),
    b(
        &[code(K::PageDown), ctrl('f')],
        Action::PageDown,
        C::Help,
        "",
        "One page down",
    ),
    b(
        &[code(K::PageUp), ctrl('b')],
        Action::PageUp,
        C::Help,
        "",
        "One page up",
    ),
    b(
        &[k('g'), code(K::Home)],
        Action::Top,
        C::Help,
        "",
        "To the top",
    ),
    b(
        &[k('G'), code(K::End)],
        Action::Bottom,
        C::Help,
        "",
        "To the end",
    ),
    b(
        &[code(K::Esc), k('q'), k('?')],
        Action::Back,
        C::Help,
        "close",
        "Close the help",
    ),
];

/// The context keys go to, from the top overlay down to the pane.
pub fn context(app: &App) -> Context {
    match app.top_overlay() {
        Some(Overlay::Help { .. }) => Context::Help,
        Some(Overlay::StatusMenu { .. }) => Context::StatusMenu,
        Some(Overlay::Confirm { .. }) => Context::Confirm,
        Some(Overlay::AttrForm(_)) => Context::AttrForm,
        Some(Overlay::Report { .. }) => Context::Report,
        None if app.filter.editing => Context::Filter,
        None => match app.screen {
            Screen::Monitors => Context::Monitors,
            Screen::Audit => Context::Audit,
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
        (Context::Filter | Context::AttrForm, KeyCode::Char(c)) if mods.is_empty() => {
            Some(Action::FilterEdit(FilterEdit::Insert(c)))
        }
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
    }
    out
}
