//! `Action`: what the user asked for, independent of the key that asked. The keymap turns keys
//! into actions and `apply` turns actions into state changes and effects. Serde-friendly so a
//! keymap in a config file can name actions by their serialized names.

use serde::{Deserialize, Serialize};

/// One user intent. Generic verbs (`Up`, `Open`, `Back`) mean the obvious thing in whatever has
/// focus: the list, a menu or a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Select the list row at this position of the visible rows (a mouse click).
    Select {
        position: usize,
    },
    /// Press one of a confirmation's buttons (a mouse click): the action button, or the safe one.
    Press {
        confirm: bool,
    },
    /// Open the selected product's detail; pick the selected menu item; press the focused button.
    Open,
    /// Close the top overlay, leave the detail pane, or clear an applied filter.
    Back,
    Quit,
    StartFilter,
    FilterEdit(FilterEdit),
    /// Keep the typed filter and leave filter editing.
    ApplyFilter,
    /// Drop the typed filter and leave filter editing.
    CancelFilter,
    Refresh,
    /// Open the status-change menu for the selected product.
    ChangeStatus,
    /// Move focus between the buttons of a confirmation dialog.
    ToggleFocus,
    /// Cancel the selected carrier request (monitors pane; asks for confirmation).
    CancelMonitor,
    /// Show the monitors pane (every asynchronous request and its state).
    Monitors,
    /// Show the audit journal.
    Audit,
    /// Show the backends: each account's health, latency, listing and last error.
    Backends,
    /// Change a characteristic of the open product at the carrier (TMSP).
    UpdateCharacteristics,
    /// Mark or unmark the selected product for a batch.
    ToggleMark,
    /// Change the status of every marked product (a batch; asks for confirmation).
    BatchStatus,
    /// Add a custom attribute to the open product.
    AddAttr,
    /// Edit the selected attribute's value.
    EditAttr,
    /// Rename the selected attribute.
    RenameAttr,
    /// Delete the selected attribute (asks for confirmation).
    DeleteAttr,
    Help,
    /// Mark every row the query shows.
    MarkAll,
    /// Invert the marks of the rows shown.
    InvertMarks,
    /// Unmark everything.
    ClearMarks,
    /// Batch report: confirm again for the products that failed.
    RetryFailed,
    /// Show the session's messages, newest first, whole.
    Messages,
    /// Open the `:` command line.
    StartCommand,
    /// Run the typed command.
    RunCommand,
    /// Close the command line without running it.
    CancelCommand,
    /// Complete the command or its argument (Tab; again cycles).
    CompleteCommand,
    /// Sort by the next column (ID → account → status → …).
    CycleSort,
    /// Reverse the sort direction.
    ReverseSort,
    /// Wide mode on or off.
    ToggleWide,
    /// Copy the selected product's id to the clipboard (OSC 52).
    CopyId,
    /// Copy the selected product's ICCID or serial to the clipboard (OSC 52).
    CopyBusinessId,
    /// Show or hide the highlighted column (column picker).
    ToggleColumn,
    /// Repaint the whole screen (after the terminal got garbled).
    Redraw,
    Resize {
        width: u16,
        height: u16,
    },
    /// Show the world map of the terminals the query shows.
    Map,
    /// Show the overview of every account.
    Overview,
    /// Move the map a quarter of its window east (negative: west) and north (negative: south).
    Pan {
        east: i8,
        north: i8,
    },
    /// Zoom the map in (on the selected terminal when it is on screen).
    ZoomIn,
    /// Zoom the map out.
    ZoomOut,
}

/// Editing of a text field (the filter line, the attribute form); mapped onto
/// `tui_input::InputRequest` by `apply`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterEdit {
    Insert(char),
    DeletePrevChar,
    DeleteNextChar,
    DeletePrevWord,
    DeleteLine,
    Left,
    Right,
    Start,
    End,
}

impl FilterEdit {
    pub fn to_request(self) -> tui_input::InputRequest {
        use tui_input::InputRequest as R;
        match self {
            FilterEdit::Insert(c) => R::InsertChar(c),
            FilterEdit::DeletePrevChar => R::DeletePrevChar,
            FilterEdit::DeleteNextChar => R::DeleteNextChar,
            FilterEdit::DeletePrevWord => R::DeletePrevWord,
            FilterEdit::DeleteLine => R::DeleteLine,
            FilterEdit::Left => R::GoToPrevChar,
            FilterEdit::Right => R::GoToNextChar,
            FilterEdit::Start => R::GoToStart,
            FilterEdit::End => R::GoToEnd,
        }
    }
}
