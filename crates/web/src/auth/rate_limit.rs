//! A limit of events per client address within a minute: more than N
//! failed logins (or N public pledges) within a minute and further attempts
//! get 429 until the oldest event ages out.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

pub struct LoginLimiter {
    max_failures: usize,
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(max_failures: usize) -> Self {
        LoginLimiter {
            max_failures,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` when the address must wait before trying again.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(q) = map.get_mut(&ip) else {
            return Ok(());
        };
        while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            q.pop_front();
        }
        if q.len() >= self.max_failures {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        Ok(())
    }

    pub fn record_failure(&self, ip: IpAddr, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Keep the map from growing without bound under a spray of addresses.
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        map.entry(ip).or_default().push_back(now);
    }

    pub fn clear(&self, ip: IpAddr) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_within_a_minute_is_refused_then_allowed_later() {
        let limiter = LoginLimiter::new(5);
        let ip: IpAddr = [10, 0, 0, 1].into();
        let t0 = Instant::now();
        for i in 0..5 {
            assert!(limiter.check(ip, t0 + Duration::from_secs(i)).is_ok());
            limiter.record_failure(ip, t0 + Duration::from_secs(i));
        }
        let wait = limiter
            .check(ip, t0 + Duration::from_secs(10))
            .expect_err("limited");
        assert!((49..=51).contains(&wait), "wait {wait}");
        assert!(limiter.check(ip, t0 + Duration::from_secs(61)).is_ok());
        let other: IpAddr = [10, 0, 0, 2].into();
        assert!(limiter.check(other, t0 + Duration::from_secs(10)).is_ok());
    }
}
