//! The images must scan: PNGs and SVGs are decoded back to the payload with
//! `rqrr`, an independent QR reader.

use vietqr::{MAX_MODULE_PX, Payment, QUIET_ZONE, VietQrError, modules, payload, png, svg};

fn payloads() -> Vec<String> {
    [
        Payment::new("970436", "0071000123456"),
        Payment::new("970436", "0071000123456")
            .with_amount(500_000)
            .with_memo("CT0004273 ủng hộ trẻ em A Lưới"),
        // Longest memo, name, city, account and amount: the largest code.
        Payment::new("970422", "ABCDEFGHIJ123456789")
            .with_amount(9_999_999_999_999)
            .with_memo("CT9999999 ung ho dong bao mien Trung bi bao lu")
            .with_merchant_name("Quy Chung Tay ho tro tre em vung cao")
            .with_merchant_city("Thanh pho Ho Chi Minh"),
    ]
    .iter()
    .map(|p| payload(p).expect("valid"))
    .collect()
}

/// PNG bytes → (width, height, 8-bit luminance), via the `png` decoder.
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("PNG header");
    {
        let info = reader.info();
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(info.bit_depth, png::BitDepth::One);
    }
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let frame = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(frame.bit_depth, png::BitDepth::Eight, "expanded to 8 bits");
    let (w, h) = (frame.width as usize, frame.height as usize);
    buf.truncate(frame.buffer_size());
    // EXPAND scales 1-bit grey to 0/255.
    assert!(buf.iter().all(|&v| v == 0 || v == 255));
    (w, h, buf)
}

/// Reads the only QR code in a luminance image.
fn scan(w: usize, h: usize, luma: &[u8]) -> String {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code found");
    let (_meta, content) = grids[0].decode().expect("QR decodes");
    content
}

#[test]
fn png_scans_back_to_the_payload() {
    for text in payloads() {
        for px in [3, 8] {
            let bytes = png(&text, px).expect("renders");
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
            let (w, h, luma) = decode_png(&bytes);
            let side = modules(&text).expect("encodes");
            assert_eq!((w, h), (side * px as usize, side * px as usize));
            // Quiet zone: the border of QUIET_ZONE modules is white.
            let border = QUIET_ZONE * px as usize;
            for y in 0..h {
                for x in 0..w {
                    if x < border || y < border || x >= w - border || y >= h - border {
                        assert_eq!(luma[y * w + x], 255, "quiet zone at {x},{y}");
                    }
                }
            }
            assert_eq!(scan(w, h, &luma), text, "px {px}");
        }
    }
}

#[test]
fn module_size_is_checked() {
    let text = &payloads()[0];
    for px in [0, MAX_MODULE_PX + 1] {
        let err = VietQrError::ModuleSize {
            module_px: px,
            max: MAX_MODULE_PX,
        };
        assert_eq!(png(text, px), Err(err.clone()));
        assert_eq!(svg(text, px), Err(err));
    }
    assert!(png(text, 1).is_ok());
}

#[test]
fn too_much_data_is_an_error() {
    let huge = "x".repeat(3000);
    assert!(matches!(png(&huge, 1), Err(VietQrError::QrEncode(_))));
    assert!(matches!(svg(&huge, 1), Err(VietQrError::QrEncode(_))));
}

/// Rasterises our own SVG path ("M x y h w v1 h-w z" runs, module units).
fn rasterise_svg(svg: &str, side: usize) -> Vec<bool> {
    let d_at = svg.find(" d=\"").expect("path data") + 4;
    let d = &svg[d_at..d_at + svg[d_at..].find('"').expect("closing quote")];
    assert!(!d.is_empty());
    let mut dark = vec![false; side * side];
    for run in d.split('z').filter(|r| !r.is_empty()) {
        let rest = run.strip_prefix('M').expect("sub-path starts with M");
        let (x, rest) = rest.split_once(' ').expect("x");
        let (y, rest) = rest.split_once('h').expect("y");
        let (w, rest) = rest.split_once("v1h-").expect("width");
        assert_eq!(rest, w, "closes the same width");
        let (x, y, w): (usize, usize, usize) = (
            x.parse().expect("x"),
            y.parse().expect("y"),
            w.parse().expect("w"),
        );
        for i in x..x + w {
            assert!(!dark[y * side + i], "runs do not overlap");
            dark[y * side + i] = true;
        }
    }
    dark
}

#[test]
fn svg_is_well_formed_scans_and_matches_the_png() {
    for text in payloads() {
        let side = modules(&text).expect("encodes");
        let s = svg(&text, 4).expect("renders");
        assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(s.ends_with("</svg>"));
        assert!(s.contains(&format!("viewBox=\"0 0 {side} {side}\"")));
        assert!(s.contains(&format!("width=\"{0}\" height=\"{0}\"", side * 4)));
        assert_eq!(s.matches("<path").count(), 1);
        assert_eq!(s.matches("<title>").count(), 1);
        assert!(s.contains("<title>") && s.find("<title>") < s.find("</title>"));
        // Tags balance: every element is either self-closed or closed.
        for tag in ["svg", "title"] {
            assert_eq!(
                s.matches(&format!("<{tag}")).count(),
                s.matches(&format!("</{tag}>")).count()
            );
        }
        assert!(s.contains("fill=\"#000\"") && s.contains("fill=\"#fff\""));

        // Same modules as the PNG (sampled at module centres), and it scans.
        let dark = rasterise_svg(&s, side);
        let (w, _, luma) = decode_png(&png(&text, 4).expect("renders"));
        for y in 0..side {
            for x in 0..side {
                let png_dark = luma[(y * 4 + 2) * w + x * 4 + 2] == 0;
                assert_eq!(dark[y * side + x], png_dark, "module {x},{y}");
            }
        }
        let px = 5;
        let size = side * px;
        let luma: Vec<u8> = (0..size * size)
            .map(|i| {
                if dark[(i / size / px) * side + (i % size) / px] {
                    0
                } else {
                    255
                }
            })
            .collect();
        assert_eq!(scan(size, size, &luma), text);
    }
}

#[test]
fn svg_size_is_proportional_to_the_module_count() {
    let all = payloads();
    let (small, large) = (&all[0], &all[2]);
    let (ms, ml) = (modules(small).expect("ok"), modules(large).expect("ok"));
    assert!(ml > ms, "more data, more modules: {ms} vs {ml}");
    // Version 1 is 21 modules; with the quiet zone the side is 4 * version + 17 + 8.
    assert_eq!((ms - 2 * QUIET_ZONE - 17) % 4, 0);
    for (text, m) in [(small, ms), (large, ml)] {
        for px in [1u32, 4, 10] {
            let s = svg(text, px).expect("renders");
            let size = m * px as usize;
            assert!(s.contains(&format!("width=\"{size}\" height=\"{size}\"")));
        }
    }
    // Compact: far smaller than one rect per module.
    let s = svg(large, 4).expect("renders");
    assert!(s.len() < ml * ml * 6, "{} bytes for {ml}² modules", s.len());
}
