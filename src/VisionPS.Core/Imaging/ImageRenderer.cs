using System;
using System.Collections.Generic;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Turns decoded, 8-bit sRGB pixels into the bytes sent: resize to the target, apply the orientation, encode in
    /// the format the policy chooses, and shrink further when the result exceeds the byte cap.
    /// </summary>
    internal static class ImageRenderer
    {
        private static readonly SKColorSpace s_srgb = SKColorSpace.CreateSrgb();

        public static PreparedImage Render(SKBitmap source, bool alpha, int orientation, int tw, int th, ImageHeader header,
            string name, List<string> warnings, PrepareOptions options)
        {
            // Auto: PNG with transparency; PNG too for a small image from a lossless source (graphics, screenshots,
            // palettes, which JPEG smears) as long as it fits the byte cap; JPEG otherwise.
            PreparedFormat format = PreparePolicy.ChooseFormat(alpha, header, tw, th, options);
            bool pngByChoice = options.Format == PreparedFormat.Auto && !alpha && format == PreparedFormat.Png;
            bool keepAlpha = alpha && format != PreparedFormat.Jpeg;
            var owned = new List<IDisposable>();
            try
            {
                (int stw, int sth) = orientation >= 5 ? (th, tw) : (tw, th);
                SKBitmap work = source;
                if (source.AlphaType == SKAlphaType.Unpremul)
                {
                    // Filtering needs premultiplied colour (Magick.NET hands over straight alpha).
                    var premul = new SKBitmap(new SKImageInfo(source.Width, source.Height, SKColorType.Rgba8888, SKAlphaType.Premul, s_srgb));
                    owned.Add(premul);
                    using SKPixmap from = source.PeekPixels();
                    from.ReadPixels(premul.Info, premul.GetPixels(), premul.RowBytes);
                    work = premul;
                }
                if (work.Width != stw || work.Height != sth)
                {
                    SKBitmap resized = PixelPool.Rent(new SKImageInfo(stw, sth, SKColorType.Rgba8888, work.AlphaType, s_srgb))
                        ?? throw ImageProcessingException.TooLarge(name, header.Format, $"there is not enough memory for a {stw}x{sth} image");
                    owned.Add(resized);
                    unsafe
                    {
                        Resampler.Resize((byte*)work.GetPixels(), work.Width, work.Height, work.RowBytes,
                            (byte*)resized.GetPixels(), stw, sth, resized.RowBytes, work.AlphaType == SKAlphaType.Premul);
                    }
                    work = resized;
                }
                SKImage current = SKImage.FromPixels(work.PeekPixels());
                owned.Add(current);
                SKImage final;
                if (orientation == 1 && (keepAlpha || !alpha))
                {
                    final = current;
                }
                else
                {
                    // Pure pixel moves (rotation/flip, or flattening onto white for JPEG): nearest sampling is exact.
                    final = Draw(current, tw, th, orientation, keepAlpha, alpha && !keepAlpha,
                        new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None));
                    owned.Add(final);
                }

                int quality = options.Quality;
                byte[] bytes = Encode(final, format, quality, name, header.Format);
                if (pngByChoice && bytes.LongLength > options.MaxBytes)
                {
                    format = PreparedFormat.Jpeg;
                    bytes = Encode(final, format, quality, name, header.Format);
                }
                // Over the byte cap: lower lossy quality a little, then shrink by 3/4 steps.
                for (int attempt = 0; bytes.LongLength > options.MaxBytes && attempt < 24; attempt++)
                {
                    if (format != PreparedFormat.Png && quality > 50)
                    {
                        quality = Math.Max(50, quality - 15);
                    }
                    else
                    {
                        int nw = Math.Max(1, final.Width * 3 / 4), nh = Math.Max(1, final.Height * 3 / 4);
                        final = Draw(final, nw, nh, 1, keepAlpha, false, new SKSamplingOptions(SKCubicResampler.CatmullRom));
                        owned.Add(final);
                    }
                    bytes = Encode(final, format, quality, name, header.Format);
                }
                if (bytes.LongLength > options.MaxBytes)
                {
                    throw ImageProcessingException.TooLarge(name, header.Format,
                        $"it cannot be encoded within {options.MaxBytes} bytes");
                }
                if (final.Width != tw || final.Height != th || quality != options.Quality)
                {
                    warnings.Add($"'{name}' was reduced to {final.Width}x{final.Height}" +
                        (quality != options.Quality ? $" at quality {quality}" : string.Empty) +
                        $" to fit the {options.MaxBytes}-byte limit.");
                }
                string mime = MimeTypes.Of(format);
                var image = new PreparedImage(name, bytes, mime, final.Width, final.Height)
                {
                    Action = PrepareAction.Reencode,
                    OrientationApplied = orientation,
                };
                return Finish(image, header, orientation, warnings, options);
            }
            finally
            {
                for (int i = owned.Count - 1; i >= 0; i--)
                {
                    owned[i].Dispose();
                }
            }
        }

        public static PreparedImage Finish(PreparedImage image, ImageHeader header, int orientation, List<string> warnings,
            PrepareOptions options)
        {
            image.SourceWidth = header.Width;
            image.SourceHeight = header.Height;
            image.SourceFormat = header.Format;
            image.OrientationApplied = orientation;
            image.Warnings = warnings.Count == 0 ? Array.Empty<string>() : warnings.ToArray();
            image.EstimatedTokens = TokenEstimator.Estimate(options.Model, options.Detail, image.Width, image.Height);
            return image;
        }

        /// <summary>
        /// Draws <paramref name="image"/> into a new <paramref name="width"/> x <paramref name="height"/> raster,
        /// applying EXIF <paramref name="orientation"/> (the size given is the upright one).
        /// </summary>
        private static SKImage Draw(SKImage image, int width, int height, int orientation, bool alpha, bool onWhite,
            SKSamplingOptions sampling)
        {
            var info = new SKImageInfo(width, height, SKColorType.Rgba8888, alpha ? SKAlphaType.Premul : SKAlphaType.Opaque, s_srgb);
            using SKSurface surface = SKSurface.Create(info)
                ?? throw new OutOfMemoryException($"Cannot allocate a {width}x{height} image.");
            SKCanvas canvas = surface.Canvas;
            canvas.Clear(alpha ? SKColors.Transparent : SKColors.White);
            float w = image.Width, h = image.Height;
            // Source -> upright, then upright -> output scale.
            SKMatrix orient = orientation switch
            {
                2 => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
                3 => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
                4 => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
                5 => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
                6 => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
                7 => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
                8 => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
                _ => SKMatrix.Identity,
            };
            float uw = orientation >= 5 ? h : w, uh = orientation >= 5 ? w : h;
            SKMatrix scale = SKMatrix.CreateScale(width / uw, height / uh);
            canvas.SetMatrix(SKMatrix.Concat(scale, orient));
            using var paint = new SKPaint { BlendMode = onWhite ? SKBlendMode.SrcOver : SKBlendMode.Src };
            canvas.DrawImage(image, 0, 0, sampling, paint);
            canvas.Flush();
            return surface.Snapshot();
        }

        private static byte[] Encode(SKImage image, PreparedFormat format, int quality, string name, ImageFormat sourceFormat)
        {
            using SKPixmap pixmap = image.PeekPixels()
                ?? throw ImageProcessingException.DecodeFailed(name, sourceFormat, "the decoded pixels are not addressable");
            using SKData? data = format switch
            {
                // zlib level 4: about twice as fast as the default 6 for a few per cent more bytes.
                PreparedFormat.Png => pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, 4)),
                PreparedFormat.WebP => pixmap.Encode(new SKWebpEncoderOptions(
                    quality >= 100 ? SKWebpEncoderCompression.Lossless : SKWebpEncoderCompression.Lossy, quality)),
                _ => pixmap.Encode(new SKJpegEncoderOptions(quality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore)),
            };
            if (data is null)
            {
                throw ImageProcessingException.DecodeFailed(name, sourceFormat, $"the {format} encoder failed");
            }
            return data.ToArray();
        }
    }
}
