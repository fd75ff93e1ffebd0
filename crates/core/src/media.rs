//! Uploaded product images: accepted by what their bytes are (never by the declared type),
//! refused when too large or of another kind, and stripped of every metadata block before they
//! are stored. No I/O.
//!
//! Photos carry more than pixels: EXIF (camera serial, date, **GPS position**), XMP (editing
//! history, author), IPTC (creator, contact), comments and thumbnails that may show the
//! uncropped original. A shop publishes its product images to the world, so all of that goes.
//!
//! What stays, and why:
//! - the image data and everything needed to draw it (tables, frames, transparency, gamma);
//! - the **ICC colour profile**: product photos are often shot in a wide gamut (Display P3), and
//!   dropping the profile changes a bag's colour on screen. A profile describes a colour space,
//!   not a person; it is kept;
//! - the **orientation**: phones store the picture sideways and say so in EXIF. Without it the
//!   product would show rotated, so a minimal EXIF block holding that one tag, built here from
//!   scratch (never copied), is written back when the orientation is not the default.
//!
//! PNG and WebP containers are walked with `img-parts`. JPEG is walked here: `img-parts` keeps
//! everything after the first scan as opaque data, which would keep segments between the scans
//! of a progressive JPEG and any trailer after the end of the image (where some cameras append
//! more metadata or a second picture).

use img_parts::png::{Png, PngChunk};
use img_parts::riff::RiffContent;
use img_parts::webp::WebP;
use img_parts::{Bytes, ImageEXIF};
use sha2::{Digest, Sha256};

/// The upload limit when the operator sets none: 8 MiB.
pub const DEFAULT_MAX_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    Jpeg,
    Png,
    WebP,
}

impl ImageKind {
    pub const ALL: [ImageKind; 3] = [Self::Jpeg, Self::Png, Self::WebP];

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::WebP => "image/webp",
        }
    }

    pub fn from_content_type(content_type: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.content_type() == content_type)
    }
}

impl std::fmt::Display for ImageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::WebP => "WebP",
        })
    }
}

/// Why an upload was refused. The messages never quote the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; images up to {limit} bytes are accepted")]
    TooLarge { size: usize, limit: usize },
    #[error("the file is not a JPEG, PNG or WebP image")]
    Unsupported,
    #[error("the file looks like a {0} image but is damaged or truncated")]
    Malformed(ImageKind),
}

/// An image ready to store: its kind, its bytes without metadata, and their SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanImage {
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
    /// Lowercase hex SHA-256 of `bytes` (the stored content, after stripping).
    pub sha256: String,
    /// The EXIF orientation (1–8) carried over, when it was not the default.
    pub orientation: Option<u8>,
}

/// What the bytes are, by their signature; `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageKind::Png)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(ImageKind::WebP)
    } else {
        None
    }
}

/// Accepts an uploaded image of at most `max_bytes`: checks what it is, strips its metadata.
pub fn accept_image(bytes: &[u8], max_bytes: usize) -> Result<CleanImage, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(MediaError::TooLarge { size: bytes.len(), limit: max_bytes });
    }
    let kind = sniff(bytes).ok_or(MediaError::Unsupported)?;
    let (clean, orientation) = match kind {
        ImageKind::Jpeg => strip_jpeg(bytes),
        ImageKind::Png => strip_png(bytes),
        ImageKind::WebP => strip_webp(bytes),
    }
    .ok_or(MediaError::Malformed(kind))?;
    let sha256 = hex::encode(Sha256::digest(&clean));
    Ok(CleanImage { kind, bytes: clean, sha256, orientation })
}

// ---------------------------------------------------------------------------------------------
// EXIF orientation

/// The Orientation tag (0x0112) of IFD0 of a TIFF structure (the body of an EXIF block).
fn exif_orientation(tiff: &[u8]) -> Option<u8> {
    let little = match tiff.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if little { u16::from_le_bytes(b) } else { u16::from_be_bytes(b) })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    };
    if u16_at(2)? != 42 {
        return None;
    }
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count.min(512) {
        let entry = ifd.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
        if u16_at(entry)? == 0x0112 {
            // SHORT, count 1: the value sits in the first two bytes of the value field.
            let value = u16_at(entry.checked_add(8)?)?;
            return u8::try_from(value).ok().filter(|v| (2..=8).contains(v));
        }
    }
    None
}

