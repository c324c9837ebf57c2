//! XDG paths for config, data, state (logs) and themes (placeholder).
