using System;
using System.IO;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Reads image headers without decoding pixels: format from the magic bytes (never the extension), size, EXIF
    /// orientation, alpha, colour type, bit depth, frames. PNG and JPEG are read from their first bytes alone; GIF,
    /// WebP, BMP and ICO through Skia's codec; TIFF, HEIC, AVIF and JPEG XL through Magick.NET (loaded on first use).
    /// </summary>
    public static class ImageProbe
    {
        private const int HeadBytes = 32 * 1024;

        /// <summary>Reads the header of the image file at <paramref name="path"/>.</summary>
        /// <exception cref="ImageProcessingException">Not an image, an unsupported format, or a damaged header.</exception>
        public static ImageHeader Probe(string path)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            return Probe(stream, path);
        }

        /// <summary>Reads the header of an image in memory; <paramref name="sourceName"/> names it in messages.</summary>
        public static ImageHeader Probe(ReadOnlySpan<byte> bytes, string sourceName)
        {
            ImageFormat format = FormatSniffer.Sniff(bytes);
            ImageHeader? quick = QuickHeader(format, bytes, complete: true, sourceName);
            if (quick is not null)
            {
                quick.ByteLength = bytes.Length;
                return quick;
            }
            return FullHeader(bytes.ToArray(), format, sourceName);
        }

        /// <summary>Reads the header of an image from <paramref name="stream"/> (from its current position).</summary>
        public static ImageHeader Probe(Stream stream, string sourceName)
        {
            if (stream is null)
            {
                throw new ArgumentNullException(nameof(stream));
            }
            byte[] head = new byte[HeadBytes];
            int read = LocalFiles.ReadHead(stream, head);
            bool complete = read < head.Length;
            ReadOnlySpan<byte> span = head.AsSpan(0, read);
            ImageFormat format = FormatSniffer.Sniff(span);
            ImageHeader? quick = QuickHeader(format, span, complete, sourceName);
            if (quick is not null && quick.ApngFramesPastRead && !complete && WholeWithinBudget(stream, head, read) is byte[] whole)
            {
                // An APNG's frames go on past its first bytes: they are counted in the whole file, as preparing counts
                // them (a file over the file budget, which preparing refuses, keeps the count of its first bytes).
                ImageHeader counted = QuickHeader(format, whole, complete: true, sourceName)!;
                counted.ByteLength = whole.Length;
                return counted;
            }
            if (quick is not null)
            {
                quick.ByteLength = stream.CanSeek ? stream.Length : read;
                return quick;
            }
            if (format == ImageFormat.Jpeg && !complete && stream.CanSeek)
            {
                // Large APP segments (EXIF thumbnails, ICC, XMP) before the frame header: skip them by their lengths.
                long origin = stream.Position - read;
                ImageHeader? jpeg = JpegBySeeking(stream, origin, span);
                if (jpeg is not null)
                {
                    jpeg.ByteLength = stream.Length;
                    return jpeg;
                }
                stream.Position = origin + read; // fall through: read the whole file and let the codec decide
            }
            if (!complete && stream.CanSeek && stream.Length - stream.Position + read <= ImageBudget.DefaultMaxFileBytes)
            {
                // A WebP's, BMP's or TIFF's header without its pixel data (HeaderView): what the codec reads of the file,
                // and only that. Anything the view does not open on is read again whole, so that what is wrong is said as
                // before (the view let go first: not both in memory at once).
                long origin = stream.Position - read;
                ImageHeader? viewed = ViewedHeader(stream, origin, format, head, read, sourceName);
                if (viewed is not null)
                {
                    return viewed;
                }
                stream.Position = origin + read;
            }
            byte[] all;
            if (complete)
            {
                all = span.ToArray();
            }
            else
            {
                var ms = new MemoryStream();
                ms.Write(head, 0, read);
                byte[] rest = ImageInput.ReadAll(stream, sourceName, ImageBudget.DefaultMaxFileBytes - read);
                ms.Write(rest, 0, rest.Length);
                all = ms.ToArray();
            }
            return FullHeader(all, format, sourceName);
        }

        /// <summary>
        /// The whole file: the <paramref name="read"/> bytes of <paramref name="head"/> and the rest of
        /// <paramref name="stream"/>; null when it is more than the default file budget.
        /// </summary>
        private static byte[]? WholeWithinBudget(Stream stream, byte[] head, int read)
        {
            long limit = ImageBudget.DefaultMaxFileBytes;
            if (stream.CanSeek && read + stream.Length - stream.Position > limit)
            {
                return null;
            }
            var whole = new MemoryStream();
            whole.Write(head, 0, read);
            byte[] buffer = new byte[81920];
            for (int n; (n = stream.Read(buffer, 0, buffer.Length)) > 0;)
            {
                if (whole.Length + n > limit)
                {
                    return null;
                }
                whole.Write(buffer, 0, n);
            }
            return whole.ToArray();
        }

        private static ImageHeader? JpegBySeeking(Stream stream, long origin, ReadOnlySpan<byte> head)
        {
            int orientation = ExifOrientation.FromJpeg(head);
            bool icc = false;
            long pos = 2;
            byte[] b = new byte[16];
            for (int guard = 0; guard < 4096; guard++)
            {
                stream.Position = origin + pos;
                int n = ReadAtLeast(stream, b, 12);
                int i = 0;
                if (!JpegSegments.Next(b.AsSpan(0, n), ref i, out byte marker, out int start, out _))
                {
                    return null;
                }
                if (marker == 0xE2 && n >= start + 8 && b.AsSpan(start, 8).SequenceEqual("ICC_PROF"u8))
                {
                    icc = true;
                }
                if (JpegSegments.IsFrameHeader(marker))
                {
                    if (n < start + 6)
                    {
                        return null;
                    }
                    // Re-use the in-memory parser on a synthetic SOI + frame header.
                    byte[] sof = new byte[12];
                    sof[0] = 0xFF;
                    sof[1] = 0xD8;
                    Array.Copy(b, start - 4, sof, 2, 10);
                    ImageHeader? h = ContainerHeaders.Jpeg(sof);
                    if (h is null)
                    {
                        return null;
                    }
                    var header = new ImageHeader(ImageFormat.Jpeg, h.Width, h.Height, orientation)
                    {
                        BitDepth = h.BitDepth,
                        IsProgressive = h.IsProgressive,
                        IsLosslessJpeg = h.IsLosslessJpeg,
                        IsArithmeticJpeg = h.IsArithmeticJpeg,
                        ColorType = h.ColorType,
                        HasIccProfile = icc,
                    };
                    return header;
                }
                pos += i;
            }
            return null;
        }

        private static int ReadAtLeast(Stream stream, byte[] buffer, int count)
        {
            int read = 0;
            for (int n; read < count && (n = stream.Read(buffer, read, count - read)) > 0;)
            {
                read += n;
            }
            return read;
        }

        /// <summary>The container format named by the first bytes of a file.</summary>
        public static ImageFormat Sniff(ReadOnlySpan<byte> bytes) => FormatSniffer.Sniff(bytes);

        private static ImageHeader? QuickHeader(ImageFormat format, ReadOnlySpan<byte> head, bool complete, string name)
        {
            RejectUndecodable(format, head, name);
            RejectDamagedHeader(format, head, name);
            ImageHeader? header = format switch
            {
                ImageFormat.Png => ContainerHeaders.Png(head),
                ImageFormat.Jpeg => ContainerHeaders.Jpeg(head),
                _ => null,
            };
            if (header is null && complete && format is ImageFormat.Png or ImageFormat.Jpeg)
            {
                throw ImageProcessingException.Truncated(name, format, "the file ends inside its header");
            }
            if (header is not null && (header.Width <= 0 || header.Height <= 0))
            {
                throw ImageProcessingException.DecodeFailed(name, format, $"the header declares a {header.Width}x{header.Height} image");
            }
            return header;
        }

        /// <summary>The header read from the file's <see cref="HeaderView"/>; null when there is none or a codec fails on it.</summary>
        private static ImageHeader? ViewedHeader(Stream stream, long origin, ImageFormat format, byte[] head, int read, string name)
        {
            if (HeaderView.Read(format, stream, origin, stream.Length - origin, head, read) is not byte[] view)
            {
                return null;
            }
            try
            {
                return FullHeader(view, format, name);
            }
            catch (Exception ex) when (ex is ImageProcessingException or ArgumentException or IndexOutOfRangeException)
            {
                return null;
            }
        }

        internal static ImageHeader FullHeader(byte[] data, ImageFormat format, string name)
        {
            if (MagickCodec.Handles(format))
            {
                RejectCameraRaw(format, data, name);
                ImageHeader h = MagickCodec.Probe(data, name, format);
                h.ByteLength = data.Length;
                if (format == ImageFormat.Tiff)
                {
                    // Its pages, as preparing counts them (only the first is sent): ImageMagick's ping reads one.
                    h.FrameCount = ImageIntegrity.TiffPageCount(data);
                }
                return h;
            }
            if (format == ImageFormat.Bmp && ImagePreparer.BmpClaimPastItsRows(data, new ImageBudget(), name, out _, out _) is string claim)
            {
                // A header that claims rows the file does not hold, at a size no decoder here opens: damage, as preparing says.
                throw ImageProcessingException.Damaged(name, format, claim);
            }
            using SkiaSource source = OpenSkia(data, name, format);
            ImageHeader header = HeaderFromSkia(source.Codec, data, format);
            header.ByteLength = data.Length;
            return header;
        }

        internal static void RejectUndecodable(ImageFormat format, ReadOnlySpan<byte> head, string name)
        {
            switch (format)
            {
                case ImageFormat.Unknown when FormatSniffer.OtherFormat(head) is string other:
                    // An image, only not one VisionPS reads: saying "not an image" would be wrong.
                    throw ImageProcessingException.NotReadHere(name, other);
                case ImageFormat.Unknown when name.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase):
                    throw ImageProcessingException.NotAPdf(name, head.Length == 0 ? "the file is empty" : "its first bytes are not the %PDF- a PDF starts with");
                case ImageFormat.Unknown:
                    throw ImageProcessingException.NotAnImage(name, head.Length == 0 ? "the file is empty" : "its first bytes match no image format");
                case ImageFormat.Svg:
                    throw ImageProcessingException.Unsupported(name, format,
                        "SVG is a vector drawing, not a raster image; render it to PNG first (e.g. rsvg-convert -o out.png file.svg)");
                case ImageFormat.Pdf:
                    throw ImageProcessingException.Unsupported(name, format,
                        "PDF is a document; render the page you want to PNG first (e.g. pdftoppm -png -r 150 file.pdf page)");
            }
        }

        /// <summary>
        /// Refuses a camera raw file built on TIFF (DNG, CR2, NEF, ARW...): the TIFF reader would take its small preview
        /// or its undeveloped sensor data for the picture.
        /// </summary>
        internal static void RejectCameraRaw(ImageFormat format, byte[] data, string name)
        {
            if (format == ImageFormat.Tiff && ImageIntegrity.TiffCameraRaw(data) is string raw)
            {
                throw ImageProcessingException.Unsupported(name, format,
                    $"this is {raw}, not a finished picture, and VisionPS does not develop raw images; export it as JPEG or " +
                    "PNG first (from a raw editor, or use the camera's own JPEG)");
            }
        }

        /// <summary>
        /// Refuses a PNG whose signature or IHDR is damaged (<see cref="ImageErrorReason.Damaged"/>, naming the fault,
        /// -AllowPartial not offered), before any decoder sees it.
        /// </summary>
        internal static void RejectDamagedHeader(ImageFormat format, ReadOnlySpan<byte> head, string name)
        {
            string? problem = format == ImageFormat.Png ? ImageIntegrity.PngHeader(head) : null;
            if (problem is not null)
            {
                // No decoder reads past a damaged signature or IHDR: -AllowPartial has no part to send, so it is not offered.
                throw ImageProcessingException.DamagedBeyondUse(name, format, problem);
            }
        }

        internal static SkiaSource OpenSkia(byte[] data, string name, ImageFormat format)
        {
            if (format == ImageFormat.Bmp && ContainerHeaders.BmpMaskProblem(data) is string masks)
            {
                throw ImageProcessingException.DamagedBeyondUse(name, format, masks);
            }
            SkiaSource? source = SkiaSource.Open(data, out SKCodecResult result);
            if (source is null)
            {
                if (format == ImageFormat.Bmp && ContainerHeaders.BmpEmbeddedStream(data) is string wrapped)
                {
                    throw ImageProcessingException.Unsupported(name, format,
                        $"this BMP wraps a {wrapped} stream (a printer variant of BMP) that no decoder here reads; save the image as PNG or JPEG");
                }
                // The decoder cannot even start, so no part of the image decodes: -AllowPartial is no way out.
                if (format == ImageFormat.WebP && ImageIntegrity.WebPContainer(data) is string webp)
                {
                    throw ImageProcessingException.DamagedBeyondUse(name, format, webp);
                }
                if (format == ImageFormat.Ico && ImageIntegrity.IcoDirectory(data) is string ico)
                {
                    throw ImageProcessingException.DamagedBeyondUse(name, format, ico);
                }
                if (format == ImageFormat.Bmp && ImageIntegrity.BmpPixelOffset(data) is string bmp)
                {
                    throw ImageProcessingException.DamagedBeyondUse(name, format, bmp);
                }
                if (format == ImageFormat.Gif && ImageIntegrity.GifBlocks(data) is string gif)
                {
                    throw ImageProcessingException.DamagedBeyondUse(name, format, gif);
                }
                if (format == ImageFormat.Jpeg && JpegHeaderDamage(data) is JpegScanDamage jpeg)
                {
                    ImageProcessingException damaged = ImageProcessingException.DamagedBeyondUse(name, format, jpeg.Problem);
                    if (jpeg.Raw != jpeg.Problem)
                    {
                        damaged.Data["MagickMessage"] = jpeg.Raw;
                    }
                    throw damaged;
                }
                if (format == ImageFormat.Png)
                {
                    // Skia says "incomplete" for any PNG it cannot start: the chunk walk says what is wrong.
                    string? problem = ImageIntegrity.PngHeader(data) ?? ImageIntegrity.PngChunks(data, out _);
                    if (problem is not null && !ImageIntegrity.EndsCleanlyBeforePixels(data))
                    {
                        throw ImageProcessingException.DamagedBeyondUse(name, format, problem);
                    }
                }
                // Skia says "incomplete" for any PNG header it cannot parse; only a short file is really truncated.
                bool headerThere = format switch
                {
                    ImageFormat.Png => data.Length > 64,
                    ImageFormat.Jpeg => ContainerHeaders.Jpeg(data) is not null,
                    _ => false,
                };
                throw result == SKCodecResult.IncompleteInput && !headerThere
                    ? ImageProcessingException.Truncated(name, format, "the file ends inside its header")
                    : ImageProcessingException.DecodeFailed(name, format,
                        format == ImageFormat.Png && ContainerHeaders.Png(data) is null ? "it has no valid IHDR chunk"
                        : $"its header is invalid or damaged ({CodecVerdict(result)})");
            }
            return source;
        }

        /// <summary>Skia's verdict on a header it cannot start on, in words (not the enum's name, which reads as jargon).</summary>
        private static string CodecVerdict(SKCodecResult result) => result switch
        {
            SKCodecResult.Unimplemented => "the decoder does not know what it holds",
            SKCodecResult.InvalidInput => "the decoder rejects it",
            SKCodecResult.ErrorInInput => "the decoder found an error in it",
            SKCodecResult.IncompleteInput => "the decoder found it incomplete",
            _ => "the decoder cannot start on it",
        };

        /// <summary>
        /// Why a JPEG whose header Skia cannot read is damaged, if it is: segments whose lengths do not lead from one
        /// marker to the next, or libjpeg's own verdict (a bogus Huffman or quantisation table). Only on that failure.
        /// </summary>
        private static JpegScanDamage? JpegHeaderDamage(byte[] data)
        {
            // Only a JPEG that starts as one (a frame header, or at least a first segment): a JPEG signature followed by
            // no JPEG at all is not a damaged image but no image.
            ImageHeader? header = ContainerHeaders.Jpeg(data);
            int at = 2;
            if (header is null && !(JpegSegments.Next(data, ref at, out byte first, out _, out _)
                && first is (>= 0xE0 and <= 0xEF) or 0xDB or 0xC4 or 0xDD or 0xFE))
            {
                return null;
            }
            if (JpegMarkers.Check(data) is string markers)
            {
                return new JpegScanDamage(markers, string.Empty, markers);
            }
            return header is not null && header.Width > 0 && header.Height > 0 && JpegScanCheck.TryCheck(data, header, out JpegScanDamage? damage)
                ? damage : null;
        }

        internal static ImageHeader HeaderFromSkia(SKCodec codec, byte[] data, ImageFormat format, ImageHeader? container = null)
        {
            SKImageInfo info = codec.Info;
            container ??= format switch
            {
                ImageFormat.Png => ContainerHeaders.Png(data),
                ImageFormat.Jpeg => ContainerHeaders.Jpeg(data),
                _ => null,
            };
            int orientation = format == ImageFormat.Jpeg ? ExifOrientation.FromJpeg(data)
                : format == ImageFormat.Png ? ExifOrientation.FromPng(data) : 0;
            if (orientation == 0)
            {
                orientation = (int)codec.EncodedOrigin;
            }
            var header = new ImageHeader(format, info.Width, info.Height, orientation)
            {
                HasAlpha = info.AlphaType != SKAlphaType.Opaque,
                ByteLength = data.Length,
            };
            if (container is not null)
            {
                header.BitDepth = container.BitDepth;
                header.ColorType = container.ColorType;
                header.HasIccProfile = container.HasIccProfile;
                header.IsProgressive = container.IsProgressive;
                header.IsLosslessJpeg = container.IsLosslessJpeg;
                header.IsArithmeticJpeg = container.IsArithmeticJpeg;
                header.PngGamma = container.PngGamma;
                header.PngCicp = container.PngCicp;
            }
            else
            {
                header.BitDepth = 8;
                header.ColorType = format is ImageFormat.Gif ? ImageColorType.Palette
                    : info.ColorType == SKColorType.Gray8 ? ImageColorType.Gray
                    : header.HasAlpha ? ImageColorType.Rgba : ImageColorType.Rgb;
            }
            if (format is ImageFormat.Bmp or ImageFormat.Gif)
            {
                string? iccProblem = null;
                header.IccProfileSkiaIgnores = format == ImageFormat.Bmp ? ContainerHeaders.BmpIccProfile(data) : ContainerHeaders.GifIccProfile(data, out iccProblem);
                header.HasIccProfile = header.IccProfileSkiaIgnores is not null;
                if (format == ImageFormat.Gif && header.IccProfileSkiaIgnores is byte[] icc)
                {
                    // A profile Skia cannot read leaves the colours unconverted (SkiaDecoder.IgnoredProfileColorSpace).
                    iccProblem = icc[16] != (byte)'R' || icc[17] != (byte)'G' || icc[18] != (byte)'B' ? "it does not describe RGB colours (it is damaged or of another kind)"
                        : SkiaDecoder.IccColorSpace(icc) is null ? "it is damaged or of a kind not read here" : null;
                }
                header.IccProfileProblem = iccProblem;
            }
            if (format == ImageFormat.Bmp && ContainerHeaders.BmpAlphaMaskSkiaIgnores(data))
            {
                header.HasAlpha = true;
                header.ColorType = ImageColorType.Rgba;
            }
            if (format is ImageFormat.Gif or ImageFormat.WebP)
            {
                header.FrameCount = Math.Max(1, codec.FrameCount);
            }
            else if (format == ImageFormat.Png && container is not null)
            {
                // Skia's codec does not read APNG: the acTL says how many frames there are.
                header.FrameCount = container.FrameCount;
                header.ApngDefaultImageHidden = container.ApngDefaultImageHidden;
            }
            return header;
        }

        /// <summary>
        /// Refuses a header whose declared size the budget does not allow, as preparing it would (ImageTooLarge), so a
        /// header-only look and a send agree on the same file.
        /// </summary>
        public static void CheckDeclared(ImageHeader header, ImageBudget budget, string name)
        {
            if (header.Width <= 0 || header.Height <= 0)
            {
                throw ImageProcessingException.DecodeFailed(name, header.Format, $"the header declares a {header.Width}x{header.Height} image");
            }
            long pixels = (long)header.Width * header.Height;
            if (header.Width > budget.MaxDimension || header.Height > budget.MaxDimension || pixels > budget.MaxSourcePixels)
            {
                throw ImageProcessingException.TooLarge(name, header.Format,
                    $"it declares {header.Width}x{header.Height} pixels ({pixels / 1e6:0.#} megapixels); the budget allows " +
                    $"{budget.MaxSourcePixels / 1e6:0.#} megapixels and {budget.MaxDimension} px per side");
            }
        }
    }
}
