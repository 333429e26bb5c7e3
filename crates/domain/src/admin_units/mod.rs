//! Administrative units of Huế with their history (stub).