/// A TIFF structure holding nothing but the orientation, little-endian.
fn minimal_exif(orientation: u8) -> Vec<u8> {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes()); // IFD0 right after the header
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes()); // count
    tiff.extend_from_slice(&[orientation, 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    tiff
}

// ---------------------------------------------------------------------------------------------
// JPEG

const EXIF_PREFIX: &[u8] = b"Exif\0\0";

/// Whether a JPEG marker segment is kept: everything that decodes the picture, the JFIF header,
/// the ICC profile and Adobe's colour-transform flag; no other APPn, no comment.
fn keep_jpeg_segment(marker: u8, contents: &[u8]) -> bool {
    match marker {
        0xE0 => contents.starts_with(b"JFIF\0"),
        0xE2 => contents.starts_with(b"ICC_PROFILE\0"),
        0xEE => contents.starts_with(b"Adobe"),
        0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
        _ => true,
    }
}

fn strip_jpeg(input: &[u8]) -> Option<(Vec<u8>, Option<u8>)> {
    let mut out = Vec::with_capacity(input.len());
    let mut orientation = None;
    let mut saw_frame = false;
    let mut in_scan = false;
    let mut i = 2; // after SOI
    out.extend_from_slice(&[0xFF, 0xD8]);
    // Where the minimal EXIF block goes: after SOI and a JFIF header, if any.
    let mut exif_at = out.len();
    loop {
        if in_scan {
            // Entropy-coded data: copy up to the next marker that is not stuffing or a restart.
            let next = input.get(i..)?.iter().position(|&b| b == 0xFF)?;
            out.extend_from_slice(input.get(i..i + next)?);
            i += next;
            let marker = *input.get(i + 1)?;
            if marker == 0x00 || (0xD0..=0xD7).contains(&marker) {
                out.extend_from_slice(&[0xFF, marker]);
                i += 2;
                continue;
            }
            in_scan = false;
        }
        if *input.get(i)? != 0xFF {
            return None;
        }
        // Fill bytes: any number of 0xFF before a marker.
        while *input.get(i + 1)? == 0xFF {
            i += 1;
        }
        let marker = *input.get(i + 1)?;
        i += 2;
        match marker {
            0xD9 => {
                // End of image; whatever follows is not part of the picture.
                out.extend_from_slice(&[0xFF, 0xD9]);
                break;
            }
            0xD0..=0xD7 | 0x01 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            0x00 | 0xD8 => return None,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*input.get(i)?, *input.get(i + 1)?]));
        if len < 2 {
            return None;
        }
        let segment = input.get(i..i + len)?;
        let contents = segment.get(2..)?;
        i += len;
        if marker == 0xE1
            && orientation.is_none()
            && let Some(tiff) = contents.strip_prefix(EXIF_PREFIX)
        {
            orientation = exif_orientation(tiff);
        }
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            saw_frame = true;
        }
        if keep_jpeg_segment(marker, contents) {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(segment);
            if marker == 0xE0 && exif_at == 2 {
                exif_at = out.len();
            }
        }
        if marker == 0xDA {
            if !saw_frame {
                return None;
            }
            in_scan = true;
        }
    }
    if !saw_frame {
        return None;
    }
    if let Some(o) = orientation {
        let tiff = minimal_exif(o);
        let len = u16::try_from(2 + EXIF_PREFIX.len() + tiff.len()).ok()?;
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend_from_slice(&len.to_be_bytes());
        app1.extend_from_slice(EXIF_PREFIX);
        app1.extend_from_slice(&tiff);
        out.splice(exif_at..exif_at, app1);
    }
    Some((out, orientation))
}

// ---------------------------------------------------------------------------------------------
// PNG

/// The chunks that draw the picture (and its colour space, transparency, animation). Text
/// (tEXt, zTXt, iTXt — where XMP lives), eXIf, tIME and private chunks are dropped.
const PNG_KEEP: &[&[u8; 4]] = &[
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP", b"mDCV",
    b"cLLI", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT",
];

fn strip_png(input: &[u8]) -> Option<(Vec<u8>, Option<u8>)> {
    let mut png = Png::from_bytes(Bytes::copy_from_slice(input)).ok()?;
    let chunks = png.chunks();
    if chunks.first().map(PngChunk::kind) != Some(*b"IHDR")
        || !chunks.iter().any(|c| &c.kind() == b"IDAT")
        || chunks.last().map(PngChunk::kind) != Some(*b"IEND")
    {
        return None;
    }
    png.dimensions().filter(|&(w, h)| w > 0 && h > 0)?;
    let orientation = png.exif().and_then(|tiff| exif_orientation(&tiff));
    png.chunks_mut().retain(|c| PNG_KEEP.contains(&&c.kind()));
    if let Some(o) = orientation {
        png.set_exif(Some(Bytes::from(minimal_exif(o))));
    }
    Some((png.encoder().bytes().to_vec(), orientation))
}

