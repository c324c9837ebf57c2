//! Configuration: loading, validation and secret resolution (placeholder).
