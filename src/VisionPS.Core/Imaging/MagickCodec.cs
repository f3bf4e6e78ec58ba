using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// The formats Skia lacks (TIFF, HEIC/HEIF, AVIF, JPEG XL), through Magick.NET, and libjpeg-turbo's verdict on a
    /// JPEG that is about to pass through (<see cref="JpegScanCheck"/>). Everything that touches ImageMagick types lives
    /// in <see cref="MagickBackend"/>, so the Magick.NET assembly and its native library load only when such a file is
    /// actually seen: a batch of PNGs, WebPs and JPEGs that are all re-encoded never pays for them.
    /// </summary>
    internal static class MagickCodec
    {
        public static bool Handles(ImageFormat format) =>
            format is ImageFormat.Tiff or ImageFormat.Heif or ImageFormat.Avif or ImageFormat.JpegXL;

        /// <summary>Whether Magick.NET has been loaded in this process (for tests of the lazy load).</summary>
        public static bool IsLoaded { get; private set; }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static ImageHeader Probe(byte[] data, string name, ImageFormat format)
        {
            IsLoaded = true;
            return Guard(() => MagickBackend.Probe(data, name, format), name, format, data);
        }

        /// <summary>
        /// Decodes the image upright into 8-bit sRGB. <paramref name="partialRows"/>, for a TIFF cut inside its strips:
        /// only its first rows (the strips that are there) are decoded and the rest left blank; -1 for the whole image.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static MagickDecoded Decode(byte[] data, string name, ImageFormat format, ImageBudget budget, List<string> warnings,
            int partialRows = -1)
        {
            IsLoaded = true;
            return Guard(() => MagickBackend.Decode(data, name, format, budget, warnings, partialRows), name, format, data);
        }

        /// <summary>
        /// The tiles of a HEIF/AVIF grid that do not decode on their own (0-based): libheif fills a grid tile it cannot
        /// decode with a flat colour and reports nothing, but refuses the same tile read alone. Only the tiles in
        /// <paramref name="which"/> are read.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        internal static List<int> UndecodableTiles(byte[] data, ImageFormat format, HeifBoxes.Grid grid, IEnumerable<int> which)
        {
            IsLoaded = true;
            return MagickBackend.UndecodableTiles(data, format, grid, which);
        }

        /// <summary>
        /// The raw text of libjpeg-turbo's first corrupt-data warning in a whole 1/8-scale decode of a JPEG, or null.
        /// Magick.NET's own exceptions (a fatal libjpeg error, a load failure) reach the caller untranslated.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static string? JpegDecodeWarning(byte[] data, int width, int height)
        {
            IsLoaded = true;
            return MagickBackend.JpegDecodeWarning(data, width, height);
        }

        /// <summary>
        /// Decodes a JPEG with libjpeg-turbo at one of its DCT scales into opaque RGBA, unconverted, with the raw text of
        /// its first corrupt-data warning; false when ImageMagick read another colour space or size. Magick.NET's own
        /// exceptions reach the caller untranslated.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static bool JpegDecodeInto(byte[] data, int width, int height, IntPtr destination, int rowBytes, out string? warning)
        {
            IsLoaded = true;
            return MagickBackend.JpegDecodeInto(data, width, height, destination, rowBytes, out warning);
        }

        /// <summary>
        /// A JPEG 2000 image (a PDF page's JPXDecode stream: a JP2 file or a bare codestream) as a lossless PNG of its
        /// samples, at 8 bits, keeping an embedded colour profile; within <paramref name="budget"/>'s pixel limits (the
        /// size is read from its header first). Failures are <see cref="ImageProcessingException"/>s naming
        /// <paramref name="name"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static byte[] Jpeg2000ToPng(byte[] data, string name, ImageBudget budget)
        {
            IsLoaded = true;
            try
            {
                return Guard(() => MagickBackend.Jpeg2000ToPng(data, name, budget), name, ImageFormat.Unknown, data);
            }
            catch (ImageProcessingException ex)
            {
                // Plain words naming JPEG 2000 and a page's way out; ImageMagick's own text stays for -Debug (MagickMessage).
                string what = ex.Reason switch
                {
                    ImageErrorReason.TooLarge => ex.Detail,
                    ImageErrorReason.UnsupportedFormat when ex.InnerException is not null && IsLoadFailure(ex.InnerException) => ex.Detail,
                    ImageErrorReason.UnsupportedFormat => "it uses a JPEG 2000 feature the decoder here (OpenJPEG) does not support",
                    ImageErrorReason.Damaged or ImageErrorReason.Truncated => "its JPEG 2000 data is corrupt or cut short",
                    _ => "its JPEG 2000 data is corrupt or of a kind the decoder here (OpenJPEG) cannot read",
                };
                var page = ImageProcessingException.Jpeg2000Page(ex.Reason, name, what, ex.InnerException ?? ex);
                if (ex.Data["MagickMessage"] is string raw)
                {
                    page.Data["MagickMessage"] = raw;
                }
                throw page;
            }
        }

        /// <summary>
        /// The most pixels a JPEG 2000 page is decoded at, below the general decode budget: OpenJPEG has no time limit
        /// and took 33 s and 1.1 GB for a blank 64-megapixel page. An A4 or Letter page scanned at 600 dpi is about 35 MP.
        /// </summary>
        internal const long MaxJpeg2000Pixels = 36_000_000;

        /// <summary>Whether <paramref name="ex"/> is one of Magick.NET's own exceptions.</summary>
        internal static bool IsMagickException(Exception ex) => ex.GetType().FullName?.StartsWith("ImageMagick.", StringComparison.Ordinal) == true;

        /// <summary>
        /// Whether Magick.NET's own managed code threw <paramref name="ex"/>, a framework exception rather than one of its
        /// own: reading a damaged file's colour profile whose header names an unknown colour space ("GRAI") throws
        /// NotSupportedException from its profile reader.
        /// </summary>
        internal static bool ThrownByMagickNet(Exception ex) => ex is NotSupportedException or ArgumentException or InvalidOperationException
            && ex.TargetSite?.DeclaringType?.Namespace?.StartsWith("ImageMagick", StringComparison.Ordinal) == true;

        /// <summary>Whether <paramref name="ex"/> says Magick.NET or its native library could not be loaded here.</summary>
        internal static bool IsLoadFailure(Exception ex) => ex is DllNotFoundException || ex is TypeInitializationException
            || ex is BadImageFormatException || ex is System.IO.FileNotFoundException || ex is EntryPointNotFoundException;

        private static T Guard<T>(Func<T> work, string name, ImageFormat format, byte[] data)
        {
            try
            {
                return work();
            }
            catch (ImageProcessingException)
            {
                throw;
            }
            catch (Exception ex) when (ThrownByMagickNet(ex) && ex.TargetSite!.DeclaringType!.Name.Contains("Profile"))
            {
                throw Keep(ImageProcessingException.DamagedBeyondUse(name, format,
                    "its embedded colour profile is damaged (its header names a colour space no profile has)"), ex);
            }
            catch (Exception ex) when (IsMagickException(ex) || ThrownByMagickNet(ex))
            {
                throw Translate(ex, name, format, data);
            }
            catch (Exception ex) when (IsLoadFailure(ex))
            {
                throw Keep(ImageProcessingException.Unsupported(name, format,
                    "Magick.NET, which decodes this format, could not be loaded (" + FirstLine(ex.Message) + "); convert the file to PNG or JPEG first"), ex);
            }
        }

        /// <summary>
        /// A Magick.NET failure in VisionPS's words: what the file is and why it cannot be read, without ImageMagick's
        /// temporary file names or source locations. Magick gives no pixels when it throws, so damage found here leaves
        /// nothing to send and -AllowPartial is not offered. The raw text stays on the exception (inner exception and
        /// <c>Data["MagickMessage"]</c>) for -Debug.
        /// </summary>
        internal static ImageProcessingException Translate(Exception ex, string name, ImageFormat format, byte[]? data = null)
        {
            string message = ex.Message;
            bool Has(string s) => message.IndexOf(s, StringComparison.OrdinalIgnoreCase) >= 0;
            ImageProcessingException result;
            string? variant = format is ImageFormat.Heif or ImageFormat.Avif ? HeifVariant(message) : null;
            if (format == ImageFormat.Tiff && data is not null && (ImageIntegrity.TiffDirectory(data) ?? ImageIntegrity.TiffPixelData(data)) is string tiff)
            {
                result = ImageProcessingException.DamagedBeyondUse(name, format, tiff);
            }
            else if (format == ImageFormat.Tiff && TiffCodecNotBuiltIn(message) is string codec)
            {
                // libtiff's "WEBP compression support is not configured": a codec left out of Magick.NET's libtiff.
                result = ImageProcessingException.Unsupported(name, format, $"TIFF with {codec} compression is not supported; convert it to PNG first");
            }
            else if (format == ImageFormat.Tiff && Has("Can not read scanlines from a tiled image") && data is not null && ImageIntegrity.TiffTiledCmykJpeg(data))
            {
                result = ImageProcessingException.Unsupported(name, format,
                    "a tiled TIFF with JPEG-compressed CMYK is not supported by the decoder in this build; convert it to PNG first");
            }
            else if (format == ImageFormat.Tiff && LibtiffDamage(message) is string damage)
            {
                result = ImageProcessingException.DamagedBeyondUse(name, format, damage);
            }
            else if (format == ImageFormat.JpegXL && Has("UnableToReadImageData"))
            {
                // ImageMagick's reader throws this whenever libjxl returns an error: the codestream is cut short (the
                // whole file is its input) or corrupt. libjxl implements the whole standard, so no intact coding tool
                // ends here (CodecDamageWordsTests); ImageMagick names only its own error code.
                result = ImageProcessingException.DamagedBeyondUse(name, format,
                    "its image data does not decode to its end (the file is cut short or its data is corrupt)");
            }
            else if (variant is not null && variant.StartsWith(LargerThanDeclared, StringComparison.Ordinal)
                && !(data is not null && HeifBoxes.HasLayerSelection(data)))
            {
                // Not a layered image (no layer property of its own): a size field that lies (or a hostile one) is damage,
                // not an unsupported variant. libheif names the size its coded stream gives.
                System.Text.RegularExpressions.Match coded = System.Text.RegularExpressions.Regex.Match(message, @"Image size (\d{1,5})x(\d{1,5}) exceeds");
                (long Width, long Height)? declared = data is null ? null : HeifBoxes.PrimarySize(data);
                result = ImageProcessingException.DamagedBeyondUse(name, format, coded.Success && declared is (long dw, long dh)
                    ? $"its coded stream declares a picture size of {coded.Groups[1].Value}x{coded.Groups[2].Value}, larger than the size the file declares ({dw}x{dh})"
                    : "its decoded picture is larger than the size the file declares");
            }
            else if (variant is not null)
            {
                result = ImageProcessingException.Unsupported(name, format,
                    $"{variant}; this HEIF variant is not supported by the decoder in this build ({HeifDecoderName()}); " +
                    "convert it to PNG or JPEG first");
            }
            else if (Has("width or height exceeds limit") || Has("cache resources exhausted") || Has("ResourceLimit"))
            {
                result = ImageProcessingException.TooLarge(name, format, "it needs more memory or pixels than ImageMagick's safety limits allow");
            }
            else if (Has("no decode delegate") || Has("NoDecodeDelegate") || Has("delegate library support not built-in"))
            {
                result = ImageProcessingException.Unsupported(name, format,
                    "no decoder for this variant of the format is available in this build; convert it to PNG or JPEG first");
            }
            else if (Has("unexpected end") || Has("insufficient image data") || Has("InsufficientImageData") || Has("truncated") || Has("premature end"))
            {
                result = ImageProcessingException.DamagedBeyondUse(name, format, "the file ends before all of its image data");
            }
            else if (Has("unsupported") || Has("not supported") || Has("unsupported feature") || Has("not implemented"))
            {
                result = ImageProcessingException.Unsupported(name, format,
                    "it uses a feature of the format the decoder here does not support (" + Reason(message) + "); convert it to PNG or JPEG first");
            }
            else if (Has("ColorTransform") || Has("ColorProfileMismatch") || Has("ColorProfile"))
            {
                result = ImageProcessingException.DamagedBeyondUse(name, format,
                    "its embedded colour profile is damaged or does not fit its colour type, so its colours cannot be converted");
            }
            else if (ex.GetType().Name.IndexOf("Corrupt", StringComparison.Ordinal) >= 0 || Has("corrupt") || Has("invalid"))
            {
                result = ImageProcessingException.DamagedBeyondUse(name, format, "its image data is corrupt (" + Reason(message) + ")");
            }
            else
            {
                result = ImageProcessingException.DecodeFailed(name, format, "the decoder could not read it (" + Reason(message) + ")", ex);
            }
            return Keep(result, ex);
        }

        /// <summary>
        /// The compression libtiff names in "X compression support is not configured" (a codec left out of the libtiff
        /// built into Magick.NET), in its usual spelling, or null.
        /// </summary>
        internal static string? TiffCodecNotBuiltIn(string message)
        {
            System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(message, @"\b([A-Za-z0-9]{2,12}) compression support is not configured");
            if (!m.Success)
            {
                return null;
            }
            string codec = m.Groups[1].Value;
            return codec.ToUpperInvariant() switch
            {
                "WEBP" => "WebP",
                "ZSTD" => "Zstandard",
                "JXL" or "JPEGXL" => "JPEG XL",
                _ => codec,
            };
        }

        /// <summary>
        /// A libtiff error that says the file is damaged, in plain words, or null: one from a decompressor (LZW, Deflate,
        /// fax, PackBits, JPEG...: its pixel data is corrupt) or from reading the image directory (a field with a wrong
        /// type, count or value, a required one missing). libtiff names the function in quotes, which
        /// <see cref="Reason"/> leaves out.
        /// </summary>
        internal static string? LibtiffDamage(string message)
        {
            System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(message, @"`(\w+)'");
            string function = m.Success ? m.Groups[1].Value : string.Empty;
            string reason = Reason(message);
            if (function.EndsWith("Decode", StringComparison.Ordinal) || function.StartsWith("TIFFFill", StringComparison.Ordinal)
                || function.StartsWith("TIFFReadEncoded", StringComparison.Ordinal) || function.StartsWith("TIFFReadRaw", StringComparison.Ordinal)
                // LZW's and libjpeg's words when the function is not named.
                || reason.IndexOf("code not yet in table", StringComparison.Ordinal) >= 0
                || reason.StartsWith("Unsupported marker type", StringComparison.Ordinal)
                || reason.StartsWith("Corrupt JPEG data", StringComparison.Ordinal))
            {
                return $"its compressed pixel data is corrupt or cut short ({reason})";
            }
            if (reason.IndexOf("Sorry", StringComparison.OrdinalIgnoreCase) >= 0 || reason.IndexOf("can not handle", StringComparison.OrdinalIgnoreCase) >= 0
                || reason.IndexOf("cannot handle", StringComparison.OrdinalIgnoreCase) >= 0
                || reason.IndexOf("not supported", StringComparison.OrdinalIgnoreCase) >= 0 && reason.IndexOf("Sanity check", StringComparison.Ordinal) < 0)
            {
                // A variant libtiff does not read ("Sorry, can not handle images with 64-bit samples", "Cannot handle
                // different values per sample for "SampleFormat""): not damage.
                return null;
            }
            if (function is "TIFFFetchNormalTag" or "TIFFReadDirectory" or "TIFFFetchDirectory" or "MissingRequired" or "_TIFFVSetField"
                or "TIFFFetchStripThing" or "TIFFReadDirEntryArray")
            {
                // "Defined set_get_field_type of custom tag 50060 (Tag 50060) is TIFF_SETGET_UNDEFINED..." is libtiff's
                // way of saying a field's type is wrong.
                System.Text.RegularExpressions.Match tag = System.Text.RegularExpressions.Regex.Match(reason, @"^Defined set_get_field_type of custom tag (\d+)");
                return "its image directory (IFD) is damaged (" + (tag.Success ? $"field {tag.Groups[1].Value} has a type it cannot have" : reason) + ")";
            }
            return null;
        }

        /// <summary>
        /// What kind of HEIF libheif declined, in plain words, from its message; null when the message is not one of
        /// these (damage and resource limits are told apart elsewhere).
        /// </summary>
        internal static string? HeifVariant(string message)
        {
            bool Has(string s) => message.IndexOf(s, StringComparison.OrdinalIgnoreCase) >= 0;
            if (Has("lhv1") || Has("Layered HEVC"))
            {
                return "it is a layered HEVC image (an 'lhv1' item: scalable or multi-view HEVC)";
            }
            if (Has("reference types: pred"))
            {
                return "its primary image is predictively coded from other images ('pred' item references)";
            }
            if (Has("'unci'"))
            {
                return "it holds uncompressed ('unci') image items";
            }
            if (Has("mini box"))
            {
                return "it is in the compact 'mini' form (brand mif3)";
            }
            const string builtIn = "has not been built in: ";
            int at = message.IndexOf(builtIn, StringComparison.OrdinalIgnoreCase);
            if (at >= 0)
            {
                string codec = message.Substring(at + builtIn.Length);
                int end = codec.IndexOfAny(new[] { '(', '`', '\r', '\n' });
                codec = (end >= 0 ? codec.Substring(0, end) : codec).Trim();
                return codec.Length is > 0 and < 40
                    ? $"its images are coded with {codec}, for which this build has no decoder inside HEIF"
                    : "its images use a codec for which this build has no decoder inside HEIF";
            }
            if (Has("Security limit exceeded: Image size") && Has("exceeds the maximum image size"))
            {
                // libheif bounds the decoded size by the declared one (ispe): a layered AV1 image whose operating
                // point selects a smaller layer is decoded at its largest layer and refused.
                return LargerThanDeclared + " (a layered image with an operating point or layer selected: 'a1op'/'lsel')";
            }
            return null;
        }

        private const string LargerThanDeclared = "its coded picture is larger than the size the file declares";

        private static string? s_heifDecoder;

        /// <summary>"libheif 1.x.y in Magick.NET", as the loaded native library reports it.</summary>
        private static string HeifDecoderName()
        {
            if (s_heifDecoder is null)
            {
                string? version = null;
                try
                {
                    version = MagickBackend.HeifVersion();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // the name is only for the message
                }
                s_heifDecoder = version is { Length: > 0 } ? $"libheif {version} in Magick.NET" : "Magick.NET's libheif";
            }
            return s_heifDecoder;
        }

        private static ImageProcessingException Keep(ImageProcessingException result, Exception raw)
        {
            ImageProcessingException kept = result.InnerException is null
                ? new ImageProcessingException(result.Reason, result.SourceName, result.Format, result.Message, result.Detail, raw)
                : result;
            kept.Data["MagickMessage"] = raw.Message;
            return kept;
        }

        /// <summary>
        /// The codec's reason alone: the first line, without "`/tmp/magick-XYZ'" file references, the " @ error/heic.c/..."
        /// source location, or the library prefix ("ReadHEICImage:").
        /// </summary>
        internal static string Reason(string message)
        {
            string s = FirstLine(message);
            int at = s.IndexOf(" @ ", StringComparison.Ordinal);
            if (at >= 0)
            {
                s = s.Substring(0, at);
            }
            // Quoted names: temporary files and paths go; a quoted library function (`TIFFReadDirectory') goes too.
            s = System.Text.RegularExpressions.Regex.Replace(s, @"`[^']*'", string.Empty);
            s = System.Text.RegularExpressions.Regex.Replace(s, @"\S*magick-\S*", string.Empty);
            // Brackets a removed name leaves empty go with it.
            s = System.Text.RegularExpressions.Regex.Replace(s, @"\s*\(\s*\)", string.Empty);
            s = s.Trim().TrimStart(':', ' ').TrimEnd(':', ',', ';', '.', ' ', '(').Trim();
            // The brackets balance: a closing one nothing opened goes; one the reason opened ("Corrupt frame detected
            // (2.0)", "x (a (b))") keeps its closing ones.
            int open = s.Count(c => c == '('), close = s.Count(c => c == ')');
            while (close > open && s.EndsWith(")", StringComparison.Ordinal))
            {
                s = s.Substring(0, s.Length - 1).TrimEnd(':', ',', ';', '.', ' ');
                close--;
            }
            if (open > close)
            {
                s += new string(')', open - close);
            }
            return s.Length == 0 ? "no reason given" : s;
        }

        private static string FirstLine(string s)
        {
            int nl = s.IndexOfAny(new[] { '\r', '\n' });
            return nl < 0 ? s : s.Substring(0, nl);
        }
    }

    /// <summary>An image Magick.NET decoded, upright, as 8-bit sRGB RGBA pixels in a Skia bitmap.</summary>
    internal sealed class MagickDecoded : IDisposable
    {
        public MagickDecoded(ImageHeader header, SKBitmap bitmap, bool hasAlpha, int orientationApplied)
        {
            Header = header;
            Bitmap = bitmap;
            HasAlpha = hasAlpha;
            OrientationApplied = orientationApplied;
        }

        public ImageHeader Header { get; }

        public SKBitmap Bitmap { get; }

        public bool HasAlpha { get; }

        public int OrientationApplied { get; }

        public void Dispose() => Bitmap.Dispose();
    }
}
