//! Modal layers drawn above the panes (the top one gets the keys): help, the status menu (for one
//! product or a batch), the confirmation of a mutation (focus always starts on Cancel), the
//! attribute form, and the report of a finished batch.

use crate::domain::{BackendKind, Characteristic, ProductId, Status};
use tui_input::Input;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmFocus {
    Cancel,
    Confirm,
}

impl ConfirmFocus {
    pub fn toggled(self) -> ConfirmFocus {
        match self {
            ConfirmFocus::Cancel => ConfirmFocus::Confirm,
            ConfirmFocus::Confirm => ConfirmFocus::Cancel,
        }
    }
}

/// What a status menu changes: one product, or every marked product (a batch).
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    One { id: ProductId, from: Status },
    Batch { ids: Vec<ProductId> },
}

/// A mutation waiting for the user's confirmation; pressing Confirm turns it into an effect.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Status {
        id: ProductId,
        from: Status,
        to: Status,
    },
    /// `ids` are sent; `unchanged` already are in `to`; `refused` cannot move to it (why).
    Batch {
        ids: Vec<ProductId>,
        to: Status,
        unchanged: Vec<ProductId>,
        refused: Vec<(ProductId, String)>,
    },
    DeleteAttr {
        id: ProductId,
        name: String,
    },
    CancelMonitor {
        monitor_id: String,
        kind: BackendKind,
        request: String,
    },
    Characteristic {
        id: ProductId,
        change: Characteristic,
    },
    /// Quitting while `in_flight` changes are still waiting for their carrier: their outcome
    /// would only be found in the audit journal later.
    Quit {
        in_flight: usize,
    },
}

/// What the attribute form does when submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormMode {
    /// A new attribute: name and value are typed.
    Add,
    /// A new value for `name` (the name is shown, not edited).
    Edit { name: String },
    /// A new name for `old` (the value is kept and shown, not edited).
    Rename { old: String },
    /// A product characteristic to change at the carrier (TMSP): name and value are typed,
    /// and a confirmation follows.
    Characteristic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Name,
    Value,
}

/// The two-field attribute form. `error` is a validation problem shown inside the form.
#[derive(Debug, Clone)]
pub struct AttrForm {
    pub product: ProductId,
    pub mode: FormMode,
    pub name: Input,
    pub value: Input,
    pub field: FormField,
    pub error: Option<String>,
    /// The CMO account the attribute is saved on; `None`: the local store.
    pub stored_on: Option<String>,
}

impl PartialEq for AttrForm {
    fn eq(&self, other: &Self) -> bool {
        self.product == other.product
            && self.mode == other.mode
            && self.name.value() == other.name.value()
            && self.value.value() == other.value.value()
            && self.field == other.field
            && self.error == other.error
            && self.stored_on == other.stored_on
    }
}

impl AttrForm {
    pub fn new(product: ProductId, mode: FormMode, name: &str, value: &str) -> AttrForm {
        let field = match mode {
            FormMode::Edit { .. } => FormField::Value,
            FormMode::Add | FormMode::Rename { .. } | FormMode::Characteristic => FormField::Name,
        };
        AttrForm {
            product,
            mode,
            name: Input::new(name.to_string()),
            value: Input::new(value.to_string()),
            field,
            error: None,
            stored_on: None,
        }
    }

    /// Only the fields the mode lets the user type into.
    pub fn editable(&self, field: FormField) -> bool {
        match (&self.mode, field) {
            (FormMode::Add | FormMode::Characteristic, _) => true,
            (FormMode::Edit { .. }, f) => f == FormField::Value,
            (FormMode::Rename { .. }, f) => f == FormField::Name,
        }
    }

    /// Move to the other field when the mode lets it be typed into.
    pub fn switch_field(&mut self) {
        let other = match self.field {
            FormField::Name => FormField::Value,
            FormField::Value => FormField::Name,
        };
        if self.editable(other) {
            self.field = other;
        }
    }

    pub fn focused_input(&mut self) -> &mut Input {
        match self.field {
            FormField::Name => &mut self.name,
            FormField::Value => &mut self.value,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The keymap help; `scroll` is the first line shown.
    Help { scroll: usize },
    StatusMenu {
        subject: Subject,
        targets: Vec<Status>,
        selected: usize,
    },
    Confirm {
        pending: Pending,
        focus: ConfirmFocus,
    },
    /// Boxed: the form (two inputs) is far larger than every other overlay.
    AttrForm(Box<AttrForm>),
    /// An irreversible change (TERMINATED, DELETED): it goes only once `expected` is typed.
    TypedConfirm {
        pending: Pending,
        expected: String,
        /// What has been typed so far.
        typed: String,
    },
    /// The session's messages, newest first, whole (`:messages`, `M`); `scroll` is the first line.
    Messages { scroll: usize },
    /// The list's column picker (`:columns`): `selected` is the highlighted column.
    Columns { selected: usize },
    /// A finished batch, one line per product (already sanitized).
    Report {
        title: String,
        lines: Vec<String>,
        scroll: usize,
    },
}
