//! Drawing the QR code: SVG text and PNG bytes, from the `qrcode` crate's
//! module matrix (error correction level M, quiet zone of 4 modules).

use qrcode::{Color, EcLevel, QrCode};

use crate::VietQrError;

/// Light modules around the symbol, as ISO/IEC 18004 requires.
pub const QUIET_ZONE: usize = 4;
/// The largest module size accepted, in pixels.
pub const MAX_MODULE_PX: u32 = 64;

/// The dark/light matrix of `payload` with its quiet zone.
struct Matrix {
    /// Modules per side, quiet zone included.
    side: usize,
    dark: Vec<bool>,
}

impl Matrix {
    fn new(payload: &str) -> Result<Self, VietQrError> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
            .map_err(|e| VietQrError::QrEncode(e.to_string()))?;
        let width = code.width();
        let side = width + 2 * QUIET_ZONE;
        let mut dark = vec![false; side * side];
        for (i, color) in code.to_colors().into_iter().enumerate() {
            let (x, y) = (i % width, i / width);
            dark[(y + QUIET_ZONE) * side + x + QUIET_ZONE] = color == Color::Dark;
        }
        Ok(Matrix { side, dark })
    }

    fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.side + x]
    }
}

fn check_module_px(module_px: u32) -> Result<usize, VietQrError> {
    if (1..=MAX_MODULE_PX).contains(&module_px) {
        usize::try_from(module_px).map_err(|_| VietQrError::ModuleSize {
            module_px,
            max: MAX_MODULE_PX,
        })
    } else {
        Err(VietQrError::ModuleSize {
            module_px,
            max: MAX_MODULE_PX,
        })
    }
}

/// The number of modules per side of the QR code of `payload`, quiet zone
/// included (the SVG's viewBox size and the PNG's size in modules).
pub fn modules(payload: &str) -> Result<usize, VietQrError> {
    Ok(Matrix::new(payload)?.side)
}

/// A compact SVG of the QR code: black modules on white, one `<path>`,
/// `module_px` pixels per module, with a `<title>` for screen readers.
pub fn svg(payload: &str, module_px: u32) -> Result<String, VietQrError> {
    let px = check_module_px(module_px)?;
    let m = Matrix::new(payload)?;
    let side = m.side;
    let size = side * px;

    // One sub-path per horizontal run of dark modules, in module units.
    let mut d = String::new();
    for y in 0..side {
        let mut x = 0;
        while x < side {
            if m.is_dark(x, y) {
                let start = x;
                while x < side && m.is_dark(x, y) {
                    x += 1;
                }
                d.push_str(&format!("M{start} {y}h{}v1h-{}z", x - start, x - start));
            } else {
                x += 1;
            }
        }
    }

    Ok(format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" "#,
            r#"width="{size}" height="{size}" viewBox="0 0 {side} {side}" "#,
            r#"shape-rendering="crispEdges" role="img">"#,
            "<title>Mã VietQR chuyển khoản / VietQR transfer code</title>",
            r##"<rect width="{side}" height="{side}" fill="#fff"/>"##,
            r##"<path fill="#000" d="{d}"/>"##,
            "</svg>"
        ),
        size = size,
        side = side,
        d = d
    ))
}

/// A PNG of the QR code: 1-bit grayscale, black on white, `module_px`
/// pixels per module, quiet zone included.
pub fn png(payload: &str, module_px: u32) -> Result<Vec<u8>, VietQrError> {
    let px = check_module_px(module_px)?;
    let m = Matrix::new(payload)?;
    let size = m.side * px;
    let size_u32 = u32::try_from(size).map_err(|_| VietQrError::ModuleSize {
        module_px,
        max: MAX_MODULE_PX,
    })?;

    // 1 bit per pixel, most significant bit first, 1 = white; rows padded to
    // whole bytes.
    let row_bytes = size.div_ceil(8);
    let mut pixels = vec![0u8; row_bytes * size];
    for y in 0..size {
        let row = &mut pixels[y * row_bytes..(y + 1) * row_bytes];
        for x in 0..size {
            if !m.is_dark(x / px, y / px) {
                row[x / 8] |= 0x80 >> (x % 8);
            }
        }
    }

    let png_err = |e: png::EncodingError| VietQrError::Png(e.to_string());
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, size_u32, size_u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header().map_err(png_err)?;
    writer.write_image_data(&pixels).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    Ok(out)
}
