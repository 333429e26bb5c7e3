//! VietQR (NAPAS 247, EMVCo merchant-presented) payloads and QR images (pure, no IO).
