//! (placeholder: filled by the cli work)
