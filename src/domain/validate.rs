//! Validation of connector fields. Each message names the field and says how to fix it.
