//! Charts as small server-rendered SVG strings: no script, no web font,
//! `viewBox` 360 units wide so that they fill a 360-px phone screen at
//! 1:1 and scale up on larger ones, a `<title>` and a `<desc>` that states
//! the numbers for screen readers, every piece of text XML-escaped.
//! Colours come from the Okabe–Ito palette and ColorBrewer's single-hue
//! "Blues" (both readable with colour-blindness); categories that must be
//! told apart also differ by pattern or dash, not only by colour.

use crate::number::{format_compact, format_date, format_int, format_percent_bp};
use chrono::NaiveDate;
use std::fmt::Write;
use unicode_normalization::UnicodeNormalization;

const WIDTH: f32 = 360.0;
const PAD: f32 = 8.0;
const BLUE: &str = "#0072B2";
const ORANGE: &str = "#E69F00";
const VERMILLION: &str = "#D55E00";
const SERIES: [&str; 5] = [BLUE, VERMILLION, "#009E73", "#CC79A7", ORANGE];
const DASHES: [&str; 5] = ["", "6 3", "2 2", "8 2 2 2", "4 4"];
/// ColorBrewer Blues, 5 classes (light to dark).
const BLUES: [&str; 5] = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
const NO_DATA: &str = "Không có dữ liệu";

/// Escapes text for XML content and attribute values, in NFC; drops the
/// control characters XML 1.0 forbids.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.nfc() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// An id for this chart's title, description and patterns, stable for the
/// same chart, so that several charts on one page do not collide.
fn chart_id(kind: &str, title: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in kind.bytes().chain(title.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("chart-{:08x}", hash as u32)
}

struct Svg {
    out: String,
    id: String,
}

impl Svg {
    fn new(kind: &str, title: &str, desc: &str, height: f32) -> Svg {
        let id = chart_id(kind, title);
        let mut out = String::new();
        let _ = write!(
            out,
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0}" width="100%" role="img" aria-labelledby="{id}-t {id}-d" font-family="sans-serif" font-size="12" fill="#1a1a1a"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"##,
            escape(title),
            escape(desc)
        );
        let _ = write!(
            out,
            r#"<text x="{PAD}" y="18" font-size="14" font-weight="bold">{}</text>"#,
            escape(title)
        );
        Svg { out, id }
    }

    fn hatch(&mut self, name: &str, background: &str, stripe: &str) {
        let id = &self.id;
        let _ = write!(
            self.out,
            r#"<defs><pattern id="{id}-{name}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{background}"/><line x1="0" y1="0" x2="0" y2="6" stroke="{stripe}" stroke-width="2"/></pattern></defs>"#
        );
    }

    fn pattern_ref(&self, name: &str) -> String {
        format!("url(#{}-{name})", self.id)
    }

    fn text(&mut self, x: f32, y: f32, text: &str, extra: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{x:.1}" y="{y:.1}"{extra}>{}</text>"#,
            escape(text)
        );
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: &str, extra: &str) {
        let _ = write!(
            self.out,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}"{extra}/>"#,
            w.max(0.0),
            h.max(0.0)
        );
    }

    /// A row of legend swatches at `y`.
    fn legend(&mut self, y: f32, entries: &[(String, String)]) {
        let mut x = PAD;
        for (fill, label) in entries {
            let width = 26.0 + label.chars().count() as f32 * 6.5;
            if x + width > WIDTH - PAD && x > PAD {
                break;
            }
            self.rect(
                x,
                y - 9.0,
                10.0,
                10.0,
                fill,
                r##" stroke="#555" stroke-width="0.5""##,
            );
            self.text(x + 14.0, y, label, r#" font-size="11""#);
            x += width;
        }
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

fn empty_chart(kind: &str, title: &str) -> String {
    let mut svg = Svg::new(kind, title, NO_DATA, 60.0);
    svg.text(PAD, 44.0, NO_DATA, r##" fill="#555""##);
    svg.finish()
}

fn with_unit(value: i64, unit: &str) -> String {
    if unit.trim().is_empty() {
        format_int(value)
    } else {
        format!("{} {}", format_int(value), unit.trim())
    }
}

/// Horizontal bars, one per label, the label above its bar so that long
/// commune names fit a phone.
pub fn bar_chart(title: &str, items: &[(String, i64)], unit: &str) -> String {
    if items.is_empty() {
        return empty_chart("bar", title);
    }
    let desc = items
        .iter()
        .map(|(label, value)| format!("{label}: {}", with_unit(*value, unit)))
        .collect::<Vec<_>>()
        .join("; ");
    let row = 36.0;
    let top = 30.0;
    let mut svg = Svg::new(
        "bar",
        title,
        &format!("Biểu đồ cột. {desc}."),
        top + row * items.len() as f32 + 4.0,
    );
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f32;
    let bar_space = WIDTH - 2.0 * PAD - 100.0;
    for (i, (label, value)) in items.iter().enumerate() {
        let y = top + row * i as f32;
        svg.text(PAD, y + 12.0, label, "");
        let w = bar_space * ((*value).max(0) as f32 / max);
        svg.rect(PAD, y + 16.0, w, 14.0, BLUE, "");
        svg.text(
            PAD + w + 4.0,
            y + 27.0,
            &with_unit(*value, unit),
            r#" font-size="11""#,
        );
    }
    svg.finish()
}

/// Target (grey outlined bar) and achievement (blue bar inside it) per item,
/// with "actual/target (rate)".
pub fn target_vs_actual(title: &str, items: &[(String, i64, i64)]) -> String {
    if items.is_empty() {
        return empty_chart("target", title);
    }
    let note = |target: i64, actual: i64| match crate::model::ratio_bp(actual, target) {
        Some(bp) => format!(
            "{}/{} ({})",
            format_int(actual),
            format_int(target),
            format_percent_bp(bp)
        ),
        None => format!("{}/{}", format_int(actual), format_int(target)),
    };
    let desc = items
        .iter()
        .map(|(label, target, actual)| {
            format!("{label}: thực hiện/chỉ tiêu {}", note(*target, *actual))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let row = 38.0;
    let top = 46.0;
    let mut svg = Svg::new(
        "target",
        title,
        &format!("Chỉ tiêu và thực hiện. {desc}."),
        top + row * items.len() as f32 + 4.0,
    );
    svg.legend(
        36.0,
        &[
            (BLUE.to_owned(), "Thực hiện".to_owned()),
            ("#d9d9d9".to_owned(), "Chỉ tiêu".to_owned()),
        ],
    );
    let max = items
        .iter()
        .map(|(_, t, a)| (*t).max(*a))
        .max()
        .unwrap_or(0)
        .max(1) as f32;
    let bar_space = WIDTH - 2.0 * PAD - 150.0;
    for (i, (label, target, actual)) in items.iter().enumerate() {
        let y = top + row * i as f32;
        svg.text(PAD, y + 12.0, label, "");
        let tw = bar_space * ((*target).max(0) as f32 / max);
        let aw = bar_space * ((*actual).max(0) as f32 / max);
        svg.rect(
            PAD,
            y + 16.0,
            tw,
            16.0,
            "#d9d9d9",
            r##" stroke="#555" stroke-width="0.5""##,
        );
        svg.rect(PAD, y + 20.0, aw, 8.0, BLUE, "");
        svg.text(
            PAD + tw.max(aw) + 4.0,
            y + 29.0,
            &note(*target, *actual),
            r#" font-size="11""#,
        );
    }
    svg.finish()
}

/// One line per series over time (e.g. money received and money spent), a
/// dash pattern and a marker per series besides its colour.
pub fn line_chart(title: &str, series: &[(String, Vec<(NaiveDate, i64)>)]) -> String {
    let points: Vec<(NaiveDate, i64)> =
        series.iter().flat_map(|(_, p)| p.iter().copied()).collect();
    let (Some(first), Some(last)) = (
        points.iter().map(|(d, _)| *d).min(),
        points.iter().map(|(d, _)| *d).max(),
    ) else {
        return empty_chart("line", title);
    };
    let desc = series
        .iter()
        .map(|(name, p)| {
            let values = p
                .iter()
                .map(|(d, v)| format!("{} {}", format_date(*d), format_int(*v)))
                .collect::<Vec<_>>()
                .join(", ");
            format!("{name}: {values}")
        })
        .collect::<Vec<_>>()
        .join("; ");
    let height = 240.0;
    let (left, right, top, bottom) = (58.0, WIDTH - 12.0, 48.0, height - 28.0);
    let mut svg = Svg::new("line", title, &format!("Biểu đồ đường. {desc}."), height);
    let legend: Vec<(String, String)> = series
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (SERIES[i % SERIES.len()].to_owned(), name.clone()))
        .collect();
    svg.legend(36.0, &legend);

    let max = points.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let min = points.iter().map(|(_, v)| *v).min().unwrap_or(0).min(0);
    let step = nice_step((max - min) as f64 / 4.0);
    let y_min = (min as f64 / step).floor() * step;
    let y_max = ((max as f64 / step).ceil() * step).max(y_min + step);
    let days = (last - first).num_days().max(1) as f32;
    let x_of = |d: NaiveDate| {
        if first == last {
            (left + right) / 2.0
        } else {
            left + (right - left) * ((d - first).num_days() as f32 / days)
        }
    };
    let y_of = |v: i64| bottom - (bottom - top) * (((v as f64 - y_min) / (y_max - y_min)) as f32);

    // Grid and axis labels.
    let mut tick = y_min;
    while tick <= y_max + step / 2.0 {
        let y = y_of(tick as i64);
        let _ = write!(
            svg.out,
            r##"<line x1="{left}" y1="{y:.1}" x2="{right}" y2="{y:.1}" stroke="#ddd" stroke-width="1"/>"##
        );
        svg.text(
            left - 4.0,
            y + 4.0,
            &format_compact(tick as i64),
            r#" font-size="10" text-anchor="end""#,
        );
        tick += step;
    }
    let _ = write!(
        svg.out,
        r##"<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#555" stroke-width="1"/>"##
    );
    svg.text(
        left,
        bottom + 16.0,
        &format_date(first),
        r#" font-size="10""#,
    );
    if first != last {
        svg.text(
            right,
            bottom + 16.0,
            &format_date(last),
            r#" font-size="10" text-anchor="end""#,
        );
    }

    for (i, (_, p)) in series.iter().enumerate() {
        let colour = SERIES[i % SERIES.len()];
        let dash = DASHES[i % DASHES.len()];
        let mut sorted = p.clone();
        sorted.sort_by_key(|(d, _)| *d);
        let coords: Vec<String> = sorted
            .iter()
            .map(|(d, v)| format!("{:.1},{:.1}", x_of(*d), y_of(*v)))
            .collect();
        let dash_attr = if dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{dash}""#)
        };
        let _ = write!(
            svg.out,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>"#,
            coords.join(" ")
        );
        for (d, v) in &sorted {
            let _ = write!(
                svg.out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{colour}"/>"#,
                x_of(*d),
                y_of(*v)
            );
        }
    }
    svg.finish()
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power)
        .max(1.0)
}

/// A map-like grid of communes, each tile shaded by its coverage (five
/// classes of 20 %), hatched grey where there are no data, with a legend.
pub fn unit_grid(title: &str, items: &[(String, Option<f64>)]) -> String {
    if items.is_empty() {
        return empty_chart("grid", title);
    }
    let percent = |r: f64| format!("{}%", (r.clamp(0.0, 1.0) * 100.0).round() as i64);
    let desc = items
        .iter()
        .map(|(name, r)| format!("{name}: {}", r.map_or(NO_DATA.to_owned(), percent)))
        .collect::<Vec<_>>()
        .join("; ");
    let columns = 4usize;
    let gap = 6.0;
    let tile_w = (WIDTH - 2.0 * PAD - gap * (columns as f32 - 1.0)) / columns as f32;
    let tile_h = 54.0;
    let rows = items.len().div_ceil(columns);
    let top = 30.0;
    let legend_y = top + rows as f32 * (tile_h + gap) + 14.0;
    let mut svg = Svg::new(
        "grid",
        title,
        &format!("Tỷ lệ bao phủ theo đơn vị. {desc}."),
        legend_y + 36.0,
    );
    svg.hatch("none", "#f0f0f0", "#a0a0a0");
    for (i, (name, ratio)) in items.iter().enumerate() {
        let x = PAD + (i % columns) as f32 * (tile_w + gap);
        let y = top + (i / columns) as f32 * (tile_h + gap);
        let (fill, ink) = match ratio {
            Some(r) => {
                let class = ((r.clamp(0.0, 1.0) * 5.0).floor() as usize).min(4);
                (
                    BLUES[class].to_owned(),
                    if class >= 3 { "#ffffff" } else { "#1a1a1a" },
                )
            }
            None => (svg.pattern_ref("none"), "#1a1a1a"),
        };
        let value = ratio.map_or("—".to_owned(), percent);
        let _ = write!(
            svg.out,
            "<g><title>{}: {}</title>",
            escape(name),
            escape(&value)
        );
        svg.rect(
            x,
            y,
            tile_w,
            tile_h,
            &fill,
            r##" stroke="#888" stroke-width="0.5" rx="3""##,
        );
        let lines = tile_lines(name, 11);
        for (j, line) in lines.iter().enumerate() {
            svg.text(
                x + 4.0,
                y + 14.0 + 12.0 * j as f32,
                line,
                &format!(r#" font-size="10" fill="{ink}""#),
            );
        }
        svg.text(
            x + 4.0,
            y + tile_h - 6.0,
            &value,
            &format!(r#" font-size="12" font-weight="bold" fill="{ink}""#),
        );
        svg.out.push_str("</g>");
    }
    let mut legend: Vec<(String, String)> = BLUES
        .iter()
        .enumerate()
        .map(|(i, c)| ((*c).to_owned(), format!("{}–{}%", i * 20, (i + 1) * 20)))
        .collect();
    let hatch = svg.pattern_ref("none");
    svg.legend(legend_y, &legend.drain(..3).collect::<Vec<_>>());
    legend.push((hatch, NO_DATA.to_owned()));
    svg.legend(legend_y + 18.0, &legend);
    svg.finish()
}

/// A commune name in at most two lines of about `width` characters.
fn tile_lines(name: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in name.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    if lines.len() > 2 {
        let rest = lines.split_off(1).join(" ");
        let mut second: String = rest.chars().take(width.saturating_sub(1)).collect();
        second.push('…');
        lines.push(second);
    }
    lines
}

/// Reports received per unit, as stacked bars: on time (blue), late
/// (orange), missing (hatched vermillion), out of the expected number.
pub fn completeness(title: &str, items: &[(String, i64, i64, i64, i64)]) -> String {
    if items.is_empty() {
        return empty_chart("completeness", title);
    }
    let desc = items
        .iter()
        .map(|(unit, expected, on_time, late, missing)| {
            format!(
                "{unit}: {} phải nộp, {} đúng hạn, {} trễ hạn, {} chưa nộp",
                format_int(*expected),
                format_int(*on_time),
                format_int(*late),
                format_int(*missing)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let row = 38.0;
    let top = 46.0;
    let mut svg = Svg::new(
        "completeness",
        title,
        &format!("Tình hình nộp báo cáo. {desc}."),
        top + row * items.len() as f32 + 4.0,
    );
    svg.hatch("missing", "#fbe3d3", VERMILLION);
    let missing_fill = svg.pattern_ref("missing");
    svg.legend(
        36.0,
        &[
            (BLUE.to_owned(), "Đúng hạn".to_owned()),
            (ORANGE.to_owned(), "Trễ hạn".to_owned()),
            (missing_fill.clone(), "Chưa nộp".to_owned()),
        ],
    );
    let bar_space = WIDTH - 2.0 * PAD - 70.0;
    for (i, (unit, expected, on_time, late, missing)) in items.iter().enumerate() {
        let y = top + row * i as f32;
        svg.text(PAD, y + 12.0, unit, "");
        let parts = [(*on_time).max(0), (*late).max(0), (*missing).max(0)];
        let whole = (*expected).max(parts.iter().sum()).max(1) as f32;
        let mut x = PAD;
        for (value, fill) in parts.iter().zip([BLUE, ORANGE, missing_fill.as_str()]) {
            let w = bar_space * (*value as f32 / whole);
            svg.rect(x, y + 16.0, w, 14.0, fill, "");
            x += w;
        }
        let done = on_time.saturating_add(*late);
        svg.text(
            PAD + bar_space + 4.0,
            y + 27.0,
            &format!("{}/{}", format_int(done), format_int(*expected)),
            r#" font-size="11""#,
        );
    }
    svg.finish()
}
