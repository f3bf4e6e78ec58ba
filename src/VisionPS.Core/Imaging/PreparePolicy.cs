using System;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// What is sent, decided from the header and the options: the target size, whether the original bytes may pass
    /// through, and the output format of a re-encode.
    /// </summary>
    internal static class PreparePolicy
    {
        /// <summary>Up to this many output pixels, an opaque image from a lossless source is sent as PNG (Auto).</summary>
        public const long LosslessPngPixels = 1_000_000;

        public static (int Width, int Height) TargetSize(int displayWidth, int displayHeight, PrepareOptions options)
        {
            ModelVision? model = ModelVision.Find(options.Model);
            if (model is not null && !options.MaxSideIsSet && options.Detail == ImageDetail.Original)
            {
                // -Detail Original asked for and no -MaxSide: the model's own box (6000 px on gpt-5.4, not the 2048-px
                // default). Only when asked for: gpt-5.6's auto also acts as original, but a folder of photos sent with
                // no -Detail at full size (5640x3172, ~5 MB, ~17,700 tokens each) soon passes the 50 MB request limit.
                return model.TargetSize(displayWidth, displayHeight, options.Detail);
            }
            (int w, int h) = SizeRules.FitWithin(displayWidth, displayHeight, options.MaxSide, options.MaxSide);
            if (model is not null)
            {
                (int mw, int mh) = model.TargetSize(displayWidth, displayHeight, options.Detail);
                if ((long)mw * mh < (long)w * h)
                {
                    (w, h) = SizeRules.FitWithin(mw, mh, options.MaxSide, options.MaxSide);
                }
            }
            else if (options.Detail == ImageDetail.Low)
            {
                (w, h) = SizeRules.FitWithin(w, h, 512, 512);
            }
            return (w, h);
        }

        /// <summary>The largest side a WebP image holds (14 bits of width and height in its header).</summary>
        public const int WebPMaxSide = 16383;

        /// <summary>
        /// Refuses a target size the output format the caller named cannot hold (WebP: 16383 px a side; reachable with
        /// -Detail Original on a model that keeps up to 65,535 px), before any pixels are decoded: Skia's encoder would
        /// only fail after the decode and the resize. Auto never chooses WebP; PNG and JPEG hold every size the budget lets in.
        /// </summary>
        public static void CheckOutputSize(int tw, int th, PrepareOptions options, string name, ImageFormat source)
        {
            if (options.Format == PreparedFormat.WebP && Math.Max(tw, th) > WebPMaxSide)
            {
                throw ImageProcessingException.TooLargeForFormat(name, source, tw, th, "WebP", WebPMaxSide, "Jpeg or Png");
            }
        }

        /// <summary>
        /// The part of the pass-through policy a header alone decides: an API-accepted, still, upright, 8-bit image, in
        /// the requested format, not CMYK, within the target size and the byte cap.
        /// </summary>
        public static bool HeaderAllowsPassThrough(ImageHeader header, PrepareOptions options)
        {
            (int tw, int th) = TargetSize(header.DisplayWidth, header.DisplayHeight, options);
            if (!options.AllowPassThrough || header.Mime is null || header.IsAnimated || header.ApngDefaultImageHidden || header.Orientation != 1
                || header.Width > tw || header.Height > th || header.ByteLength > options.MaxBytes)
            {
                return false;
            }
            // The policy is 8-bit sRGB: 16-bit PNGs and 12-bit JPEGs are converted (some services cannot read them).
            // A PNG cICP chunk naming anything but sRGB (HLG, PQ, BT.2020...) outranks the other colour chunks and is
            // read by few decoders (Skia's codec ignores it): converted.
            // A lossless or an arithmetic-coded JPEG is read by no browser and few decoders: converted.
            if (header.BitDepth > 8 || header.HasNonSrgbCicp || header.IsLosslessJpeg || header.IsArithmeticJpeg)
            {
                return false;
            }
            // A GIF's ICC profile (its ICCRGBG1012 extension), which Skia's codec does not read (it reports no colour
            // space), when it is not sRGB: converted, as a JPEG's or PNG's is.
            if (header.IccProfileSkiaIgnores is byte[] ignored && (SkiaDecoder.IgnoredProfileColorSpace(header) is not null || IccSkiaCannotRead(ignored)))
            {
                return false;
            }
            bool formatOk = options.Format switch
            {
                PreparedFormat.Auto => true,
                PreparedFormat.Png => header.Format == ImageFormat.Png,
                PreparedFormat.Jpeg => header.Format == ImageFormat.Jpeg,
                PreparedFormat.WebP => header.Format == ImageFormat.WebP,
                _ => false,
            };
            return formatOk && header.ColorType != ImageColorType.Cmyk;
        }

        /// <summary>
        /// The header rule plus the colour space Skia read; the file's integrity is checked separately. <paramref name="icc"/>:
        /// the file's ICC profile as the caller already read it (a PNG's iCCP, inflated), or null.
        /// </summary>
        public static bool CanPassThrough(ImageHeader header, SKCodec codec, byte[] data, byte[]? icc, PrepareOptions options)
        {
            if (data.LongLength > options.MaxBytes || !HeaderAllowsPassThrough(header, options))
            {
                return false;
            }
            if (header.Format == ImageFormat.Png && ImageIntegrity.PngUnknownCriticalChunk(data) is not null)
            {
                // libpng (and so most services' decoders) refuses a PNG with a critical chunk it does not know.
                return false;
            }
            // A colour space other than sRGB would be ignored or misread by some consumers: convert it instead. Allowed:
            // untagged, sRGB, or sRGB in all but name - sRGB's primaries with the sRGB curve or a plain power curve
            // near 2.2 (a PNG tagged gAMA 1/2.2, with or without sRGB's cHRM, as ImageMagick writes them). Other
            // primaries (a cHRM or an ICC profile wider than sRGB) or another curve (gAMA 1.0, 2.5) are converted.
            SKColorSpace? space = codec.Info.ColorSpace;
            if (header.Format == ImageFormat.Png && header.HasIccProfile && IccSkiaCannotRead(icc))
            {
                // The codec converts with the full profile but reports sRGB: the bytes as they are are not sRGB.
                return false;
            }
            return space is null || space.IsSrgb || IsSrgbInAllButName(space);
        }

        /// <summary>
        /// A PNG iCCP profile (<paramref name="icc"/>, inflated) that is RGB and that Skia cannot express as a colour space (sampled curves, such as libjxl's HLG
        /// profile): its codec still converts with the whole profile, but reports sRGB, so the header would pass it.
        /// </summary>
        internal static bool IccSkiaCannotRead(byte[]? icc)
        {
            if (icc is null || icc.Length < 132)
            {
                return false;
            }
            // Data colour space at byte 16: only RGB profiles are converted by Skia's PNG codec ('GRAY' ones are read too).
            bool rgb = icc[16] == (byte)'R' && icc[17] == (byte)'G' && icc[18] == (byte)'B';
            // Not disposed: SkiaSharp hands out one wrapper per native colour space, so an sRGB profile's space is the
            // very object the codec's Info.ColorSpace returned, and disposing it here freed the space the caller was
            // still using (a crash of the whole process when no sRGB wrapper was pinned yet). The GC releases it.
            SKColorSpace? space = rgb ? SkiaDecoder.IccColorSpace(icc) : null;
            return rgb && space is null;
        }

        private static readonly float[] s_srgbXyz = SKColorSpaceXyz.Srgb.Values;

        internal static bool IsSrgbInAllButName(SKColorSpace space)
        {
            if (!HasSrgbPrimaries(space))
            {
                return false;
            }
            if (space.GammaIsCloseToSrgb)
            {
                return true;
            }
            // A plain power curve of about 2.2 (gAMA 0.43 to 0.48, as before the primaries were checked).
            return space.GetNumericalTransferFunction(out SKColorSpaceTransferFn fn)
                && fn.A == 1 && fn.B == 0 && fn.C == 0 && fn.D == 0 && fn.E == 0 && fn.F == 0
                && fn.G >= 1 / 0.48f && fn.G <= 1 / 0.43f;
        }

        /// <summary>
        /// sRGB's primaries and sRGB's own curve: pixels in it need no conversion. Stricter than
        /// <see cref="IsSrgbInAllButName"/>, which lets a plain 2.2 power curve pass the original bytes through; a
        /// decode that is converted anyway converts that curve (it parts from sRGB's in the shadows: 10 of 255 is 3).
        /// </summary>
        internal static bool IsSrgbCurveAndPrimaries(SKColorSpace space) => space.IsSrgb || (space.GammaIsCloseToSrgb && HasSrgbPrimaries(space));

        private static bool HasSrgbPrimaries(SKColorSpace space)
        {
            if (!space.ToColorSpaceXyz(out SKColorSpaceXyz xyz))
            {
                return false;
            }
            float[] mine = xyz.Values;
            for (int i = 0; i < 9; i++)
            {
                // 0.002 in XYZ (D50) is well under one 8-bit level on any colour; a cHRM chunk rounds to 1e-5.
                if (Math.Abs(mine[i] - s_srgbXyz[i]) > 0.002f)
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>
        /// The output format: PNG with transparency; PNG too for a small image from a lossless source (graphics,
        /// screenshots, palettes, which JPEG smears); JPEG otherwise - unless the options name one.
        /// </summary>
        public static PreparedFormat ChooseFormat(bool alpha, ImageHeader header, int tw, int th, PrepareOptions options) =>
            options.Format == PreparedFormat.Auto
                ? (alpha || (IsLossless(header) && (long)tw * th <= LosslessPngPixels) ? PreparedFormat.Png : PreparedFormat.Jpeg)
                : options.Format;

        private static bool IsLossless(ImageHeader header) => header.Format switch
        {
            ImageFormat.Png or ImageFormat.Gif or ImageFormat.Bmp or ImageFormat.Ico or ImageFormat.Tiff => true,
            _ => false,
        };
    }
}
