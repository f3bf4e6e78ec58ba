using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using ImageMagick;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>The only code that names ImageMagick types; reached through <see cref="MagickCodec"/>.</summary>
    internal static class MagickBackend
    {
        private static readonly object s_initLock = new();
        private static bool s_initialised;
        private static readonly SKColorSpace s_srgbLinear = SKColorSpace.CreateSrgbLinear();

        private static void Initialise()
        {
            lock (s_initLock)
            {
                if (s_initialised)
                {
                    return;
                }
                // Process-wide ceilings; every call also checks the pinged size against its own budget first.
                ResourceLimits.Width = 65000;
                ResourceLimits.Height = 65000;
                ResourceLimits.ListLength = 64;
                ResourceLimits.Area = (ulong)ImageBudget.DefaultMaxDecodedPixels * 4;
                s_initialised = true;
            }
        }

        public static ImageHeader Probe(byte[] data, string name, ImageFormat format)
        {
            Initialise();
            MagickReadSettings settings = ReadSettings(format);
            data = Prepared(data, format);
            using var image = new MagickImage();
            image.Ping(data, settings);
            return ToHeader(image, format);
        }

        public static byte[] Jpeg2000ToPng(byte[] data, string name, ImageBudget budget)
        {
            Initialise();
            var settings = new MagickReadSettings { FrameIndex = 0, FrameCount = 1 };
            using (var ping = new MagickImage())
            {
                ping.Ping(data, settings);
                ImageProbe.CheckDeclared(new ImageHeader(ImageFormat.Unknown, (int)ping.Width, (int)ping.Height, 1), budget, name);
                long pixels = (long)ping.Width * ping.Height;
                if (pixels > budget.MaxDecodedPixels)
                {
                    throw ImageProcessingException.TooLarge(name, ImageFormat.Unknown,
                        $"decoding it takes {pixels / 1e6:0.#} megapixels, more than the {budget.MaxDecodedPixels / 1e6:0.#}-megapixel decode budget");
                }
                if (pixels > MagickCodec.MaxJpeg2000Pixels)
                {
                    // OpenJPEG decodes with no time limit and several bytes a pixel per component: a blank 8000 x 8000
                    // page (90 bytes) took 33 s and 1.1 GB. Refused from its header, before any of that.
                    throw ImageProcessingException.TooLarge(name, ImageFormat.Unknown,
                        $"it is {ping.Width} x {ping.Height} ({pixels / 1e6:0.#} megapixels), and JPEG 2000 pages are decoded up to " +
                        $"{MagickCodec.MaxJpeg2000Pixels / 1_000_000} megapixels (an A4 or Letter page scanned at 600 dpi), as their decoder takes " +
                        "tens of seconds and gigabytes past that");
                }
            }
            using var image = new MagickImage(data, settings);
            if (image.ColorSpace is not (ColorSpace.sRGB or ColorSpace.RGB or ColorSpace.Gray or ColorSpace.LinearGray))
            {
                image.TransformColorSpace(ColorProfiles.SRGB); // a CMYK or YCC scan: PNG holds RGB or grey only
            }
            image.Depth = 8;
            return image.ToByteArray(MagickFormat.Png);
        }

        public static MagickDecoded Decode(byte[] data, string name, ImageFormat format, ImageBudget budget, List<string> warnings,
            int partialRows = -1)
        {
            Initialise();
            MagickReadSettings settings = ReadSettings(format);
            data = Prepared(data, format);
            // A BMP cut short of its rows (ImageMagick refuses it as a bad header): a copy that declares only the rows
            // there is read, and the picture's other rows are left blank, at the end the file does not reach.
            byte[]? bmpRows = partialRows > 0 && format == ImageFormat.Bmp ? ImageIntegrity.BmpWithRows(data, partialRows) : null;
            int bmpHeight = bmpRows is null ? 0 : ImageIntegrity.BmpRowsInFile(data, out int declared, out _, out _) is > 0 ? declared : 0;
            Gravity bmpEnd = bmpRows is not null && BitConverter.ToInt32(data, 22) > 0 ? Gravity.South : Gravity.North;
            data = bmpRows ?? data;
            ImageHeader header;
            using (var ping = new MagickImage())
            {
                ping.Ping(data, settings);
                header = ToHeader(ping, format, bmpHeight);
            }
            ImageProbe.CheckDeclared(header, budget, name);
            long pixels = (long)header.Width * header.Height;
            if (pixels > budget.MaxDecodedPixels)
            {
                throw ImageProcessingException.TooLarge(name, format,
                    $"decoding it takes {pixels / 1e6:0.#} megapixels, more than the {budget.MaxDecodedPixels / 1e6:0.#}-megapixel decode budget");
            }

            byte[]? rowsOnly = partialRows > 0 && partialRows < header.Height && format == ImageFormat.Tiff
                ? ImageIntegrity.TiffWithRows(data, partialRows) : null;
            using MagickImage image = ReadLayered(rowsOnly ?? data, name, format, settings, header, budget, warnings);
            if ((rowsOnly ?? bmpRows) is not null && image.Height < (uint)header.Height)
            {
                // The rows that did not decode are blank, as Skia leaves those of a cut PNG or BMP.
                image.BackgroundColor = image.HasAlpha ? MagickColors.Transparent : MagickColors.Black;
                image.Extent(image.Width, (uint)header.Height, bmpRows is null ? Gravity.North : bmpEnd);
            }
            int orientation = ExifOrientationOf(image);
            if (orientation != 1)
            {
                image.AutoOrient();
            }
            // An embedded RGB profile is converted by Skia's skcms, as for PNG and JPEG; only what skcms cannot read
            // (CMYK, LUT-based or grey profiles) goes through ImageMagick's lcms. (lcms reads libjxl's own v4 sRGB
            // profile about 38 dB away from identity, so a lossless sRGB JPEG XL would come out altered.)
            IColorProfile? profile = image.GetColorProfile();
            SKColorSpace? source = null;
            if (format == ImageFormat.JpegXL && profile?.ColorSpace == ColorSpace.CMYK)
            {
                // CMYK JPEG XL keeps black as an extra channel that Magick.NET hands over as alpha: the colours would be wrong.
                throw ImageProcessingException.Unsupported(name, format,
                    "this is a CMYK JPEG XL (black stored as an extra channel), which cannot be converted to sRGB here; " +
                    "convert it with djxl to PNG or JPEG first");
            }
            if (format == ImageFormat.JpegXL && image.ColorSpace is ColorSpace.Gray or ColorSpace.LinearGray && profile is not null)
            {
                // A grey image with its own ICC profile: lossless, the samples are in the profile's space; XYB-coded,
                // libjxl hands them over as linear light still labelled with the profile (Magick says Gray either way).
                bool? linear = JxlHeader.IsXybWithIcc(data);
                if (linear is null)
                {
                    throw ImageProcessingException.Unsupported(name, format,
                        "this greyscale JPEG XL carries its own colour profile in a header form VisionPS cannot read, so its " +
                        "colours cannot be converted to sRGB reliably; convert it with djxl to PNG first");
                }
                if (linear == true)
                {
                    image.RemoveProfile("icc");
                    source = s_srgbLinear;
                }
                else
                {
                    image.TransformColorSpace(ColorProfiles.SRGB);
                }
            }
            else if (format == ImageFormat.JpegXL && image.ColorSpace == ColorSpace.RGB)
            {
                // libjxl without a colour engine hands an XYB-coded image over as linear sRGB; the profile it carries
                // is the original's, not the pixels'.
                source = s_srgbLinear;
            }
            else if (profile is not null)
            {
                source = image.ColorSpace is ColorSpace.sRGB or ColorSpace.RGB
                    ? IccSpace(profile, ignoreCicpTag: format == ImageFormat.JpegXL) : null;
                if (source is null)
                {
                    image.TransformColorSpace(ColorProfiles.SRGB);
                }
                else if (PreparePolicy.IsSrgbCurveAndPrimaries(source))
                {
                    // Only sRGB itself is left alone: a 2.2 power curve (libjxl's profile for a JPEG XL coded with
                    // gamma 2.2) is converted, as djxl and colour-managed viewers show it.
                    source = null;
                }
            }
            else
            {
                if (image.ColorSpace != ColorSpace.sRGB && image.ColorSpace != ColorSpace.RGB)
                {
                    image.ColorSpace = ColorSpace.sRGB;
                }
                // libheif applies an 'nclx' property's matrix and range only: wide primaries (Display P3, BT.2020) or an
                // HDR curve (PQ, HLG) are still in the samples, and a viewer converts them.
                source = format is ImageFormat.Heif or ImageFormat.Avif ? NclxSpace(data) : null;
            }
            bool alpha = image.HasAlpha;
            int width = (int)image.Width, height = (int)image.Height;
            byte[]? rgba;
            using (IUnsafePixelCollection<byte> pixelCollection = image.GetPixelsUnsafe())
            {
                rgba = pixelCollection.ToByteArray(0, 0, (uint)width, (uint)height, "RGBA");
            }
            if (rgba is null || rgba.Length < (long)width * height * 4)
            {
                throw ImageProcessingException.DecodeFailed(name, format, "ImageMagick returned no pixels");
            }
            if (alpha && format is ImageFormat.Heif or ImageFormat.Avif && HeifBoxes.PrimaryAlphaPremultiplied(data))
            {
                // Premultiplied alpha ('prem'): libheif hands the colours over still multiplied, which would darken
                // every translucent edge; viewers (libavif, Safari) divide it out.
                PixelAlpha.Unpremultiply(rgba, (long)width * height);
            }
            // An alpha plane every pixel leaves opaque (common in HEIC/AVIF/TIFF) does not make the image transparent;
            // nor does a BMP alpha mask whose every value is 0 (writers that never fill it), as browsers show them.
            alpha = alpha && PixelAlpha.AnyTranslucent(rgba, (long)width * height)
                && !(format == ImageFormat.Bmp && AllAlphaZero(rgba));
            if (!alpha)
            {
                for (int i = 3; i < rgba.Length; i += 4)
                {
                    rgba[i] = 255;
                }
            }
            var info = new SKImageInfo(width, height, SKColorType.Rgba8888, alpha ? SKAlphaType.Unpremul : SKAlphaType.Opaque,
                SKColorSpace.CreateSrgb());
            var bitmap = new SKBitmap();
            try
            {
                if (!bitmap.TryAllocPixels(info))
                {
                    throw ImageProcessingException.TooLarge(name, format, $"there is not enough memory for a {width}x{height} decode");
                }
                IntPtr dst = bitmap.GetPixels();
                int rowBytes = bitmap.RowBytes;
                if (source is null)
                {
                    for (int y = 0; y < height; y++)
                    {
                        Marshal.Copy(rgba, y * width * 4, dst + (y * rowBytes), width * 4);
                    }
                }
                else
                {
                    GCHandle pin = GCHandle.Alloc(rgba, GCHandleType.Pinned);
                    try
                    {
                        using var pixmap = new SKPixmap(info.WithColorSpace(source), pin.AddrOfPinnedObject(), width * 4);
                        if (!pixmap.ReadPixels(info, dst, rowBytes))
                        {
                            throw ImageProcessingException.DecodeFailed(name, format, "its colour profile could not be converted to sRGB");
                        }
                    }
                    finally
                    {
                        pin.Free();
                    }
                }
                return new MagickDecoded(header, bitmap, alpha, orientation);
            }
            catch
            {
                bitmap.Dispose();
                throw;
            }
        }

        /// <summary>How many grid tiles this thread has read alone (for tests: only the tiles asked for are read).</summary>
        [ThreadStatic]
        internal static int TilesReadAlone;

        /// <summary>
        /// The tiles of a grid that do not decode when each is made the primary image on its own (0-based); none when a
        /// tile cannot be made primary in place. Each tile of <paramref name="which"/> is read as a small image of its own.
        /// </summary>
        public static List<int> UndecodableTiles(byte[] data, ImageFormat format, HeifBoxes.Grid grid, IEnumerable<int> which)
        {
            Initialise();
            MagickReadSettings settings = ReadSettings(format);
            var failed = new List<int>();
            // One copy of the file serves every tile: only its 'pitm' and the tile's hidden flag change, and the flag is
            // put back after each read (a copy a tile was the cost of checking a grid: 64 tiles of a 3 MB photo, 192 MB).
            byte[] alone = (byte[])data.Clone();
            foreach (int i in which.Where(t => t >= 0 && t < grid.Tiles.Length).Distinct().OrderBy(t => t))
            {
                TilesReadAlone++;
                if (!HeifBoxes.SetPrimaryItem(alone, grid.Tiles[i], out int flagsAt))
                {
                    return new List<int>();
                }
                try
                {
                    using var tile = new MagickImage(Prepared(alone, format), settings);
                }
                catch (MagickException)
                {
                    failed.Add(i);
                }
                finally
                {
                    alone[flagsAt] = data[flagsAt];
                }
            }
            return failed;
        }

        /// <summary>
        /// Decodes a JPEG at 1/8 scale (every scan's entropy-coded data is still read, up to EOI) and returns the raw
        /// text of the first warning libjpeg-turbo gave (corrupt data it decoded past), or null. Warnings ImageMagick
        /// raises for other reasons (a profile it cannot parse) are not libjpeg's verdict on the data and are ignored.
        /// </summary>
        public static string? JpegDecodeWarning(byte[] data, int width, int height)
        {
            // libjpeg's DCT scaling: ImageMagick asks for the largest 1/N not smaller than this size, here 1/8.
            using MagickImage image = ReadJpegAtScale(data, Math.Max(1, width / 8), Math.Max(1, height / 8), out string? warning);
            return warning;
        }

        /// <summary>
        /// A JPEG read by libjpeg-turbo at the DCT scale for <paramref name="width"/> x <paramref name="height"/>, with
        /// the raw text of the first of its warnings that says the data is corrupt (libjpeg's other warnings, an unknown
        /// JFIF revision or an unusual but readable SOS, say nothing about the pixels).
        /// </summary>
        private static MagickImage ReadJpegAtScale(byte[] data, int width, int height, out string? warning)
        {
            Initialise();
            var settings = new MagickReadSettings { Format = MagickFormat.Jpeg, FrameIndex = 0, FrameCount = 1 };
            settings.SetDefine(MagickFormat.Jpeg, "size", $"{width}x{height}");
            string? found = null;
            var image = new MagickImage();
            try
            {
                image.Warning += (_, e) => found ??= FirstCorruption(e.Exception, data);
                image.Read(data, settings);
            }
            catch
            {
                image.Dispose();
                throw;
            }
            warning = found;
            return image;
        }

        /// <summary>
        /// Decodes a JPEG with libjpeg-turbo at the DCT scale that gives exactly <paramref name="width"/> x
        /// <paramref name="height"/> (one of its k/8 sizes) into <paramref name="destination"/> as opaque RGBA, its
        /// samples unconverted (no colour profile applied, no orientation); <paramref name="warning"/> is the raw text of
        /// its first corrupt-data warning. False, with nothing written, when ImageMagick read a colour space other than
        /// RGB or grey, another size, or kept its pixels out of memory.
        /// </summary>
        public static unsafe bool JpegDecodeInto(byte[] data, int width, int height, IntPtr destination, int rowBytes, out string? warning)
        {
            using MagickImage image = ReadJpegAtScale(data, width, height, out warning);
            if (image.Width != (uint)width || image.Height != (uint)height)
            {
                return false;
            }
            // The pixel cache itself (Q8: one byte per channel, pixels and rows packed), not an exported copy of it.
            // RGB is red, green, blue; grey is its grey channel, alone or with the index of its 256-grey colour map.
            int channels = (int)image.ChannelCount;
            using IUnsafePixelCollection<byte> pixels = image.GetPixelsUnsafe();
            bool rgb = image.ColorSpace is ColorSpace.sRGB or ColorSpace.RGB && channels == 3
                && pixels.GetChannelIndex(PixelChannel.Red) == 0 && pixels.GetChannelIndex(PixelChannel.Green) == 1
                && pixels.GetChannelIndex(PixelChannel.Blue) == 2;
            int gray = image.ColorSpace == ColorSpace.Gray && channels <= 2 ? (pixels.GetChannelIndex(PixelChannel.Gray) is uint g ? (int)g : -1) : -1;
            byte* cache = rgb || gray >= 0 ? (byte*)pixels.GetAreaPointer(0, 0, (uint)width, (uint)height) : null;
            if (cache is null)
            {
                return false;
            }
            for (int y = 0; y < height; y++)
            {
                byte* src = cache + ((long)y * width * channels);
                byte* dst = (byte*)destination + ((long)y * rowBytes);
                if (rgb)
                {
                    PixelRows.RgbToRgba(src, dst, width);
                }
                else
                {
                    PixelRows.GrayToRgba(src + gray, channels, dst, width);
                }
            }
            return true;
        }

        /// <summary>
        /// The first of libjpeg's warnings in <paramref name="exception"/> and its related ones that reports corrupt
        /// data, or null: ImageMagick gathers a read's warnings into one exception, and a harmless one (an unknown JFIF
        /// revision) can come first.
        /// </summary>
        private static string? FirstCorruption(MagickException exception, byte[] data)
        {
            if (IsLibjpegCorruption(exception.Message) && !IsAboutHeaderMetadata(exception.Message, data))
            {
                return exception.Message;
            }
            foreach (MagickException related in exception.RelatedExceptions)
            {
                if (IsLibjpegCorruption(related.Message) && !IsAboutHeaderMetadata(related.Message, data))
                {
                    return related.Message;
                }
            }
            return null;
        }

        /// <summary>
        /// "N extraneous bytes before marker 0xE0" where that APPn/COM marker is only in the header: ImageMagick's own
        /// APP13 (Photoshop) reader can stop short of a segment's end, and libjpeg then skips the rest as extraneous;
        /// the file's segments are whole and no scan is touched (djpeg and Pillow read such files without a word).
        /// </summary>
        private static bool IsAboutHeaderMetadata(string message, byte[] data)
        {
            System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(message, "extraneous bytes before marker 0x([0-9a-fA-F]{2})");
            return m.Success && JpegSegments.IsHeaderOnlyMetadataMarker(data,
                byte.Parse(m.Groups[1].Value, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));
        }

        private static bool IsLibjpegCorruption(string message) =>
            message.IndexOf("JPEGWarningHandler", StringComparison.Ordinal) >= 0 && JpegScanCheck.IsCorruption(message);

        private static bool AllAlphaZero(byte[] rgba)
        {
            for (int i = 3; i < rgba.Length; i += 4)
            {
                if (rgba[i] != 0)
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>
        /// The first frame only, and for HEIF/AVIF the coder named outright: ImageMagick's own magic-byte test knows only
        /// a few brands, and a HEIF it does not recognise (major brand mif2, a JPEG 2000, VVC or AVC coded one) would
        /// otherwise end as "no decode delegate" before libheif, which reads those brands, ever sees it.
        /// </summary>
        private static MagickReadSettings ReadSettings(ImageFormat format)
        {
            var settings = new MagickReadSettings { FrameIndex = 0, FrameCount = 1 };
            if (format == ImageFormat.Heif)
            {
                settings.Format = MagickFormat.Heic;
            }
            else if (format == ImageFormat.Avif)
            {
                settings.Format = MagickFormat.Avif;
            }
            return settings;
        }

        private static readonly System.Text.RegularExpressions.Regex s_layerTooLarge = new(
            @"Security limit exceeded: Image size (\d{1,5})x(\d{1,5}) exceeds the maximum image size", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>
        /// Reads the image. A layered AV1 image whose operating point selects a smaller layer (av1-avif's
        /// quebec_3layer_op2.avif: 360x182 declared, 1436x730 coded) is refused by libheif, which decodes the largest
        /// layer and bounds it by the declared size; it is read again with the coded size declared and scaled back
        /// to the declared size, with a warning.
        /// </summary>
        private static MagickImage ReadLayered(byte[] data, string name, ImageFormat format, MagickReadSettings settings, ImageHeader header,
            ImageBudget budget, List<string> warnings)
        {
            try
            {
                return new MagickImage(data, settings);
            }
            catch (MagickException ex) when (format == ImageFormat.Avif && s_layerTooLarge.Match(ex.Message) is { Success: true } m)
            {
                int codedWidth = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                int codedHeight = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
                byte[]? widened = (long)codedWidth * codedHeight <= budget.MaxDecodedPixels
                    ? HeifBoxes.WithLargestLayerDeclared(data, header.Width, header.Height, codedWidth, codedHeight)
                    : null;
                if (widened is null)
                {
                    throw;
                }
                var image = new MagickImage(widened, settings);
                try
                {
                    image.FilterType = FilterType.Lanczos;
                    image.Resize(new MagickGeometry((uint)header.Width, (uint)header.Height) { IgnoreAspectRatio = true });
                }
                catch
                {
                    image.Dispose();
                    throw;
                }
                warnings.Add($"'{name}' is a layered AVIF whose selected layer ({header.Width}x{header.Height}) the decoder here " +
                    $"cannot pick; its largest layer ({codedWidth}x{codedHeight}) was decoded and scaled to {header.Width}x{header.Height}.");
                return image;
            }
        }

        /// <summary>The version of the libheif ImageMagick's HEIC coder was built with (for messages).</summary>
        public static string? HeifVersion() => MagickFormatInfo.Create(MagickFormat.Heic)?.Version;

        /// <summary>
        /// The bytes ImageMagick gets: a HEIF/AVIF with its primary image put first (<see cref="HeifBoxes.ForMagick"/>); a
        /// TIFF that starts with its picture's directory when a reduced-size preview comes first
        /// (<see cref="ImageIntegrity.TiffFromPicture"/>; ImageMagick pinging a later frame of a TIFF fails), with
        /// uncompressed strips' overstated byte counts lowered (<see cref="ImageIntegrity.TiffWithStripCountsRead"/>).
        /// </summary>
        private static byte[] Prepared(byte[] data, ImageFormat format)
        {
            if (format is ImageFormat.Heif or ImageFormat.Avif)
            {
                return HeifBoxes.ForMagick(data);
            }
            if (format == ImageFormat.Tiff)
            {
                data = ImageIntegrity.TiffFromPicture(data) ?? data;
                return ImageIntegrity.TiffWithStripCountsRead(data) ?? data;
            }
            return data;
        }

        /// <summary>
        /// The profile as Skia reads it, or null when skcms cannot use it for an RGB conversion, or when its A2B0 is a
        /// lut8/lut16 table into XYZ (<see cref="ContainerHeaders.IccHasXyzLutA2B0"/>): Skia would convert by the matrix
        /// and curve tags beside the table, which the ICC specification (and lcms) pass over for the table.
        /// </summary>
        private static SKColorSpace? IccSpace(IColorProfile profile, bool ignoreCicpTag)
        {
            byte[]? bytes = profile.ToByteArray();
            if (bytes is not { Length: > 132 } || ContainerHeaders.IccHasXyzLutA2B0(bytes))
            {
                return null;
            }
            if (ignoreCicpTag)
            {
                // libjxl writes a 'cicp' tag beside exact curves. skcms prefers the tag and reads transfer 1 (BT.709)
                // as a 2.4 display gamma; libjxl and djxl (lcms) use the curves, the BT.709 inverse OETF. Renaming the
                // tag leaves the curves in charge (26.4 -> 50 dB against djxl on the conformance set's bike.jxl).
                long count = Math.Min(ContainerHeaders.U32(bytes, 128), (bytes.Length - 132) / 12);
                for (int i = 0; i < count; i++)
                {
                    int at = 132 + (12 * i);
                    if (bytes[at] == (byte)'c' && bytes[at + 1] == (byte)'i' && bytes[at + 2] == (byte)'c' && bytes[at + 3] == (byte)'p')
                    {
                        bytes[at] = (byte)'x';
                    }
                }
            }
            return SkiaDecoder.IccColorSpace(bytes);
        }

        /// <summary>
        /// The colour space the primary item's 'nclx' property names, or null when it is sRGB in effect or Skia cannot
        /// express it. Unspecified primaries are BT.709's; an unspecified curve, or one of the BT.709 family (BT.709,
        /// BT.601, BT.2020 10/12-bit), is shown with the sRGB curve, as Chromium shows them.
        /// </summary>
        private static SKColorSpace? NclxSpace(byte[] data)
        {
            if (HeifBoxes.PrimaryNclx(data) is not (int primaries, int transfer))
            {
                return null;
            }
            primaries = primaries == 2 ? 1 : primaries;
            transfer = transfer is 1 or 2 or 6 or 14 or 15 ? 13 : transfer;
            if (primaries == 1 && transfer == 13)
            {
                return null;
            }
            SKColorSpace? space = SKColorSpace.CreateCicp((SKColorspacePrimariesCicp)primaries, (SKColorspaceTransferFnCicp)transfer);
            return space is null || space.IsSrgb ? null : space;
        }

        /// <summary>The EXIF orientation 1..8 Magick.NET read (its enum follows the EXIF numbering; undefined is upright).</summary>
        private static int ExifOrientationOf(IMagickImage<byte> image) => image.Orientation switch
        {
            ImageMagick.Orientation.TopRight => 2,
            ImageMagick.Orientation.BottomRight => 3,
            ImageMagick.Orientation.BottomLeft => 4,
            ImageMagick.Orientation.LeftTop => 5,
            ImageMagick.Orientation.RightTop => 6,
            ImageMagick.Orientation.RightBottom => 7,
            ImageMagick.Orientation.LeftBottom => 8,
            _ => 1,
        };

        /// <summary>The header of a pinged image; <paramref name="height"/>, when above 0, the height it is decoded to.</summary>
        private static ImageHeader ToHeader(IMagickImage<byte> image, ImageFormat format, int height = 0)
        {
            int orientation = ExifOrientationOf(image);
            return new ImageHeader(format, (int)Math.Min(image.Width, int.MaxValue),
                height > 0 ? height : (int)Math.Min(image.Height, int.MaxValue), orientation)
            {
                HasAlpha = image.HasAlpha,
                BitDepth = (int)image.Depth,
                HasIccProfile = image.GetColorProfile() is not null,
                ColorType = image.ColorSpace switch
                {
                    ColorSpace.CMYK => ImageColorType.Cmyk,
                    ColorSpace.Gray or ColorSpace.LinearGray => image.HasAlpha ? ImageColorType.GrayAlpha : ImageColorType.Gray,
                    ColorSpace.YCbCr => ImageColorType.YCbCr,
                    _ => image.ColorType is ImageMagick.ColorType.Palette or ImageMagick.ColorType.PaletteAlpha
                        ? ImageColorType.Palette
                        : image.HasAlpha ? ImageColorType.Rgba : ImageColorType.Rgb,
                },
            };
        }
    }
}
