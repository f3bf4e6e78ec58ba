using System;
using System.Collections.Generic;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Decodes through Skia's codec into a pooled 8-bit sRGB raster, at the smallest scale still at least the target
    /// (shrink-on-load for JPEG and WebP); reports how much of a damaged file decoded.
    /// </summary>
    internal static class SkiaDecoder
    {
        private static readonly SKColorSpace s_srgb = SKColorSpace.CreateSrgb();

        /// <summary>
        /// The colour space an ICC profile describes, or null when skcms cannot parse it or cannot express it
        /// (SkiaSharp's own CreateIcc(byte[]) throws on a profile it cannot parse). Never dispose it: SkiaSharp shares one
        /// wrapper per native colour space (an sRGB profile gives the sRGB singleton every codec and bitmap also holds).
        /// </summary>
        public static SKColorSpace? IccColorSpace(byte[] icc)
        {
            using SKColorSpaceIccProfile? profile = SKColorSpaceIccProfile.Create(icc);
            return profile is null ? null : SKColorSpace.CreateIcc(profile);
        }

        public static SKSizeI ChooseDecodeSize(SKCodec codec, ImageHeader header, int stw, int sth)
            => ChooseDecodeSize(codec, header, stw, sth, 1);

        /// <summary>
        /// The JPEG scale libjpeg-turbo decodes fastest at, still at least the target: 1/8, 1/4, 1/2 or whole, the scales
        /// its SIMD inverse DCTs cover. Its other k/8 scales run portable C, slower than a whole decode (2560x1920 at 7/8:
        /// 1.3x the time of the whole decode in djpeg, 1.8x for a 4:4:4 file), and the larger decode costs the resize less
        /// than that saves. Skia's own decoder (portable at every scale) keeps <see cref="ChooseDecodeSize(SKCodec, ImageHeader, int, int)"/>.
        /// </summary>
        public static SKSizeI ChooseLibjpegDecodeSize(SKCodec codec, ImageHeader header, int stw, int sth)
            => ChooseDecodeSize(codec, header, stw, sth, 2);

        private static SKSizeI ChooseDecodeSize(SKCodec codec, ImageHeader header, int stw, int sth, int step)
        {
            var full = new SKSizeI(header.Width, header.Height);
            if (header.Format == ImageFormat.Jpeg)
            {
                for (int k = 1; k < 8; k = step == 1 ? k + 1 : k * 2)
                {
                    SKSizeI d = codec.GetScaledDimensions(k / 8f);
                    if (d.Width >= stw && d.Height >= sth && d.Width <= header.Width && d.Height <= header.Height)
                    {
                        return d;
                    }
                }
                return full;
            }
            if (header.Format == ImageFormat.WebP && !header.IsAnimated && (stw < header.Width || sth < header.Height))
            {
                float scale = (float)Math.Max((double)stw / header.Width, (double)sth / header.Height);
                SKSizeI d = codec.GetScaledDimensions(scale);
                if (d.Width >= stw && d.Height >= sth && d.Width <= header.Width && d.Height <= header.Height)
                {
                    return d;
                }
            }
            return full;
        }

        /// <summary>
        /// Decodes into a pooled bitmap of <paramref name="size"/>. A damaged file still yields a bitmap, with the rows
        /// that did not decode cleared, and <paramref name="damage"/> saying how much decoded; nothing decoding at all
        /// throws <see cref="ImageErrorReason.Damaged"/>.
        /// </summary>
        public static SKBitmap Decode(SKCodec codec, ImageHeader header, SKSizeI size, bool alpha, ImageBudget budget,
            string name, out DecodeDamage? damage)
        {
            CheckDecodeCost(header, size, budget, name);
            // A PNG cICP chunk or a BMP's embedded profile, which Skia's codecs do not read: decode the samples
            // unconverted, then convert from that space.
            SKColorSpace? cicp = CicpColorSpace(header) ?? IgnoredProfileColorSpace(header);
            // A BMP's or icon's alpha is decoded straight: when every alpha byte is 0 the image is shown opaque (an
            // icon through its AND mask), with the colours that premultiplying would have erased (ImagePreparer decides
            // once the pixels are in).
            var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888,
                !alpha ? SKAlphaType.Opaque : header.Format is ImageFormat.Bmp or ImageFormat.Ico ? SKAlphaType.Unpremul : SKAlphaType.Premul,
                cicp is null ? s_srgb : null);
            SKBitmap bitmap = PixelPool.Rent(info) ?? throw ImageProcessingException.TooLarge(name, header.Format,
                $"there is not enough memory for a {size.Width}x{size.Height} decode");
            try
            {
                damage = DecodeInto(codec, info, bitmap.GetPixels(), header, name);
                return cicp is null ? bitmap : ConvertToSrgb(bitmap, cicp, header.PngCicp is { } c && c[3] == 0, header, name);
            }
            catch
            {
                bitmap.Dispose();
                throw;
            }
        }

        /// <summary>Refuses a decode at <paramref name="size"/> that would take more than the decode budget.</summary>
        public static void CheckDecodeCost(ImageHeader header, SKSizeI size, ImageBudget budget, string name)
        {
            // A progressive JPEG's decoder holds every DCT coefficient at full size whatever the output scale.
            long cost = header.Format == ImageFormat.Jpeg && header.IsProgressive
                ? (long)header.Width * header.Height
                : (long)size.Width * size.Height;
            if (cost > budget.MaxDecodedPixels)
            {
                throw ImageProcessingException.TooLarge(name, header.Format,
                    $"decoding it takes {cost / 1e6:0.#} megapixels ({header.Width}x{header.Height} declared), more than the " +
                    $"{budget.MaxDecodedPixels / 1e6:0.#}-megapixel decode budget");
            }
        }

        /// <summary>
        /// A pooled opaque RGBA bitmap for another decoder to fill: tagged sRGB when <paramref name="rawIsSrgb"/>, else
        /// untagged, for <see cref="ConvertToSrgb"/> from the samples' own space.
        /// </summary>
        public static SKBitmap RentOpaque(SKSizeI size, bool rawIsSrgb, ImageHeader header, string name) =>
            PixelPool.Rent(new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Opaque, rawIsSrgb ? s_srgb : null))
            ?? throw ImageProcessingException.TooLarge(name, header.Format, $"there is not enough memory for a {size.Width}x{size.Height} decode");

        /// <summary>
        /// The colour space a PNG's cICP chunk names when it is not sRGB and Skia knows it (BT.709, BT.2020, Display P3...
        /// with the sRGB, BT.709, linear, PQ or HLG curve); null otherwise (the codec's own reading then stands).
        /// </summary>
        internal static SKColorSpace? CicpColorSpace(ImageHeader header)
        {
            // PNG allows only RGB samples (matrix coefficients 0).
            if (!header.HasNonSrgbCicp || header.PngCicp![2] != 0)
            {
                return null;
            }
            return SKColorSpace.CreateCicp((SKColorspacePrimariesCicp)header.PngCicp[0], (SKColorspaceTransferFnCicp)header.PngCicp[1]);
        }

        /// <summary>
        /// The RGB colour space of the ICC profile a BMP or GIF embeds (<see cref="ImageHeader.IccProfileSkiaIgnores"/>),
        /// when Skia can read it and it is not sRGB's curve and primaries (a 2.2 power curve is converted, as a
        /// colour-managed viewer shows it).
        /// </summary>
        internal static SKColorSpace? IgnoredProfileColorSpace(ImageHeader header)
        {
            byte[]? icc = header.IccProfileSkiaIgnores;
            if (icc is null || icc[16] != (byte)'R' || icc[17] != (byte)'G' || icc[18] != (byte)'B')
            {
                return null;
            }
            SKColorSpace? space = IccColorSpace(icc);
            return space is null || PreparePolicy.IsSrgbCurveAndPrimaries(space) ? null : space;
        }

        /// <summary>Converts unconverted samples in <paramref name="source"/> space to 8-bit sRGB; disposes <paramref name="raw"/>.</summary>
        internal static SKBitmap ConvertToSrgb(SKBitmap raw, SKColorSpace source, bool narrowRange, ImageHeader header, string name)
        {
            using (raw)
            {
                if (narrowRange)
                {
                    // Video range: 16..235 is black..white.
                    var lut = new byte[256];
                    for (int i = 0; i < 256; i++)
                    {
                        lut[i] = (byte)Math.Max(0, Math.Min(255, (int)Math.Round((i - 16) * 255 / 219.0)));
                    }
                    unsafe
                    {
                        // Sizes in locals: each SKBitmap property is a native call.
                        int height = raw.Height, rowBytes = raw.RowBytes, rowEnd = raw.Width * 4;
                        byte* pixels = (byte*)raw.GetPixels();
                        for (int y = 0; y < height; y++)
                        {
                            byte* row = pixels + ((long)y * rowBytes);
                            for (int x = 0; x < rowEnd; x += 4)
                            {
                                row[x] = lut[row[x]];
                                row[x + 1] = lut[row[x + 1]];
                                row[x + 2] = lut[row[x + 2]];
                            }
                        }
                    }
                }
                SKImageInfo dstInfo = raw.Info.WithColorSpace(s_srgb);
                SKBitmap dst = PixelPool.Rent(dstInfo) ?? throw ImageProcessingException.TooLarge(name, header.Format,
                    $"there is not enough memory for a {raw.Width}x{raw.Height} colour conversion");
                using var pixmap = new SKPixmap(raw.Info.WithColorSpace(source), raw.GetPixels(), raw.RowBytes);
                if (!pixmap.ReadPixels(dstInfo, dst.GetPixels(), dst.RowBytes))
                {
                    dst.Dispose();
                    throw ImageProcessingException.DecodeFailed(name, header.Format, "its colour space (cICP chunk or embedded profile) could not be converted to sRGB");
                }
                return dst;
            }
        }

        /// <summary>
        /// Decodes the whole file into a small scratch raster (a JPEG at 1/8 scale: its scan is still read to the end)
        /// to prove it intact before its bytes pass through. Returns what is wrong, or null.
        /// </summary>
        public static string? VerifyWhole(SKCodec codec, ImageHeader header, string name)
        {
            SKSizeI size = header.Format == ImageFormat.Jpeg ? codec.GetScaledDimensions(1 / 8f) : codec.Info.Size;
            var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888,
                codec.Info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Premul, s_srgb);
            using SKBitmap? bitmap = PixelPool.Rent(info);
            if (bitmap is null)
            {
                return "there is not enough memory to check it";
            }
            try
            {
                DecodeDamage? damage = DecodeInto(codec, info, bitmap.GetPixels(), header, name);
                return damage?.Describe(header);
            }
            catch (ImageProcessingException ex) when (ex.Reason == ImageErrorReason.Damaged)
            {
                return ex.Detail;
            }
        }

        /// <summary>
        /// Decodes every frame after the first of an animated WebP (the first is the one sent and is decoded anyway),
        /// each on its own: the frame's ALPH and VP8/VP8L chunks, taken from its ANMF chunk into a still WebP of the
        /// frame's size. What is wrong with the first frame that fails, or null. A GIF's frames get the same proof from
        /// <see cref="ImageIntegrity.GifBlocks"/>. Bounded like any decode: the later frames together take at most the
        /// decode budget; <paramref name="firstUnchecked"/> is the first frame left unchecked past it (or for want of
        /// memory), 0 when every frame was checked.
        /// </summary>
        public static string? VerifyLaterWebPFrames(byte[] data, ImageBudget budget, out int firstUnchecked)
        {
            firstUnchecked = 0;
            int frame = 0;
            long decoded = 0;
            long end = Math.Min(data.Length, ContainerHeaders.U32LE(data, 4) + 8);
            for (long at = 12; at + 8 <= end;)
            {
                long size = ContainerHeaders.U32LE(data, (int)at + 4);
                if (at + 8 + size > end)
                {
                    return null; // the container walk reports it
                }
                if (data[at] == 'A' && data[at + 1] == 'N' && data[at + 2] == 'M' && data[at + 3] == 'F' && size >= 16 && ++frame > 1)
                {
                    int p = (int)at + 8;
                    long pixels = (1L + data[p + 6] + (data[p + 7] << 8) + (data[p + 8] << 16))
                        * (1L + data[p + 9] + (data[p + 10] << 8) + (data[p + 11] << 16));
                    decoded += pixels;
                    string? problem = decoded > budget.MaxDecodedPixels ? null : DecodeStill(data, p, (int)size);
                    if (decoded > budget.MaxDecodedPixels || problem == OutOfMemory)
                    {
                        firstUnchecked = frame;
                        return null;
                    }
                    if (problem is not null)
                    {
                        return $"animation frame {frame}'s {problem}";
                    }
                }
                at += 8 + size + (size & 1);
            }
            return null;
        }

        private const string OutOfMemory = "there is not enough memory to decode it";

        /// <summary>Decodes the frame held by the ANMF payload at <paramref name="p"/> as a still WebP: what is wrong, or null.</summary>
        private static string? DecodeStill(byte[] data, int p, int size)
        {
            int width = 1 + data[p + 6] + (data[p + 7] << 8) + (data[p + 8] << 16);
            int height = 1 + data[p + 9] + (data[p + 10] << 8) + (data[p + 11] << 16);
            var body = new System.IO.MemoryStream();
            body.Write(new[] { (byte)'W', (byte)'E', (byte)'B', (byte)'P' }, 0, 4);
            bool alpha = false;
            for (int at = p + 16; at + 8 <= p + size;)
            {
                int length = (int)Math.Min(int.MaxValue - 16, ContainerHeaders.U32LE(data, at + 4));
                int chunk = Math.Min(8 + length + (length & 1), p + size - at);
                alpha |= data[at] == 'A' && data[at + 1] == 'L' && data[at + 2] == 'P' && data[at + 3] == 'H';
                if (alpha && body.Length == 4)
                {
                    // ALPH needs a VP8X header that says so, with the canvas the frame's own size.
                    byte[] vp8x =
                    {
                        (byte)'V', (byte)'P', (byte)'8', (byte)'X', 10, 0, 0, 0, 0x10, 0, 0, 0,
                        (byte)(width - 1), (byte)((width - 1) >> 8), (byte)((width - 1) >> 16),
                        (byte)(height - 1), (byte)((height - 1) >> 8), (byte)((height - 1) >> 16),
                    };
                    body.Write(vp8x, 0, vp8x.Length);
                }
                body.Write(data, at, chunk);
                at += chunk;
            }
            string? problem = DecodeStill(Riff(body.ToArray()));
            return problem is not null && alpha && AlphaAtFault(data, p + 16, p + size) is not null ? AlphaProblem : problem;
        }

        /// <summary>A RIFF container around <paramref name="body"/> (its form type and chunks).</summary>
        private static byte[] Riff(byte[] body)
        {
            long riff = body.Length;
            byte[] still = new byte[8 + riff];
            still[0] = (byte)'R';
            still[1] = (byte)'I';
            still[2] = (byte)'F';
            still[3] = (byte)'F';
            still[4] = (byte)riff;
            still[5] = (byte)(riff >> 8);
            still[6] = (byte)(riff >> 16);
            still[7] = (byte)(riff >> 24);
            body.CopyTo(still, 8);
            return still;
        }

        /// <summary>
        /// When a lossy WebP image with transparency does not decode, whether its ALPH chunk is what is wrong: the chunks
        /// from <paramref name="from"/> to <paramref name="end"/> (a still file's, or an ANMF frame's) hold an ALPH chunk,
        /// and their VP8 chunk (the colour) decodes whole on its own. libwebp reports only that the image failed, and its
        /// alpha plane is decoded with the colour rows. What is wrong, or null when the colour data fails too.
        /// </summary>
        internal static string? AlphaAtFault(byte[] data, int from, long end) =>
            ColourOnly(data, from, end) is byte[] colour && DecodeStill(colour) is null ? DamagedAlpha : null;

        /// <summary>As above, for a still WebP file's own chunks.</summary>
        internal static string? AlphaAtFault(byte[] data) => AlphaAtFault(data, 12, RiffEnd(data));

        internal const string DamagedAlpha = "its " + AlphaProblem;

        /// <summary>As <see cref="DamagedAlpha"/>, after "animation frame 2's".</summary>
        private const string AlphaProblem =
            "ALPH chunk (the transparency) is corrupt: libwebp cannot decode it, though its VP8 chunk (the colour) decodes whole";

        private static long RiffEnd(byte[] data) => data.Length < 12 ? 0 : Math.Min(data.Length, ContainerHeaders.U32LE(data, 4) + 8);

        /// <summary>
        /// A still WebP of the VP8 chunk alone (the colour, without its transparency) when the chunks from
        /// <paramref name="from"/> to <paramref name="end"/> hold an ALPH chunk and a VP8 chunk; else null.
        /// </summary>
        internal static byte[]? ColourOnly(byte[] data, int from, long end)
        {
            bool alph = false;
            int vp8 = -1, vp8Length = 0;
            for (long at = from; at + 8 <= end;)
            {
                long length = ContainerHeaders.U32LE(data, (int)at + 4);
                if (at + 8 + length > end)
                {
                    return null;
                }
                ReadOnlySpan<byte> fourcc = data.AsSpan((int)at, 4);
                alph |= fourcc.SequenceEqual("ALPH"u8);
                if (fourcc.SequenceEqual("VP8 "u8))
                {
                    (vp8, vp8Length) = ((int)at, (int)Math.Min(8 + length + (length & 1), end - at));
                }
                at += 8 + length + (length & 1);
            }
            if (!alph || vp8 < 0)
            {
                return null;
            }
            byte[] body = new byte[4 + vp8Length];
            "WEBP"u8.CopyTo(body);
            data.AsSpan(vp8, vp8Length).CopyTo(body.AsSpan(4));
            return Riff(body);
        }

        /// <summary>The colour of a still lossy WebP whose ALPH chunk does not decode (<see cref="AlphaAtFault(byte[])"/>), as a still WebP of its own.</summary>
        internal static byte[]? ColourOnly(byte[] data) => ColourOnly(data, 12, RiffEnd(data));

        /// <summary>Decodes a still WebP whole: what is wrong, or null.</summary>
        private static string? DecodeStill(byte[] still)
        {
            using SKCodec? codec = SKCodec.Create(new SKMemoryStream(still), out SKCodecResult opened);
            if (codec is null)
            {
                return $"{DecodeDamage.StreamName(ImageFormat.WebP)} is corrupt: libwebp cannot decode it ({opened})";
            }
            var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
            using var bitmap = new SKBitmap();
            if (!bitmap.TryAllocPixels(info))
            {
                return OutOfMemory;
            }
            SKCodecResult result = codec.GetPixels(info, bitmap.GetPixels());
            return result switch
            {
                SKCodecResult.Success => null,
                SKCodecResult.IncompleteInput => $"{DecodeDamage.StreamName(ImageFormat.WebP)} ends before all of its pixels",
                _ => $"{DecodeDamage.StreamName(ImageFormat.WebP)} is corrupt: libwebp cannot decode it",
            };
        }

        private static DecodeDamage? DecodeInto(SKCodec codec, SKImageInfo info, IntPtr pixels, ImageHeader header, string name)
        {
            var codecOptions = new SKCodecOptions(0);
            SKCodecResult result = codec.StartIncrementalDecode(info, pixels, info.RowBytes, codecOptions);
            if (result == SKCodecResult.Success)
            {
                result = codec.IncrementalDecode(out int rows);
                return result == SKCodecResult.Success ? null : Partial(result, rows, codec, pixels, info, header, name);
            }
            if (result == SKCodecResult.Unimplemented || result == SKCodecResult.InvalidParameters)
            {
                result = codec.GetPixels(info, pixels, info.RowBytes, codecOptions);
                // GetPixels fills what it could not decode; the row count is unknown.
                return result == SKCodecResult.Success ? null : Partial(result, -1, codec, pixels, info, header, name);
            }
            throw Failure(result, header.Format, name);
        }

        private static DecodeDamage Partial(SKCodecResult result, int rows, SKCodec codec, IntPtr pixels, SKImageInfo info,
            ImageHeader header, string name)
        {
            if (result != SKCodecResult.IncompleteInput && result != SKCodecResult.ErrorInInput)
            {
                throw Failure(result, header.Format, name);
            }
            var damage = new DecodeDamage(result == SKCodecResult.IncompleteInput, rows, info.Height);
            if (rows == 0)
            {
                throw ImageProcessingException.DamagedBeyondUse(name, header.Format, damage.Describe(header));
            }
            if (rows > 0 && rows < info.Height)
            {
                // Incremental decoding leaves rows it did not reach untouched: clear them rather than send garbage.
                int start = codec.ScanlineOrder == SKCodecScanlineOrder.BottomUp ? 0 : rows;
                int count = info.Height - rows;
                unsafe
                {
                    byte* p = (byte*)pixels + ((long)start * info.RowBytes);
                    new Span<byte>(p, checked(count * info.RowBytes)).Clear();
                }
            }
            return damage;
        }

        internal static ImageProcessingException Failure(SKCodecResult result, ImageFormat format, string name) => result switch
        {
            SKCodecResult.IncompleteInput => ImageProcessingException.DamagedBeyondUse(name, format, "the file ends before its first row of pixels"),
            SKCodecResult.ErrorInInput => ImageProcessingException.DamagedBeyondUse(name, format, "its pixel data is corrupt from the first row"),
            // libwebp's verdict on a bitstream it cannot decode (a damaged VP8L header, a corrupt VP8 partition).
            SKCodecResult.InvalidInput when format == ImageFormat.WebP => ImageProcessingException.DamagedBeyondUse(name, format,
                $"its {DecodeDamage.StreamName(format)} is corrupt: libwebp cannot decode it"),
            SKCodecResult.InvalidConversion => ImageProcessingException.Unsupported(name, format,
                "this variant of the format cannot be converted to 8-bit sRGB here; re-save it as PNG or JPEG"),
            _ => ImageProcessingException.DecodeFailed(name, format, $"the decoder reported {result}"),
        };
    }

    /// <summary>How much of a damaged image decoded: <see cref="Rows"/> of <see cref="Height"/> (-1: unknown), at the decode scale.</summary>
    internal sealed class DecodeDamage
    {
        public DecodeDamage(bool endsEarly, int rows, int height)
        {
            EndsEarly = endsEarly;
            Rows = rows;
            Height = height;
        }

        /// <summary>The data ran out (truncated) rather than being corrupt.</summary>
        public bool EndsEarly { get; }

        public int Rows { get; }

        public int Height { get; }

        /// <summary>The rows decoded, counted in the source's rows (-1: unknown).</summary>
        public int SourceRows(ImageHeader header) =>
            Rows < 0 ? -1 : Rows >= Height ? header.Height : (int)((long)Rows * header.Height / Math.Max(1, Height));

        /// <summary>What is wrong, in the source's rows: "the file ends after row 196 of 1600".</summary>
        public string Describe(ImageHeader header)
        {
            int rows = SourceRows(header);
            string where = rows < 0 ? string.Empty
                : rows >= header.Height ? $" after all {header.Height} rows"
                : $" after row {rows} of {header.Height}";
            if (EndsEarly && header.Format == ImageFormat.WebP)
            {
                // Its RIFF and chunk sizes were checked first and agree with the file: the bitstream itself runs out.
                return $"its {StreamName(header.Format)} runs out of data before all of its pixels{where} (it was cut short or is corrupt)";
            }
            return EndsEarly
                ? (rows < 0 ? "the file ends before all of its pixels" : "the file ends" + where)
                : $"its {StreamName(header.Format)} is corrupt" + where;
        }

        /// <summary>What a warning says is missing when the decodable part is sent anyway.</summary>
        public string Missing(ImageHeader header)
        {
            int rows = SourceRows(header);
            if (rows < 0)
            {
                return "How much is missing is not known; what did not decode is sent blank.";
            }
            if (rows >= header.Height)
            {
                return $"All {header.Height} rows decoded, so the image is sent whole.";
            }
            int missing = header.Height - rows;
            // The rows are counted as stored: a picture turned by its EXIF orientation names the part of it as shown.
            string there = ExifOrientation.ShownPart(header.Orientation, rows, header.Height, "its EXIF orientation")
                ?? $"Only {rows} of {header.Height} rows";
            return $"{there} decoded; the other {missing} ({missing * 100.0 / header.Height:0.#}% of the image) are sent blank.";
        }

        internal static string StreamName(ImageFormat format) => format switch
        {
            ImageFormat.Png => "deflate stream",
            ImageFormat.Gif => "LZW stream",
            ImageFormat.Jpeg => "entropy-coded scan",
            ImageFormat.WebP => "VP8/VP8L bitstream",
            _ => "pixel data",
        };
    }
}
