//! Smaller copies of a product image for `srcset`, so a phone downloads a 480-pixel image and a
//! large screen a 1600-pixel one, while the original is kept as uploaded. Only these widths
//! exist (no arbitrary sizes on request, which would let anyone make the shop resize at will);
//! each is made once, from the cleaned original, in the original's format.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::{ImageFormat, ImageReader, Limits};

use crate::media::ImageKind;

/// The widths a stored image is offered in, besides its original.
pub const WIDTHS: [u32; 3] = [480, 960, 1600];

/// Decoding stops past this many pixels a side (a small file can claim a huge canvas).
const MAX_SIDE: u32 = 12_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenditionError {
    #[error("{0} is not one of the offered widths")]
    Width(u32),
    #[error("the image cannot be decoded: {0}")]
    Decode(String),
    #[error("the image cannot be encoded: {0}")]
    Encode(String),
}

fn format_of(kind: ImageKind) -> ImageFormat {
    match kind {
        ImageKind::Jpeg => ImageFormat::Jpeg,
        ImageKind::Png => ImageFormat::Png,
        ImageKind::WebP => ImageFormat::WebP,
    }
}

/// The width of a stored image, read from its header without decoding it.
pub fn width_of(bytes: &[u8], kind: ImageKind) -> Option<u32> {
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(format_of(kind));
    reader.into_dimensions().ok().map(|(w, _)| w)
}

/// The original at `width` pixels wide (height in proportion), in its own format; `None` when
/// the original is not wider (then the original itself is the right file).
pub fn render(bytes: &[u8], kind: ImageKind, width: u32) -> Result<Option<Vec<u8>>, RenditionError> {
    if !WIDTHS.contains(&width) {
        return Err(RenditionError::Width(width));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(format_of(kind));
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| RenditionError::Decode(e.to_string()))?;
    if image.width() <= width {
        return Ok(None);
    }
    let height = u32::try_from(u64::from(image.height()) * u64::from(width) / u64::from(image.width().max(1)))
        .unwrap_or(1)
        .max(1);
    let resized = image.resize_exact(width, height, FilterType::Lanczos3);
    let mut out = Vec::new();
    let encoded = match kind {
        ImageKind::Jpeg => resized.to_rgb8().write_with_encoder(JpegEncoder::new_with_quality(&mut out, 84)),
        ImageKind::Png => resized.write_with_encoder(PngEncoder::new(&mut out)),
        ImageKind::WebP => resized.to_rgba8().write_with_encoder(WebPEncoder::new_lossless(&mut out)),
    };
    encoded.map_err(|e| RenditionError::Encode(e.to_string()))?;
    Ok(Some(out))
}

/// `srcset` for a stored image (`/media/<id>/480 480w, …, /media/<id> 2000w`), given its width.
pub fn srcset(id: &str, original_width: u32) -> String {
    let mut parts: Vec<String> =
        WIDTHS.iter().filter(|w| **w < original_width).map(|w| format!("/media/{id}/{w} {w}w")).collect();
    parts.push(format!("/media/{id} {original_width}w"));
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        image.write_with_encoder(PngEncoder::new(&mut out)).unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn a_wide_image_is_offered_at_the_smaller_widths_in_proportion() {
        let original = png(2000, 1000);
        assert_eq!(width_of(&original, ImageKind::Png), Some(2000));
        let small = render(&original, ImageKind::Png, 480).unwrap_or_else(|e| panic!("{e}")).unwrap_or_default();
        let decoded = image::load_from_memory(&small).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((decoded.width(), decoded.height()), (480, 240));
        assert!(small.len() < original.len());
        assert_eq!(
            srcset("abc", 2000),
            "/media/abc/480 480w, /media/abc/960 960w, /media/abc/1600 1600w, /media/abc 2000w"
        );
    }

    #[test]
    fn a_narrow_image_is_its_own_rendition_and_odd_widths_are_refused() {
        let original = png(400, 300);
        assert_eq!(render(&original, ImageKind::Png, 480), Ok(None));
        assert_eq!(srcset("abc", 400), "/media/abc 400w");
        assert_eq!(render(&original, ImageKind::Png, 333), Err(RenditionError::Width(333)));
        assert!(render(b"not an image", ImageKind::Jpeg, 480).is_err());
    }
}
