using System;
using System.Collections.Generic;
using System.Linq;
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
            PreparePolicy.CheckOutputSize(tw, th, options, name, header.Format); // each decoder's path comes here
            PreparedFormat format = PreparePolicy.ChooseFormat(alpha, header, tw, th, options);
            bool pngByChoice = options.Format == PreparedFormat.Auto && !alpha && format == PreparedFormat.Png;
            bool keepAlpha = alpha && format != PreparedFormat.Jpeg;
            var owned = new List<IDisposable>();
            try
            {
                (int stw, int sth) = orientation >= 5 ? (th, tw) : (tw, th);
                SKBitmap work = source;
                if (!alpha && source.AlphaType != SKAlphaType.Opaque)
                {
                    // The caller found every pixel opaque: the same pixels, read as opaque, so a PNG is written
                    // without an alpha channel (an encoder goes by the alpha type, not the values).
                    var opaque = new SKBitmap();
                    owned.Add(opaque);
                    if (!opaque.InstallPixels(source.Info.WithAlphaType(SKAlphaType.Opaque), source.GetPixels(), source.RowBytes))
                    {
                        throw ImageProcessingException.DecodeFailed(name, header.Format, "the decoded pixels are not addressable");
                    }
                    work = opaque;
                }
                else if (source.AlphaType == SKAlphaType.Unpremul)
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
                else if (keepAlpha || !alpha)
                {
                    // A pure pixel move (rotation/flip), done directly: Skia's rotated draw is many times slower.
                    SKBitmap upright = PixelPool.Rent(work.Info.WithSize(tw, th))
                        ?? throw ImageProcessingException.TooLarge(name, header.Format, $"there is not enough memory for a {tw}x{th} image");
                    owned.Add(upright);
                    unsafe
                    {
                        Orient((uint*)work.GetPixels(), work.Width, work.Height, work.RowBytes / 4,
                            (uint*)upright.GetPixels(), tw, th, upright.RowBytes / 4, orientation);
                    }
                    final = SKImage.FromPixels(upright.PeekPixels());
                    owned.Add(final);
                }
                else
                {
                    // Flattening onto white for JPEG (and any rotation): nearest sampling keeps it a pure pixel move.
                    final = Draw(current, tw, th, orientation, keepAlpha, alpha && !keepAlpha,
                        new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None));
                    owned.Add(final);
                }

                int quality = options.Quality;
                byte[] bytes;
                // Per-image quality for the sizes models look at; larger outputs keep the fixed quality (the search
                // costs an encode and a decode per step).
                bool adaptive = options.AdaptiveQuality && (long)final.Width * final.Height <= AdaptiveQualityPixels;
                if (pngByChoice)
                {
                    // A lossless source goes as PNG only when that is not much larger than JPEG: graphics and
                    // screenshots stay sharp, a photo saved as BMP, TIFF or 16-bit PNG is still sent as a photo.
                    byte[] png = Encode(final, PreparedFormat.Png, quality, name, header.Format);
                    (byte[] jpeg, int jq, bool? faithful) = adaptive
                        ? EncodeJpegForTarget(final, quality, name, header.Format)
                        : (Encode(final, PreparedFormat.Jpeg, quality, name, header.Format), quality, null);
                    // JPEG only when it is both much smaller and faithful (noise-like graphics such as fractals
                    // lose too much in JPEG at any quality worth sending); the search's own verdict when it has one.
                    bool jpegWins = png.LongLength > jpeg.LongLength * PngOverJpegLimit && (faithful ?? JpegIsFaithful(final, jpeg));
                    if (png.LongLength <= options.MaxBytes && !jpegWins)
                    {
                        bytes = png;
                    }
                    else
                    {
                        format = PreparedFormat.Jpeg;
                        (bytes, quality) = (jpeg, jq);
                    }
                }
                else if (format == PreparedFormat.Jpeg && adaptive)
                {
                    (bytes, quality, _) = EncodeJpegForTarget(final, quality, name, header.Format);
                }
                else
                {
                    bytes = Encode(final, format, quality, name, header.Format);
                }
                int chosenQuality = quality;
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
                if (final.Width != tw || final.Height != th || quality != chosenQuality)
                {
                    warnings.Add($"'{name}' was reduced to {final.Width}x{final.Height}" +
                        (quality != chosenQuality ? $" at quality {quality}" : string.Empty) +
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

        /// <summary>Up to this many output pixels, <see cref="PrepareOptions.AdaptiveQuality"/> chooses the JPEG quality.</summary>
        internal const long AdaptiveQualityPixels = 1_600_000;

        /// <summary>A small lossless source is sent as PNG only while the PNG is at most this many times the JPEG.</summary>
        internal const double PngOverJpegLimit = 2.5;

        /// <summary>
        /// The PSNR, against the resized pixels, a JPEG must keep when its quality is chosen per image (about 31 dB
        /// or better against an independent Lanczos resize once the resampler's own difference is added).
        /// </summary>
        internal const double TargetPsnr = 35.0;

        /// <summary>
        /// JPEG at the lowest quality that keeps <see cref="TargetPsnr"/>: smooth photos go smaller than
        /// <paramref name="start"/>, detailed ones higher. The search runs on a sample of the image (tiles on the
        /// 16-pixel MCU grid, so each block is quantised as in the whole image); the whole image is then encoded once at
        /// the quality found and checked, going up a step while it misses the target. <c>Faithful</c>: whether the JPEG
        /// returned meets the target, as far as the search checked (null: the last step was not checked).
        /// </summary>
        internal static (byte[] Bytes, int Quality, bool? Faithful) EncodeJpegForTarget(SKImage image, int start, string name, ImageFormat sourceFormat)
        {
            using SKPixmap pixels = image.PeekPixels()
                ?? throw ImageProcessingException.DecodeFailed(name, sourceFormat, "the decoded pixels are not addressable");
            int quality;
            using (SKBitmap? sample = SampleTiles(pixels))
            {
                if (sample is null)
                {
                    return SearchJpegQuality(image, pixels, start, name, sourceFormat);
                }
                using SKImage sampleImage = SKImage.FromPixels(sample.PeekPixels());
                using SKPixmap samplePixels = sampleImage.PeekPixels();
                quality = SearchJpegQuality(sampleImage, samplePixels, start, name, sourceFormat).Quality;
            }
            byte[] bytes = Encode(image, PreparedFormat.Jpeg, quality, name, sourceFormat);
            // The sample stands for the image; the image itself must still meet the target.
            foreach (int q in QualitySteps.Where(q => q > quality))
            {
                if (Psnr(pixels, bytes) >= TargetPsnr)
                {
                    return (bytes, quality, true);
                }
                (bytes, quality) = (Encode(image, PreparedFormat.Jpeg, q, name, sourceFormat), q);
            }
            return (bytes, quality, null);
        }

        /// <summary>The qualities the search tries, lowest first.</summary>
        private static readonly int[] QualitySteps = { 55, 65, 75, 85, 90, 95 };

        /// <summary>The search on every pixel: one encode and one decode per step; <c>Faithful</c> says whether the JPEG returned meets the target.</summary>
        internal static (byte[] Bytes, int Quality, bool? Faithful) SearchJpegQuality(SKImage image, SKPixmap pixels, int start, string name, ImageFormat sourceFormat)
        {
            byte[] best = Encode(image, PreparedFormat.Jpeg, start, name, sourceFormat);
            int bestQuality = start;
            bool faithful = Psnr(pixels, best) >= TargetPsnr;
            if (faithful)
            {
                foreach (int q in new[] { 75, 65, 55 })
                {
                    if (q >= bestQuality)
                    {
                        continue;
                    }
                    byte[] candidate = Encode(image, PreparedFormat.Jpeg, q, name, sourceFormat);
                    if (Psnr(pixels, candidate) < TargetPsnr)
                    {
                        break;
                    }
                    (best, bestQuality) = (candidate, q);
                }
            }
            else
            {
                foreach (int q in new[] { 90, 95 })
                {
                    if (q <= bestQuality)
                    {
                        continue;
                    }
                    (best, bestQuality) = (Encode(image, PreparedFormat.Jpeg, q, name, sourceFormat), q);
                    faithful = Psnr(pixels, best) >= TargetPsnr;
                    if (faithful)
                    {
                        break;
                    }
                }
            }
            return (best, bestQuality, faithful);
        }

        /// <summary>Side of a sample tile (a multiple of the 16-pixel MCU) and the tiles a sample takes at most.</summary>
        internal const int SampleTile = 32, SampleTileCount = 48;

        /// <summary>
        /// A mosaic of <see cref="SampleTileCount"/> tiles spread evenly over the image, each at a position on the MCU grid;
        /// null when the image is too small for a sample to save work (under four times the sample).
        /// </summary>
        internal static unsafe SKBitmap? SampleTiles(SKPixmap pixels)
        {
            int across = pixels.Width / SampleTile, down = pixels.Height / SampleTile;
            if ((long)across * down < 4L * SampleTileCount)
            {
                return null;
            }
            // A grid of cols x rows tiles over the cells, as square as the image.
            int rows = Math.Max(1, (int)Math.Round(Math.Sqrt(SampleTileCount * (double)down / across)));
            int cols = (SampleTileCount + rows - 1) / rows;
            rows = Math.Min(rows, down);
            cols = Math.Min(cols, across);
            const int PerRow = 8;
            int count = rows * cols;
            var info = new SKImageInfo(PerRow * SampleTile, ((count + PerRow - 1) / PerRow) * SampleTile, SKColorType.Rgba8888, SKAlphaType.Opaque, s_srgb);
            var sample = new SKBitmap(info);
            sample.Erase(SKColors.Black);
            byte* src = (byte*)pixels.GetPixels();
            byte* dst = (byte*)sample.GetPixels();
            int n = 0;
            for (int r = 0; r < rows; r++)
            {
                // The tile's cell at the centre of its share of the image, snapped to the grid.
                int cy = (int)(((r + 0.5) * down / rows)) * SampleTile;
                for (int c = 0; c < cols; c++, n++)
                {
                    int cx = (int)(((c + 0.5) * across / cols)) * SampleTile;
                    int ox = (n % PerRow) * SampleTile, oy = (n / PerRow) * SampleTile;
                    for (int y = 0; y < SampleTile; y++)
                    {
                        Buffer.MemoryCopy(src + ((long)(cy + y) * pixels.RowBytes) + (cx * 4L),
                            dst + ((long)(oy + y) * sample.RowBytes) + (ox * 4L), SampleTile * 4, SampleTile * 4);
                    }
                }
            }
            // Cells the grid leaves empty in the last mosaic row repeat the first tile, so no flat black block skews it.
            for (; n % PerRow != 0; n++)
            {
                int ox = (n % PerRow) * SampleTile, oy = (n / PerRow) * SampleTile;
                for (int y = 0; y < SampleTile; y++)
                {
                    Buffer.MemoryCopy(dst + ((long)y * sample.RowBytes), dst + ((long)(oy + y) * sample.RowBytes) + (ox * 4L),
                        SampleTile * 4, SampleTile * 4);
                }
            }
            return sample;
        }

        private static bool JpegIsFaithful(SKImage image, byte[] jpeg)
        {
            using SKPixmap? pixels = image.PeekPixels();
            return pixels is not null && Psnr(pixels, jpeg) >= TargetPsnr;
        }

        /// <summary>PSNR in dB over RGB between opaque pixels and a JPEG of them.</summary>
#if NET
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
#endif
        internal static unsafe double Psnr(SKPixmap pixels, byte[] jpeg)
        {
            using SKBitmap? decoded = SKBitmap.Decode(jpeg, new SKImageInfo(pixels.Width, pixels.Height, SKColorType.Rgba8888, SKAlphaType.Opaque, s_srgb));
            if (decoded is null || decoded.Width != pixels.Width || decoded.Height != pixels.Height)
            {
                return 0;
            }
            byte* a = (byte*)pixels.GetPixels(), b = (byte*)decoded.GetPixels();
            // Sizes in locals: each SKPixmap/SKBitmap property is a native call.
            int width = pixels.Width, height = pixels.Height, strideA = pixels.RowBytes, strideB = decoded.RowBytes;
            long sum = 0;
            for (int y = 0; y < height; y++)
            {
                byte* ra = a + ((long)y * strideA), rb = b + ((long)y * strideB);
                for (int x = 0; x < width * 4; x += 4)
                {
                    int d0 = ra[x] - rb[x], d1 = ra[x + 1] - rb[x + 1], d2 = ra[x + 2] - rb[x + 2];
                    sum += (d0 * d0) + (d1 * d1) + (d2 * d2);
                }
            }
            double mse = (double)sum / (3.0 * width * height);
            return mse <= 0 ? 99 : 10 * Math.Log10(255.0 * 255.0 / mse);
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
        /// Applies EXIF <paramref name="orientation"/> (2-8) to 32-bit pixels: <paramref name="dst"/> is the upright
        /// <paramref name="dw"/> x <paramref name="dh"/> image (sides swapped for 5-8). Strides are in pixels; the
        /// destination is walked in tiles so a rotation reads the source cache-friendly.
        /// </summary>
#if NET
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
#endif
        internal static unsafe void Orient(uint* src, int sw, int sh, int srcStride, uint* dst, int dw, int dh, int dstStride, int orientation)
        {
            // Source pixel for destination (x, y): sx = ax*x + bx*y + cx, sy = ay*x + by*y + cy.
            (int ax, int bx, int cx, int ay, int by, int cy) = orientation switch
            {
                2 => (-1, 0, sw - 1, 0, 1, 0),
                3 => (-1, 0, sw - 1, 0, -1, sh - 1),
                4 => (1, 0, 0, 0, -1, sh - 1),
                5 => (0, 1, 0, 1, 0, 0),
                6 => (0, 1, 0, -1, 0, sh - 1),
                7 => (0, -1, sw - 1, -1, 0, sh - 1),
                8 => (0, -1, sw - 1, 1, 0, 0),
                _ => (1, 0, 0, 0, 1, 0),
            };
            if ((orientation >= 5 ? (sh, sw) : (sw, sh)) != (dw, dh))
            {
                throw new ArgumentException("The destination is not the upright size of the source.");
            }
            // One source step per destination x, and per destination y, in pixels.
            long stepX = ax + ((long)ay * srcStride);
            const int Tile = 64;
            for (int ty = 0; ty < dh; ty += Tile)
            {
                int yEnd = Math.Min(dh, ty + Tile);
                for (int tx = 0; tx < dw; tx += Tile)
                {
                    int xEnd = Math.Min(dw, tx + Tile);
                    for (int y = ty; y < yEnd; y++)
                    {
                        uint* s = src + (cx + ((long)ax * tx) + ((long)bx * y)) + ((cy + ((long)ay * tx) + ((long)by * y)) * srcStride);
                        uint* d = dst + ((long)y * dstStride) + tx;
                        for (int x = tx; x < xEnd; x++, s += stepX)
                        {
                            *d++ = *s;
                        }
                    }
                }
            }
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
            if (format == PreparedFormat.Png)
            {
                return PngWriter.Encode(pixmap);
            }
            using SKData? data = format switch
            {
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
