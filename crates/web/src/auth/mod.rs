//! Authentication: passwords, session cookies, API tokens, login limits.

pub mod password;
pub mod rate_limit;
pub mod session;
pub mod tokens;