// ---------------------------------------------------------------------------------------------
// WebP

const WEBP_KEEP: &[&[u8; 4]] = &[b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"];
/// VP8X flag bits announcing EXIF and XMP chunks.
const VP8X_EXIF_XMP: u8 = 0b0000_1100;

fn strip_webp(input: &[u8]) -> Option<(Vec<u8>, Option<u8>)> {
    let mut webp = WebP::from_bytes(Bytes::copy_from_slice(input)).ok()?;
    if !webp.chunks().iter().any(|c| matches!(&c.id(), b"VP8 " | b"VP8L" | b"ANMF")) {
        return None;
    }
    webp.dimensions().filter(|&(w, h)| w > 0 && h > 0)?;
    let orientation = webp.exif().and_then(|tiff| exif_orientation(&tiff));
    webp.chunks_mut().retain(|c| WEBP_KEEP.contains(&&c.id()));
    for chunk in webp.chunks_mut().iter_mut().filter(|c| &c.id() == b"VP8X") {
        if let RiffContent::Data(data) = chunk.content_mut()
            && let Some(&flags) = data.first()
        {
            let mut bytes = data.to_vec();
            bytes[0] = flags & !VP8X_EXIF_XMP;
            *data = Bytes::from(bytes);
        }
    }
    if let Some(o) = orientation {
        webp.set_exif(Some(Bytes::from(minimal_exif(o))));
    }
    Some((webp.encoder().bytes().to_vec(), orientation))
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use img_parts::jpeg::Jpeg;
    use img_parts::riff::RiffChunk;

    use super::*;

    const SECRET: &[u8] = b"SECRET";

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn pixels(width: usize, height: usize) -> Vec<u8> {
        (0..width * height * 3).map(|i| (i * 37 % 251) as u8).collect()
    }

    /// EXIF as a camera writes it: IFD0 with a model, the orientation and a GPS pointer whose
    /// IFD holds a latitude (all values tagged SECRET so a leak is visible).
    fn camera_exif(orientation: u16) -> Vec<u8> {
        let mut t = Vec::new();
        t.extend_from_slice(b"MM\0*\0\0\0\x08");
        t.extend_from_slice(&3u16.to_be_bytes());
        // Model (ASCII, 12 bytes at offset 50)
        t.extend_from_slice(&[0x01, 0x10, 0, 2, 0, 0, 0, 12, 0, 0, 0, 50]);
        // Orientation (SHORT)
        t.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        t.extend_from_slice(&orientation.to_be_bytes());
        t.extend_from_slice(&[0, 0]);
        // GPS IFD pointer (LONG) to offset 62
        t.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 62]);
        t.extend_from_slice(&0u32.to_be_bytes());
        assert_eq!(t.len(), 50);
        t.extend_from_slice(b"SECRET-CAM\0\0");
        // GPS IFD: GPSLatitudeRef "N" and a SECRET marker right after
        t.extend_from_slice(&1u16.to_be_bytes());
        t.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
        t.extend_from_slice(&0u32.to_be_bytes());
        t.extend_from_slice(b"SECRET-GPS-48.8566N-2.3522E");
        t
    }

    fn segment(marker: u8, contents: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&u16::try_from(contents.len() + 2).unwrap_or(u16::MAX).to_be_bytes());
        s.extend_from_slice(contents);
        s
    }

    fn encode_jpeg(progressive: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
        encoder.set_progressive(progressive);
        encoder.encode(&pixels(24, 16), 24, 16, jpeg_encoder::ColorType::Rgb).unwrap_or_else(|e| panic!("{e}"));
        out
    }

    /// A JPEG carrying every kind of metadata a phone or an editor leaves behind.
    fn jpeg_with_metadata(progressive: bool) -> Vec<u8> {
        let clean = encode_jpeg(progressive);
        let mut exif = EXIF_PREFIX.to_vec();
        exif.extend_from_slice(&camera_exif(6));
        let mut xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>SECRET-XMP-author</x:xmpmeta>".to_vec();
        xmp.push(0);
        let mut icc = b"ICC_PROFILE\0\x01\x01".to_vec();
        icc.extend_from_slice(b"fake-profile-bytes");
        let mut extra = Vec::new();
        extra.extend(segment(0xE1, &exif));
        extra.extend(segment(0xE1, &xmp));
        extra.extend(segment(0xE2, &icc));
        extra.extend(segment(0xED, b"Photoshop 3.0\08BIM\x04\x04SECRET-IPTC-creator"));
        extra.extend(segment(0xFE, b"SECRET-COMMENT"));
        let mut out = clean[..2].to_vec();
        out.extend(extra);
        out.extend_from_slice(&clean[2..]);
        out.extend_from_slice(b"SECRET-TRAILER-after-EOI");
        out
    }

    fn decode_jpeg(bytes: &[u8]) -> (u16, u16, usize) {
        let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
        let data = decoder.decode().unwrap_or_else(|e| panic!("the stripped JPEG decodes: {e}"));
        let info = decoder.info().unwrap_or_else(|| panic!("info"));
        (info.width, info.height, data.len())
    }

    #[test]
    fn sniffing_reads_the_bytes_not_the_name() {
        assert_eq!(sniff(&encode_jpeg(false)), Some(ImageKind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(ImageKind::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(ImageKind::WebP));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), None, "a RIFF that is not WebP");
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None, "SVG can carry script");
        assert_eq!(sniff(b""), None);
        assert_eq!(accept_image(b"<html>", 100), Err(MediaError::Unsupported));
        assert_eq!(ImageKind::from_content_type("image/webp"), Some(ImageKind::WebP));
    }

    #[test]
    fn empty_and_oversize_files_are_refused_before_parsing() {
        assert_eq!(accept_image(b"", 10), Err(MediaError::Empty));
        let jpeg = encode_jpeg(false);
        let limit = jpeg.len() - 1;
        assert_eq!(accept_image(&jpeg, limit), Err(MediaError::TooLarge { size: jpeg.len(), limit }));
        assert!(accept_image(&jpeg, jpeg.len()).is_ok(), "the limit is inclusive");
    }

    #[test]
    fn jpeg_metadata_is_stripped_and_the_picture_still_decodes() {
        for progressive in [false, true] {
            let input = jpeg_with_metadata(progressive);
            let (w, h, n) = decode_jpeg(&encode_jpeg(progressive));
            let clean = accept_image(&input, DEFAULT_MAX_BYTES).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(clean.kind, ImageKind::Jpeg);
            assert!(!contains(&clean.bytes, SECRET), "metadata left in {:?}", String::from_utf8_lossy(&clean.bytes));
            assert!(contains(&clean.bytes, b"ICC_PROFILE\0"), "the colour profile is kept");
            assert!(clean.bytes.ends_with(&[0xFF, 0xD9]), "nothing after the end of the image");
            assert_eq!(clean.orientation, Some(6));
            assert_eq!(decode_jpeg(&clean.bytes), (w, h, n));
            // The one EXIF block left holds only the orientation.
            let parsed = Jpeg::from_bytes(Bytes::from(clean.bytes.clone())).unwrap_or_else(|e| panic!("{e}"));
            let tiff = parsed.exif().unwrap_or_else(|| panic!("orientation block"));
            assert_eq!(tiff.as_ref(), minimal_exif(6).as_slice());
            assert_eq!(exif_orientation(&tiff), Some(6));
            assert_eq!(parsed.segments_by_marker(0xFE).count(), 0);
            assert_eq!(clean.sha256, hex::encode(Sha256::digest(&clean.bytes)));
            // Stripping twice changes nothing more.
            let again = accept_image(&clean.bytes, DEFAULT_MAX_BYTES).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(again.bytes, clean.bytes);
        }
    }

    #[test]
    fn a_comment_between_progressive_scans_is_removed() {
        let mut jpeg = encode_jpeg(true);
        let scans: Vec<usize> =
            jpeg.windows(2).enumerate().filter(|(_, w)| w == &[0xFF, 0xDA]).map(|(i, _)| i).collect();
        assert!(scans.len() > 1, "a progressive JPEG has several scans");
        jpeg.splice(scans[1]..scans[1], segment(0xFE, b"SECRET-BETWEEN-SCANS"));
        let clean = accept_image(&jpeg, DEFAULT_MAX_BYTES).unwrap_or_else(|e| panic!("{e}"));
        assert!(!contains(&clean.bytes, SECRET));
        assert_eq!(clean.orientation, None, "no EXIF block is made up when there was none");
        assert_eq!(decode_jpeg(&clean.bytes), decode_jpeg(&encode_jpeg(true)));
    }

    #[test]
    fn damaged_jpegs_are_refused_not_panicked_on() {
        let jpeg = encode_jpeg(false);
        for cut in [3, 4, 6, 20, jpeg.len() / 2] {
            assert_eq!(accept_image(&jpeg[..cut], DEFAULT_MAX_BYTES), Err(MediaError::Malformed(ImageKind::Jpeg)));
        }
        // A bare SOI and EOI has no frame.
        assert_eq!(accept_image(&[0xFF, 0xD8, 0xFF, 0xD9], 100), Err(MediaError::Malformed(ImageKind::Jpeg)));
        // A segment length shorter than its own length field.
        assert_eq!(accept_image(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 1], 100), Err(MediaError::Malformed(ImageKind::Jpeg)));
    }

    fn encode_png() -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, 12, 10);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.add_text_chunk("Author".into(), "SECRET-AUTHOR".into()).unwrap_or_else(|e| panic!("{e}"));
            let mut writer = encoder.write_header().unwrap_or_else(|e| panic!("{e}"));
            writer.write_image_data(&pixels(12, 10)).unwrap_or_else(|e| panic!("{e}"));
        }
        out
    }

    fn decode_png(bytes: &[u8]) -> Vec<u8> {
        let decoder = png::Decoder::new(Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap_or_else(|e| panic!("the stripped PNG decodes: {e}"));
        let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
        reader.next_frame(&mut buf).unwrap_or_else(|e| panic!("frame: {e}"));
        buf
    }

    #[test]
    fn png_text_exif_and_time_are_stripped() {
        let mut png = Png::from_bytes(Bytes::from(encode_png())).unwrap_or_else(|e| panic!("{e}"));
        png.set_exif(Some(Bytes::from(camera_exif(3))));
        let at = png.chunks().len() - 1;
        let chunks = png.chunks_mut();
        chunks.insert(at, PngChunk::new(*b"iTXt", Bytes::from_static(b"XML:com.adobe.xmp\0\0\0\0\0SECRET-XMP")));
        chunks.insert(at, PngChunk::new(*b"zTXt", Bytes::from_static(b"Comment\0\0SECRET-compressed-ish")));
        chunks.insert(at, PngChunk::new(*b"tIME", Bytes::from_static(b"\x07\xea\x0b\x16\x0a\0\0")));
        chunks.insert(at, PngChunk::new(*b"prVt", Bytes::from_static(b"SECRET-private-chunk")));
        chunks.insert(1, PngChunk::new(*b"gAMA", Bytes::from_static(b"\0\0\xb1\x8f")));
        let input = png.encoder().bytes().to_vec();
        assert!(contains(&input, SECRET));

        let clean = accept_image(&input, DEFAULT_MAX_BYTES).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(clean.kind, ImageKind::Png);
        assert!(!contains(&clean.bytes, SECRET));
        let parsed = Png::from_bytes(Bytes::from(clean.bytes.clone())).unwrap_or_else(|e| panic!("{e}"));
        let kinds: Vec<[u8; 4]> = parsed.chunks().iter().map(PngChunk::kind).collect();
        for gone in [b"tEXt", b"iTXt", b"zTXt", b"tIME", b"prVt"] {
            assert!(!kinds.contains(gone), "{}", String::from_utf8_lossy(gone));
        }
        assert!(kinds.contains(b"gAMA"), "rendering chunks stay");
        assert_eq!(clean.orientation, Some(3));
        assert_eq!(parsed.exif().as_deref(), Some(minimal_exif(3).as_slice()));
        assert_eq!(decode_png(&clean.bytes), decode_png(&encode_png()), "same pixels");
    }

    #[test]
    fn damaged_pngs_are_refused() {
        let png = encode_png();
        assert_eq!(accept_image(&png[..8], 1000), Err(MediaError::Malformed(ImageKind::Png)));
        assert_eq!(accept_image(&png[..png.len() - 12], 10_000), Err(MediaError::Malformed(ImageKind::Png)));
        assert_eq!(accept_image(&png[..40], 1000), Err(MediaError::Malformed(ImageKind::Png)));
    }

    fn encode_webp() -> Vec<u8> {
        let mut out = Vec::new();
        image_webp::WebPEncoder::new(&mut out)
            .encode(&pixels(10, 6), 10, 6, image_webp::ColorType::Rgb8)
            .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    fn decode_webp(bytes: &[u8]) -> Vec<u8> {
        let mut decoder =
            image_webp::WebPDecoder::new(Cursor::new(bytes)).unwrap_or_else(|e| panic!("the WebP decodes: {e}"));
        let mut buf = vec![0; decoder.output_buffer_size().unwrap_or(0)];
        decoder.read_image(&mut buf).unwrap_or_else(|e| panic!("read: {e}"));
        buf
    }

    #[test]
    fn webp_exif_and_xmp_are_stripped_and_the_flags_follow() {
        let mut webp = WebP::from_bytes(Bytes::from(encode_webp())).unwrap_or_else(|e| panic!("{e}"));
        webp.set_exif(Some(Bytes::from(camera_exif(8))));
        webp.chunks_mut().push(RiffChunk::new(*b"XMP ", RiffContent::Data(Bytes::from_static(b"SECRET-XMP"))));
        webp.chunks_mut().push(RiffChunk::new(*b"ICCP", RiffContent::Data(Bytes::from_static(b"profile"))));
        for chunk in webp.chunks_mut().iter_mut().filter(|c| &c.id() == b"VP8X") {
            if let RiffContent::Data(data) = chunk.content_mut() {
                let mut bytes = data.to_vec();
                bytes[0] |= VP8X_EXIF_XMP | 0b0010_0000;
                *data = Bytes::from(bytes);
            }
        }
        let input = webp.encoder().bytes().to_vec();
        assert!(contains(&input, SECRET));

        let clean = accept_image(&input, DEFAULT_MAX_BYTES).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(clean.kind, ImageKind::WebP);
        assert!(!contains(&clean.bytes, SECRET));
        let parsed = WebP::from_bytes(Bytes::from(clean.bytes.clone())).unwrap_or_else(|e| panic!("{e}"));
        assert!(!parsed.has_chunk(*b"XMP "));
        assert!(parsed.has_chunk(*b"ICCP"));
        let flags = parsed.chunk_by_id(*b"VP8X").and_then(|c| c.content().data()).map(|d| d[0]).unwrap_or(0);
        assert_eq!(flags & 0b0000_0100, 0, "no XMP flag without an XMP chunk");
        assert_eq!(clean.orientation, Some(8));
        assert_eq!(parsed.exif().as_deref(), Some(minimal_exif(8).as_slice()));
        assert_eq!(decode_webp(&clean.bytes), decode_webp(&encode_webp()));
        // A plain WebP passes unchanged.
        let plain = encode_webp();
        assert_eq!(accept_image(&plain, DEFAULT_MAX_BYTES).map(|c| c.bytes), Ok(plain));
    }

    #[test]
    fn damaged_webps_are_refused() {
        let webp = encode_webp();
        assert_eq!(accept_image(&webp[..16], 1000), Err(MediaError::Malformed(ImageKind::WebP)));
        assert_eq!(accept_image(b"RIFF\x04\0\0\0WEBP", 1000), Err(MediaError::Malformed(ImageKind::WebP)));
    }

    #[test]
    fn orientation_reading_survives_nonsense() {
        assert_eq!(exif_orientation(&camera_exif(6)), Some(6));
        assert_eq!(exif_orientation(&camera_exif(1)), None, "the default is not carried");
        assert_eq!(exif_orientation(&camera_exif(9)), None, "not an orientation");
        assert_eq!(exif_orientation(b"II*\0\xff\xff\xff\xff"), None);
        assert_eq!(exif_orientation(b"XX"), None);
        assert_eq!(exif_orientation(&minimal_exif(5)), Some(5));
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(prefix in 0usize..3, body in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let heads: [&[u8]; 3] = [&[0xFF, 0xD8, 0xFF], b"\x89PNG\r\n\x1a\n", b"RIFF\x20\0\0\0WEBP"];
            let mut input = heads[prefix].to_vec();
            input.extend(body);
            let _ = accept_image(&input, DEFAULT_MAX_BYTES);
        }

        #[test]
        fn truncations_and_flips_of_a_real_jpeg_never_panic(cut in 0usize..2000, flip in 0usize..2000, bit in 0u8..8) {
            let mut jpeg = jpeg_with_metadata(true);
            let n = jpeg.len();
            jpeg[flip % n] ^= 1 << bit;
            jpeg.truncate(cut % n + 1);
            let _ = accept_image(&jpeg, DEFAULT_MAX_BYTES);
        }
    }
}
