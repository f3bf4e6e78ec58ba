using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Turns an image file into the bytes a vision model should receive.
    /// <para>Policy: the original bytes pass through unchanged when the API accepts the format (PNG, JPEG, WebP, still
    /// GIF) at 8 bits per sample, no side exceeds the target size, no EXIF orientation must be applied, not CMYK, not
    /// tagged with a non-sRGB colour profile, within <see cref="PrepareOptions.MaxBytes"/>, and the whole file is proven
    /// intact (every PNG chunk CRC and the complete zlib stream; every JPEG scan read by libjpeg-turbo without a
    /// corrupt-data warning, <see cref="JpegScanCheck"/>; a full decode of the others). A damaged file is refused
    /// (<see cref="ImageErrorReason.Damaged"/>) unless <see cref="PrepareOptions.AllowPartial"/>. Otherwise the image is
    /// decoded (JPEG and WebP at the smallest scale still at least the target: shrink-on-load), oriented, converted to
    /// 8-bit sRGB, resized (a separable Lanczos-3, <see cref="Resampler"/>) and encoded (PNG when some pixel is not fully opaque,
    /// JPEG otherwise, unless <see cref="PrepareOptions.Format"/> says). The jobs live in <see cref="PreparePolicy"/>,
    /// <see cref="SkiaDecoder"/>/<see cref="MagickCodec"/>, <see cref="ImageRenderer"/> and <see cref="PrepareScheduler"/>.</para>
    /// <para>Target size: the <see cref="PrepareOptions.MaxSide"/> box, further limited by what the model looks at
    /// (<see cref="ModelVision.TargetSize"/>) when <see cref="PrepareOptions.Model"/> is set, or a 512 box for
    /// <c>low</c> detail; sizes follow <see cref="SizeRules.FitWithin"/>.</para>
    /// </summary>
    public static class ImagePreparer
    {
        /// <summary>Prepares the image file at <paramref name="path"/>.</summary>
        /// <exception cref="ImageProcessingException">The file is not an image, is damaged, or exceeds the budget.</exception>
        /// <exception cref="IOException">The file cannot be read.</exception>
        public static PreparedImage Prepare(string path, PrepareOptions? options = null)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }
            options ??= new PrepareOptions();
            options.Validate();
            byte[] bytes = ImageInput.ReadFile(path, options.Budget);
            return PrepareCore(bytes, path, options);
        }

        /// <summary>Prepares an image held in memory; <paramref name="sourceName"/> names it in messages.</summary>
        public static PreparedImage Prepare(byte[] bytes, string sourceName, PrepareOptions? options = null)
        {
            if (bytes is null)
            {
                throw new ArgumentNullException(nameof(bytes));
            }
            options ??= new PrepareOptions();
            options.Validate();
            if (bytes.LongLength > options.Budget.MaxFileBytes)
            {
                throw ImageProcessingException.TooLarge(sourceName, FormatSniffer.Sniff(bytes),
                    $"{bytes.LongLength} bytes is more than the {options.Budget.MaxFileBytes}-byte file budget");
            }
            return PrepareCore(bytes, sourceName, options);
        }

        /// <summary>Prepares an image read from <paramref name="stream"/> (read to its end, within the file budget).</summary>
        public static PreparedImage Prepare(Stream stream, string sourceName, PrepareOptions? options = null)
        {
            if (stream is null)
            {
                throw new ArgumentNullException(nameof(stream));
            }
            options ??= new PrepareOptions();
            options.Validate();
            byte[] bytes = ImageInput.ReadAll(stream, sourceName, options.Budget.MaxFileBytes);
            return PrepareCore(bytes, sourceName, options);
        }

        /// <summary>
        /// Prepares many files on all cores: at most <paramref name="maxParallel"/> decodes in flight (0: one per core),
        /// results in input order as soon as each is ready, one result per input: a bad file never stops the others.
        /// Cancelling stops the enumeration with <see cref="OperationCanceledException"/>.
        /// </summary>
        public static IEnumerable<PrepareResult> PrepareMany(IEnumerable<string> paths, PrepareOptions? options = null,
            int maxParallel = 0, CancellationToken cancellationToken = default)
        {
            if (paths is null)
            {
                throw new ArgumentNullException(nameof(paths));
            }
            options ??= new PrepareOptions();
            options.Validate();
            PrepareOptions opts = options;
            return PrepareScheduler.RunMany(paths.Select(p => (p, FileCost(p, opts), (Func<PreparedImage>)(() => Prepare(p, opts)))), maxParallel, cancellationToken);
        }

        /// <summary>As <see cref="PrepareMany(IEnumerable{string}, PrepareOptions?, int, CancellationToken)"/>, for images in memory (name, bytes).</summary>
        public static IEnumerable<PrepareResult> PrepareMany(IEnumerable<KeyValuePair<string, byte[]>> images,
            PrepareOptions? options = null, int maxParallel = 0, CancellationToken cancellationToken = default)
        {
            if (images is null)
            {
                throw new ArgumentNullException(nameof(images));
            }
            options ??= new PrepareOptions();
            options.Validate();
            PrepareOptions opts = options;
            return PrepareScheduler.RunMany(images.Select(kv => (kv.Key, kv.Value is null ? 0 : PrepareScheduler.Cost(kv.Value, kv.Value.LongLength, opts), (Func<PreparedImage>)(() => Prepare(kv.Value!, kv.Key, opts)))),
                maxParallel, cancellationToken);
        }
        /// <summary>
        /// The scheduling cost of a file: <see cref="PrepareScheduler.Cost"/> of its first bytes when it is a regular file
        /// present on disk, else its length (a pipe or device is never read here: its bytes are for preparing; a
        /// cloud placeholder is not fetched just to order the work); 0 when it cannot be read now (preparing says why).
        /// </summary>
        private static long FileCost(string path, PrepareOptions options)
        {
            const FileAttributes NotLocal = FileAttributes.Offline | FileAttributes.Device
                | (FileAttributes)0x40000 /* RecallOnOpen */ | (FileAttributes)0x400000 /* RecallOnDataAccess */;
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists)
                {
                    return 0;
                }
                long length = info.Length;
                if (length == 0 || (info.Attributes & NotLocal) != 0)
                {
                    return length;
                }
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
                byte[] head = new byte[PrepareScheduler.CostHeaderBytes];
                int n = LocalFiles.ReadHead(stream, head);
                return PrepareScheduler.Cost(head.AsSpan(0, n), length, options);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException
                || ex is NotSupportedException || ex is System.Security.SecurityException)
            {
                return 0;
            }
        }

        /// <summary>The displayed size a prepared image gets for these options (before any byte-cap shrinking).</summary>
        public static (int Width, int Height) TargetSize(int displayWidth, int displayHeight, PrepareOptions options)
        {
            if (options is null)
            {
                throw new ArgumentNullException(nameof(options));
            }
            return PreparePolicy.TargetSize(displayWidth, displayHeight, options);
        }

        /// <summary>
        /// The part of the pass-through policy a header alone decides: an API-accepted, still, upright, 8-bit image, in
        /// the requested format, not CMYK, within the target size and the byte cap. Preparing also checks the colour
        /// space and that the whole file is intact, so a true here can still end in a re-encode; a false never passes.
        /// </summary>
        public static bool HeaderAllowsPassThrough(ImageHeader header, PrepareOptions options)
        {
            if (header is null || options is null)
            {
                throw new ArgumentNullException(header is null ? nameof(header) : nameof(options));
            }
            return PreparePolicy.HeaderAllowsPassThrough(header, options);
        }

        /// <summary>
        /// Whether <see cref="Prepare(string, PrepareOptions?)"/> would send the file at <paramref name="path"/> as it is
        /// (<see cref="PrepareAction.Pass"/>), by preparing's own verdict. <paramref name="header"/> (the file's, from
        /// <see cref="ImageProbe.Probe(string)"/>) decides first: when it rules pass-through out, nothing more is read.
        /// Otherwise the file is read whole and prepared up to its pass-through verdict, and no further: the colour space,
        /// the proof that the whole file is intact and, when it declares transparency, whether some pixel uses it; no
        /// pixels are re-encoded.
        /// </summary>
        /// <exception cref="ImageProcessingException">What preparing would throw on the way, such as
        /// <see cref="ImageErrorReason.Damaged"/> for a file the proof finds damaged (unless
        /// <see cref="PrepareOptions.AllowPartial"/>, which then re-encodes it: false).</exception>
        /// <exception cref="IOException">The file cannot be read.</exception>
        public static bool WouldPassThrough(string path, ImageHeader header, PrepareOptions options)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }
            if (!HeaderAllowsPassThrough(header, options))
            {
                return false;
            }
            options.Validate();
            byte[] bytes = ImageInput.ReadFile(path, options.Budget);
            return PrepareOrDecide(bytes, path, options, decideOnly: true) is { Action: PrepareAction.Pass };
        }

        private static PreparedImage PrepareCore(byte[] data, string name, PrepareOptions options) =>
            PrepareOrDecide(data, name, options, decideOnly: false)!;

        /// <summary>
        /// Prepares <paramref name="data"/>; with <paramref name="decideOnly"/>, stops where preparing knows it re-encodes
        /// and returns null there (a file passed through is returned as preparing returns it). A damage preparing refuses
        /// is thrown either way: the same error.
        /// </summary>
        private static PreparedImage? PrepareOrDecide(byte[] data, string name, PrepareOptions options, bool decideOnly)
        {
            ImageFormat format = FormatSniffer.Sniff(data);
            ImageProbe.RejectUndecodable(format, data, name);
            ImageProbe.RejectDamagedHeader(format, data, name);
            if (MagickCodec.Handles(format))
            {
                ImageProbe.RejectCameraRaw(format, data, name);
                // libheif and ImageMagick's TIFF reader fill missing tiles with a flat colour and say nothing: a file cut
                // short is found from its own tables first.
                var magickWarnings = new List<string>();
                int partialRows = -1;
                string? cut = ImageIntegrity.CheckStructure(format, data);
                if (cut is not null)
                {
                    bool nothing = false;
                    string effect = MissingDataEffect;
                    if (format == ImageFormat.Tiff)
                    {
                        // libtiff stops at the first strip the end cuts: the rows before it are read from a copy that
                        // declares only those.
                        int rows = ImageIntegrity.TiffWholeRows(data, out int height);
                        nothing = rows == 0;
                        if (rows > 0)
                        {
                            partialRows = rows;
                            // libtiff's rows are the stored ones; a TIFF turned by its orientation tag names the part shown.
                            string there = ExifOrientation.ShownPart(ImageIntegrity.TiffOrientation(data), rows, height, "its orientation tag")
                                ?? $"Only the first {rows} of its {height} rows";
                            effect = $"{there} decoded; the rest is sent blank.";
                        }
                    }
                    else if (format is ImageFormat.Heif or ImageFormat.Avif)
                    {
                        HeifBoxes.ItemDataPastEnd(data, out nothing);
                    }
                    if (nothing)
                    {
                        throw ImageProcessingException.DamagedBeyondUse(name, format, cut);
                    }
                    RefuseOrWarn(cut, null, effect, name, format, options, magickWarnings);
                }
                if (decideOnly)
                {
                    return null;
                }
                return PrepareWithMagick(data, name, format, options, magickWarnings, partialRows, damageFound: cut is not null);
            }

            if (format == ImageFormat.Jpeg && JpegSegments.WithoutHeaderJunk(data) is byte[] clean)
            {
                // Bytes between the header's segments that belong to none of them (libjpeg skips them with a warning):
                // the picture is the same without them, and they are not sent.
                data = clean;
            }

            // The budget is checked on the container's own header first: a decoder never sees a hostile size.
            ImageHeader? declared = format switch
            {
                ImageFormat.Png => ContainerHeaders.Png(data),
                ImageFormat.Jpeg => ContainerHeaders.Jpeg(data),
                _ => null,
            };
            if (declared is not null)
            {
                ImageProbe.CheckDeclared(declared, options.Budget, name);
            }
            int? jpegEnd = null; // one segment walk a JPEG: its scan count here, its end for the structure check and the pass-through
            if (format == ImageFormat.Jpeg)
            {
                jpegEnd = JpegMarkers.EndOfImage(data, out int scans);
                if (scans > MaxJpegScans)
                {
                    throw ImageProcessingException.TooManyScans(name, scans, MaxJpegScans);
                }
            }

            var warnings = new List<string>();
            if (format == ImageFormat.Jpeg && declared is not null && (declared.BitDepth != 8 || declared.IsLosslessJpeg))
            {
                // 12-bit and lossless JPEG: Skia reads 8-bit DCT only (it decodes an 8-bit lossless JPEG to a wrong picture);
                // Magick.NET's libjpeg-turbo converts it to 8-bit sRGB. Its damage is checked as the Skia path checks a
                // JPEG it re-encodes (ImageMagick's decode reads past corrupt data and a cut scan without a word).
                string? broken = CheckBeforeLcms(data, name, options.Budget, format, declared, out JpegScanDamage? scan, out string? effect);
                RefuseOrWarn(broken, scan, effect, name, format, options, warnings);
                return decideOnly ? null : PrepareWithMagick(data, name, format, options, warnings);
            }

            // A JPEG's profile is read once, with whether its segments are numbered whole (DecodeWithLibjpeg needs that).
            bool jpegIccWhole = true;
            byte[]? icc = format switch
            {
                ImageFormat.Png when declared?.HasIccProfile == true => ContainerHeaders.PngIccProfile(data),
                ImageFormat.Jpeg when declared?.HasIccProfile == true => ContainerHeaders.JpegIccProfile(data, out jpegIccWhole),
                ImageFormat.WebP => ContainerHeaders.WebPIccProfile(data),
                ImageFormat.Bmp => ContainerHeaders.BmpIccProfile(data),
                _ => null,
            };
            if (icc is not null && ContainerHeaders.IccHasXyzLutA2B0(icc) && IccFitsImage(icc, format, declared)
                && declared?.PngCicp is null)
            {
                // A profile Skia's colour engine misreads (ContainerHeaders.IccHasXyzLutA2B0), fitting the image: lcms
                // converts it (a PNG's cICP chunk outranks its profile: the Skia path reads that). Such a file is never
                // passed through; it is checked for damage as the Skia path checks it before anything is sent.
                // An animation (a PNG's acTL, a WebP's frames) sends its first frame, with the Skia path's warning.
                int frames = declared?.FrameCount ?? 1;
                if (format == ImageFormat.WebP)
                {
                    using SkiaSource? webp = SkiaSource.Open(data, out _);
                    frames = Math.Max(1, webp?.Codec.FrameCount ?? 1);
                }
                if (frames > 1 || declared?.ApngDefaultImageHidden == true)
                {
                    // A hidden default image with no frame after it: an animation of 0 frames, not the 1 picture counted.
                    warnings.Add(AnimationWarning(name, declared?.ApngNoFrames == true ? 0 : frames, declared?.ApngDefaultImageHidden == true, declared?.ApngDeclaredFrames));
                }
                string? broken = CheckBeforeLcms(data, name, options.Budget, format, declared, out JpegScanDamage? scan, out string? effect);
                if (broken is null && format == ImageFormat.WebP)
                {
                    // The frame walk itself finds the frames (Skia's count stops at a broken one).
                    broken = LaterWebPFrames(data, frames, name, options, warnings);
                    effect = broken is null ? null : LaterFramesEffect;
                }
                if (broken is null && format == ImageFormat.Png && declared?.ApngFramesMissing == true)
                {
                    broken = ApngMissingFrames(declared);
                    effect = declared.ApngDefaultImageHidden ? DefaultImageEffect : LaterFramesEffect;
                }
                if (broken is null && format == ImageFormat.Png && declared is not null && (frames > 1 || declared.ApngDefaultImageHidden))
                {
                    broken = LaterApngFrames(data, declared, name, options, warnings);
                    effect = broken is null ? null : declared.ApngDefaultImageHidden ? DefaultImageEffect : LaterFramesEffect;
                }
                RefuseOrWarn(broken, scan, effect, name, format, options, warnings);
                return decideOnly ? null : PrepareWithMagick(data, name, format, options, warnings);
            }

            if (format == ImageFormat.Bmp && BmpClaimPastItsRows(data, options.Budget, name, out int claimRows, out string claimEffect) is string claim)
            {
                // Its rows alone, from a copy that declares only them; the damage is said once, here.
                RefuseOrWarn(claim, null, claimEffect, name, format, options, warnings);
                if (decideOnly)
                {
                    return null;
                }
                PreparedImage rowsThere = PrepareCore(ImageIntegrity.BmpWithRows(data, claimRows, rle: true)!, name, options);
                rowsThere.Warnings = warnings.Concat(rowsThere.Warnings).ToList();
                return rowsThere;
            }

            if (format == ImageFormat.Bmp && (ContainerHeaders.BmpAlphaMaskSkiaIgnores(data) || ContainerHeaders.BmpPaletteSkiaRefuses(data)))
            {
                // Skia would drop this BMP's alpha channel, or refuses its palette shorter than its bit depth can index
                // (an OS/2 1.x BMP's, whose header has no colour count); ImageMagick reads both. ImageMagick refuses a cut BMP as a bad
                // header: its rows are counted as the Skia path counts them, and those in the file are read alone.
                int rowsThere = ImageIntegrity.BmpRowsInFile(data, out int cutHeight, out bool cutBottomUp, out string? cutRle);
                if (rowsThere >= 0)
                {
                    (string cutDamage, string cutEffect) = BmpCut(name, format, rowsThere, cutHeight, cutBottomUp, cutRle);
                    RefuseOrWarn(cutDamage, null, cutEffect, name, format, options, warnings);
                }
                if (decideOnly)
                {
                    return null;
                }
                // A short palette is padded to the full one ImageMagick reads too (else a small image's pixels end before it).
                return PrepareWithMagick(ContainerHeaders.BmpWithFullPalette(data), name, format, options, warnings, rowsThere, damageFound: rowsThere >= 0);
            }

            using SkiaSource source = ImageProbe.OpenSkia(data, name, format);
            SKCodec codec = source.Codec;
            // The container's header is read once a prepare (a hostile APNG's frame walk can be long).
            ImageHeader header = ImageProbe.HeaderFromSkia(codec, data, format, declared);
            ImageProbe.CheckDeclared(header, options.Budget, name);
            if (header.IccProfileProblem is string iccProblem)
            {
                warnings.Add($"'{name}' ({ImageProcessingException.FormatName(format)}) has a colour profile (ICC) that cannot be read: {iccProblem}. " +
                    "Its colours are sent as stored, without colour conversion.");
            }

            // Then the structure (chunk CRCs, size fields, block lengths): cheap, and a damaged file is refused before
            // its pixels are decoded, unless the caller asked for the part that decodes.
            string? damage = ImageIntegrity.CheckStructure(format, data, jpegEnd, format == ImageFormat.Png ? declared : null);

            (int tw, int th) = TargetSize(header.DisplayWidth, header.DisplayHeight, options);
            PreparePolicy.CheckOutputSize(tw, th, options, name, format);
            JpegScanDamage? scanDamage = null;
            string? damageEffect = null;
            if (damage is null && format == ImageFormat.Png && declared?.ApngFramesMissing == true)
            {
                damage = ApngMissingFrames(declared);
                damageEffect = declared.ApngDefaultImageHidden ? DefaultImageEffect : LaterFramesEffect;
            }
            bool passCandidate = damage is null && PreparePolicy.CanPassThrough(header, codec, data, icc, options);
            SKBitmap? decoded = null;
            if (passCandidate)
            {
                // The original bytes go out only when the whole file is known to decode. When the header declares alpha
                // (a PNG's colour type 4/6 or tRNS, a GIF's transparent index, a WebP's alpha), the pixels decide: only
                // a picture some pixel of which is not fully opaque passes through with it; an all-opaque one is
                // re-encoded without alpha by the usual rule. A PNG's samples are read while its stream is proven (it
                // stops at the first pixel that is not opaque); a GIF or WebP is decoded whole, the proof and the pixels
                // the re-encode starts from. A PNG whose tRNS the scan cannot read as libpng does is decoded as those are.
                bool declaresAlpha = codec.Info.AlphaType != SKAlphaType.Opaque;
                PngAlphaScan? alphaScan = declaresAlpha && format == ImageFormat.Png ? PngAlphaScan.For(data, header) : null;
                damage = declaresAlpha && format != ImageFormat.Png && DecodesWhole(codec, header, options, name, out decoded)
                    ? null : VerifyWhole(data, header, codec, name, out scanDamage, alphaScan);
                if (damage is null && declaresAlpha && format == ImageFormat.Png && alphaScan is null)
                {
                    DecodesWhole(codec, header, options, name, out decoded);
                }
                if (decoded is not null && PixelAlpha.AnyTranslucent(decoded))
                {
                    decoded.Dispose();
                    decoded = null;
                }
                bool opaqueAlpha = decoded is not null || alphaScan is { Translucent: false };
                if (damage is not null && format == ImageFormat.WebP)
                {
                    damage = SkiaDecoder.AlphaAtFault(data) ?? damage;
                }
                if (damage is null && !opaqueAlpha)
                {
                    // Bytes after the image's end (padding, an appended file or video) are not sent, nor a PNG's
                    // bulky metadata (an embedded workflow, an editor's history): its pixels and colour stay as they are.
                    byte[] image = ImageIntegrity.WithoutTrailingData(format, data, jpegEnd);
                    if (format == ImageFormat.Png)
                    {
                        image = PngMetadata.WithoutBulkyMetadata(image);
                    }
                    return ImageRenderer.Finish(new PreparedImage(name, image, header.Mime!, header.DisplayWidth, header.DisplayHeight)
                    {
                        Action = PrepareAction.Pass,
                    }, header, 1, warnings, options);
                }
                if (damage is not null && !options.AllowPartial)
                {
                    throw scanDamage?.Refuse(name) ?? ImageProcessingException.Damaged(name, format, damage);
                }
            }
            if (decideOnly && (damage is null || options.AllowPartial))
            {
                // Re-encoded: what a re-encode finds is no part of the verdict. Damage found already is refused below,
                // after the decode that says how much of the picture it costs, as preparing refuses it.
                decoded?.Dispose();
                return null;
            }
            if (damage is null && !passCandidate && format == ImageFormat.Png && ImageIntegrity.PngPaletteShort(data, header))
            {
                // A pixel naming a colour the palette lacks gets whatever colour its decoder picks: only the pixels
                // tell, so a palette with fewer colours than its bit depth can index costs one inflate of the stream.
                damage = ImageIntegrity.PngChunks(data, out List<(int Offset, int Length)> idat, checkCrc: false)
                    ?? ImageIntegrity.PngPixelStream(data, header, idat, out _);
                if (damage is not null && !options.AllowPartial)
                {
                    throw ImageProcessingException.Damaged(name, format, damage);
                }
            }
            if (damage is not null && damage.IndexOf(ImageIntegrity.PaletteLacks, StringComparison.Ordinal) >= 0)
            {
                damageEffect = PaletteLacksEffect;
            }
            if (header.IsAnimated && format == ImageFormat.WebP && damage is null)
            {
                damage = LaterWebPFrames(data, header.FrameCount, name, options, warnings);
                damageEffect = damage is null ? null : LaterFramesEffect;
            }
            if ((header.IsAnimated || header.ApngDefaultImageHidden) && format == ImageFormat.Png && damage is null)
            {
                damage = LaterApngFrames(data, header, name, options, warnings);
                damageEffect = damage is null ? null : header.ApngDefaultImageHidden ? DefaultImageEffect : LaterFramesEffect;
            }
            if (header.IsAnimated || header.ApngDefaultImageHidden)
            {
                warnings.Add(AnimationWarning(name, declared?.ApngNoFrames == true ? 0 : header.FrameCount, header.ApngDefaultImageHidden, declared?.ApngDeclaredFrames));
            }

            int orientation = header.Orientation;
            (int stw, int sth) = orientation >= 5 ? (th, tw) : (tw, th);
            SKSizeI decodeSize = SkiaDecoder.ChooseDecodeSize(codec, header, stw, sth);
            bool alpha = codec.Info.AlphaType != SKAlphaType.Opaque;
            DecodeDamage? partial = null;
            if (damage is null && !passCandidate && format == ImageFormat.Jpeg)
            {
                // A JPEG that is re-encoded anyway gets the cheap marker check first.
                damage = JpegMarkers.Check(data);
                damageEffect = damage is null ? null : MarkerDamageEffect;
                // Then libjpeg's scan check (Skia reads past a bit flip or a lost stretch of data silently: grey or
                // shifted blocks). libjpeg-turbo decodes the file itself, the check and the decode in one pass.
                // Where it cannot (CMYK, a grey file with a profile, a profile Skia cannot express), a sequential
                // JPEG's scans are checked before Skia decodes it, and a progressive one keeps the marker check: its
                // Huffman data is nearly all of its decode, so a separate check would double it.
                if (damage is null)
                {
                    decoded = DecodeWithLibjpeg(data, header, icc, jpegIccWhole, SkiaDecoder.ChooseLibjpegDecodeSize(codec, header, stw, sth), options.Budget, name, out scanDamage);
                    if (decoded is null && scanDamage is null && !header.IsProgressive)
                    {
                        JpegScanCheck.TryCheck(data, header, out scanDamage);
                    }
                    if (scanDamage is not null)
                    {
                        if (!options.AllowPartial)
                        {
                            decoded?.Dispose();
                            throw scanDamage.Refuse(name);
                        }
                        damage = scanDamage.Problem;
                    }
                }
            }
            // libwebp decodes a lossy image's transparency with its colour rows, and gives up on both when the ALPH chunk
            // is corrupt: the colour, which decodes whole, is the part that decodes.
            bool alphaFault = damage == SkiaDecoder.DamagedAlpha;
            try
            {
                if (!alphaFault)
                {
                    decoded ??= SkiaDecoder.Decode(codec, header, decodeSize, alpha, options.Budget, name, out partial);
                }
            }
            catch (ImageProcessingException ex) when (format == ImageFormat.WebP && alpha && !header.IsAnimated
                && (ex.Reason == ImageErrorReason.Damaged || ex.Reason == ImageErrorReason.DecodeFailed)
                && SkiaDecoder.AlphaAtFault(data) is not null)
            {
                alphaFault = true;
            }
            catch (ImageProcessingException ex) when (damage is not null
                && (ex.Reason == ImageErrorReason.Damaged || ex.Reason == ImageErrorReason.DecodeFailed))
            {
                // The structural finding is why the decoder gave up: say that, not the decoder's bare verdict.
                throw ImageProcessingException.DamagedBeyondUse(name, format, damage + "; no row of pixels decodes");
            }
            if (partial is not null && format == ImageFormat.WebP && alpha && !header.IsAnimated && SkiaDecoder.AlphaAtFault(data) is not null)
            {
                decoded!.Dispose();
                (decoded, partial, alphaFault) = (null, null, true);
            }
            if (alphaFault)
            {
                if (!options.AllowPartial)
                {
                    throw ImageProcessingException.Damaged(name, format, SkiaDecoder.DamagedAlpha);
                }
                damage = SkiaDecoder.DamagedAlpha;
                damageEffect = "Its transparency is lost: the image is sent opaque, with all of its colour.";
                alpha = false;
                using SkiaSource colour = ImageProbe.OpenSkia(SkiaDecoder.ColourOnly(data)!, name, format);
                decoded = SkiaDecoder.Decode(colour.Codec, header, decodeSize, alpha, options.Budget, name, out partial);
            }
            using SKBitmap owned = decoded!;
            SKBitmap pixels = owned;
            if (format == ImageFormat.Png && (partial is not null || damage is not null))
            {
                // Skia knows only that libpng stopped: the stream check says why (a bad Adler-32 is not a file cut short).
                damage ??= ImageIntegrity.PngChunks(data, out List<(int Offset, int Length)> idat, checkCrc: false)
                    ?? ImageIntegrity.PngPixelStream(data, header, idat, out _);
                if (header.IsProgressive)
                {
                    // Skia's row count means nothing for an interlaced image: what is missing is spread over all of its rows.
                    double share = ImageIntegrity.PngPixelShare(data, header);
                    // A palette that lacks colours its pixels name: the stream may decode whole, but those pixels changed.
                    bool paletteLacks = damage is not null && damage.IndexOf(ImageIntegrity.PaletteLacks, StringComparison.Ordinal) >= 0;
                    damageEffect = paletteLacks && share >= 1 ? PaletteLacksEffect
                        : share < 0 ? "How much is missing is not known; the pixels that did not decode are sent with wrong values."
                        : share >= 1 ? "All of its pixels decoded, so the image is sent whole."
                        : $"The image is interlaced, so what is missing is spread over the whole picture: about {Math.Ceiling((1 - share) * 100):0}% of its pixels did not decode and are sent with wrong values.";
                    damage ??= "its interlaced pixel data does not decode completely";
                    partial = null;
                }
            }
            if (format == ImageFormat.Gif && (partial is not null || damage is not null))
            {
                // Skia's row count for a GIF is not what decoded (it repeats an interlaced frame's rows, and counts rows it
                // did not reach): the first frame's LZW data says how much of the image sent is real.
                double share = ImageIntegrity.GifFirstFrameShare(data, out bool interlaced, out int frameHeight);
                if (share >= 0)
                {
                    damageEffect = share >= 1 ? "Its first frame, the one sent, decoded whole."
                        : interlaced
                            ? $"Its first frame is interlaced, so what is missing is spread over the whole picture: about {Math.Ceiling((1 - share) * 100):0}% of its pixels did not decode and are sent with wrong values."
                            : $"Only {(int)(share * frameHeight)} of the {frameHeight} rows of its first frame decoded; the rest ({Math.Ceiling((1 - share) * 100):0}% of the frame) is sent blank.";
                    damage ??= partial?.Describe(header);
                    partial = null;
                }
            }
            if (format == ImageFormat.Bmp && (partial is not null || damage is not null)
                && ImageIntegrity.BmpRowsInFile(data, out int bmpHeight, out bool bottomUp, out string? rle) is int bmpRows and >= 0)
            {
                // Skia cannot count a cut BMP's rows (nor says which end they are), and calls an RLE stream that leaves
                // its row "incomplete" as if the file were cut: the pixel data says, in the order the file stores them
                // (most BMPs from the bottom up, so what is there is the bottom of the picture).
                (damage, damageEffect) = BmpCut(name, format, bmpRows, bmpHeight, bottomUp, rle);
                partial = null;
            }
            if (format == ImageFormat.Jpeg && damage == ImageIntegrity.JpegTruncated)
            {
                // Skia cannot tell how much of a cut JPEG decoded (libjpeg fills the rest in): the scans say.
                damageEffect = JpegTruncationEffect(data, header);
                if (damageEffect is null && header.IsProgressive)
                {
                    // Cut inside its first scan: no scan is whole. libjpeg gives a black picture for most such cuts (a
                    // coarse one only for a cut near the scan's end): a black one is no part of the image.
                    if (AllBlack(pixels))
                    {
                        throw ImageProcessingException.DamagedBeyondUse(name, format,
                            "the file ends inside its first scan, before any whole scan of the picture: it decodes to nothing but black");
                    }
                    damageEffect = "It was cut in its first scan, before any whole scan: what is sent is at most a coarse, blocky version of the picture, and part of it may be black.";
                }
                if (damageEffect is null && partial is null)
                {
                    // Nothing tells how much is in the file (a structure the row walker does not follow): never 'sent whole'.
                    damageEffect = "How much of the picture is missing is not known.";
                }
                partial = damageEffect is null ? partial : null;
            }
            if (partial is not null || damage is not null)
            {
                // Say what is wrong (the structural finding first) and how much decoded.
                int rows = partial?.SourceRows(header) ?? header.Height;
                string what = damage is null ? partial!.Describe(header)
                    : partial is not null && rows >= 0 && rows < header.Height && damage.IndexOf(" row ", StringComparison.Ordinal) < 0
                        ? $"{damage}; only {rows} of {header.Height} rows decode"
                    : damage;
                if (!options.AllowPartial)
                {
                    throw ImageProcessingException.Damaged(name, format, what);
                }
                warnings.Add(DamagedWarning(name, format, what,
                    partial?.Missing(header) ?? scanDamage?.Effect ?? damageEffect ?? "All of its pixels decoded, so the image is sent whole."));
            }
            if (decideOnly)
            {
                return null;
            }
            if (alpha && header.Format == ImageFormat.Bmp && PixelAlpha.AllTransparent(pixels))
            {
                // A BMP alpha mask whose every value is 0 (writers that never fill it): opaque, as browsers show it.
                PixelAlpha.MakeOpaque(pixels);
                alpha = false;
            }
            else if (alpha && header.Format == ImageFormat.Ico && PixelAlpha.AllTransparent(pixels)
                && IconMask.TryApply(data, pixels, out bool masked))
            {
                // A 32-bit icon whose alpha bytes are all 0 (writers that fill only the AND mask): shown through its mask.
                alpha = masked;
            }
            // Decoders report an alpha channel that no pixel may use: judge from the pixels.
            alpha = alpha && PixelAlpha.AnyTranslucent(pixels);
            return ImageRenderer.Render(pixels, alpha, orientation, tw, th, header, name, warnings, options);
        }

        /// <summary>
        /// A BMP whose header claims more rows than the file holds, at a size no decoder here opens (Skia's BMP reader
        /// stops below 65536 px a side) or the budget refuses: that claim is the damage, not the picture's size (a few
        /// kilobytes that declare two million rows were "could not be decoded" or "too large"). What is wrong, its rows
        /// counted as <see cref="BmpCut"/> counts them (none throws), and what sending the rows there does; null for any
        /// other file.
        /// </summary>
        internal static string? BmpClaimPastItsRows(byte[] data, ImageBudget budget, string name, out int rowsSent, out string effect)
        {
            effect = string.Empty;
            int rows = ImageIntegrity.BmpRowsInFile(data, out int height, out bool bottomUp, out string? rle);
            rowsSent = rows;
            long width = rows < 0 ? 0 : BitConverter.ToInt32(data, 18);
            if (rows < 0 || (width < SkiaBmpMaxSide && height < SkiaBmpMaxSide && width <= budget.MaxDimension
                && height <= budget.MaxDimension && width * height <= budget.MaxSourcePixels))
            {
                return null;
            }
            // Rows too wide to decode at all are no part to send: too large, as any picture that wide is.
            int maxSide = Math.Min(SkiaBmpMaxSide - 1, budget.MaxDimension);
            if (width > maxSide || width > budget.MaxSourcePixels)
            {
                throw ImageProcessingException.TooLarge(name, ImageFormat.Bmp, $"its header declares {width}x{height} pixels, and a picture {width} px wide is past what is decoded here " +
                    (width > maxSide ? $"(at most {maxSide} px a side)" : $"(the budget allows {budget.MaxSourcePixels / 1e6:0.#} megapixels)"));
            }
            (string damage, _) = BmpCut(name, ImageFormat.Bmp, rows, height, bottomUp, rle);
            (string there, string order) = bottomUp ? ("bottom", "a BMP stores its rows from the bottom up") : ("top", "this BMP stores its rows from the top down");
            // The rows there may be past what decodes themselves (an RLE stream's delta escapes jump thousands of rows in
            // a few bytes): the first stored ones that decode are sent.
            rowsSent = (int)Math.Min(rows, Math.Min(maxSide, budget.MaxSourcePixels / width));
            effect = $"Only the {there} {rows} of its {height} rows {(rle is null ? "are in the file" : "decoded")} ({order}); " +
                $"a {width}x{height} picture is past what is decoded here, so " + (rowsSent == rows
                    ? $"those {rows} rows are sent alone, as a {width}x{rows} picture."
                    : $"the {there} {rowsSent} of them are sent alone, as a {width}x{rowsSent} picture (the most rows decoded here at that width).");
            return $"{damage} (its header declares {width}x{height} pixels)";
        }

        /// <summary>Skia's BMP reader refuses a side of this many pixels or more.</summary>
        private const int SkiaBmpMaxSide = 1 << 16;

        /// <summary>
        /// What is wrong with a BMP cut short of its rows (<see cref="ImageIntegrity.BmpRowsInFile"/>: <paramref name="rows"/>
        /// of <paramref name="height"/> are in the file, or decode before its RLE data turns corrupt, <paramref name="rle"/> saying how) and what that does to the picture, in the order the file stores
        /// its rows (most BMPs from the bottom up, so what is there is the bottom of the picture). No whole row throws
        /// <see cref="ImageErrorReason.Damaged"/> without offering -AllowPartial.
        /// </summary>
        private static (string Damage, string Effect) BmpCut(string name, ImageFormat format, int rows, int height, bool bottomUp, string? rle)
        {
            if (rows == 0)
            {
                throw ImageProcessingException.DamagedBeyondUse(name, format,
                    rle is null ? "the file ends before the first whole row of its pixels" : $"its RLE-compressed pixel data is corrupt: {rle}");
            }
            int gone = height - rows;
            (string there, string lost) = bottomUp ? ("bottom", "top") : ("top", "bottom");
            return (rle is null ? $"the file ends before all of its pixels: only {rows} of its {height} rows are in it"
                    : $"its RLE-compressed pixel data is corrupt: {rle}",
                $"Only the {there} {rows} of its {height} rows {(rle is null ? "are in the file" : "decoded")} ({(bottomUp ? "a BMP stores its rows from the bottom up" : "this BMP stores its rows from the top down")}); " +
                $"the {lost} {gone} ({gone * 100.0 / height:0.#}% of the image) are sent blank.");
        }

        /// <summary>
        /// A JPEG that is re-encoded, decoded by libjpeg-turbo at <paramref name="size"/> (one of its DCT scales) with its
        /// scans checked in the same pass (<paramref name="damage"/>: what is wrong, if anything); the pixels in 8-bit
        /// sRGB, or null for Skia to decode: a CMYK or YCCK file, a grey one with a profile, an RGB profile Skia cannot
        /// express as a colour space or reads through a table, profile segments Skia ignores, or no pixels from libjpeg here (a fatal error, when <paramref name="damage"/> says
        /// what). Magick.NET's libjpeg-turbo is also the faster decoder here: its SIMD colour conversion and inverse DCT
        /// against Skia's portable build, and one pass over the Huffman data instead of a check and a decode.
        /// </summary>
        private static SKBitmap? DecodeWithLibjpeg(byte[] data, ImageHeader header, byte[]? icc, bool iccWhole, SKSizeI size,
            ImageBudget budget, string name, out JpegScanDamage? damage)
        {
            damage = null;
            // The profile as Skia's codec reads it (icc: wherever its segments sit before the scan), and only when they
            // are numbered whole. One Skia would ignore, or read through a table (A2B) rather than its matrix, stays with Skia.
            if (!iccWhole || header.ColorType is not (ImageColorType.YCbCr or ImageColorType.Gray)
                || (icc is not null && (header.ColorType == ImageColorType.Gray || icc.Length < 20
                    || icc[16] != (byte)'R' || icc[17] != (byte)'G' || icc[18] != (byte)'B' || ContainerHeaders.IccHasTag(icc, "A2B"))))
            {
                return null;
            }
            // The embedded profile, converted as Skia's codec converts it (libjpeg hands the samples over unconverted).
            SKColorSpace? source = icc is null ? null : SkiaDecoder.IccColorSpace(icc);
            if (icc is not null && source is null)
            {
                return null;
            }
            if (source is not null && PreparePolicy.IsSrgbCurveAndPrimaries(source))
            {
                // Only sRGB itself is left alone: a 2.2 power curve with sRGB's primaries may pass through unchanged, but
                // a decode is converted as a colour-managed viewer shows it.
                source = null;
            }
            SkiaDecoder.CheckDecodeCost(header, size, budget, name);
            SKBitmap bitmap = SkiaDecoder.RentOpaque(size, source is null, header, name);
            bool decoded;
            try
            {
                decoded = JpegScanCheck.TryDecode(data, size.Width, size.Height, bitmap.GetPixels(), bitmap.RowBytes, out damage);
            }
            catch
            {
                bitmap.Dispose();
                throw;
            }
            if (!decoded)
            {
                bitmap.Dispose();
                return null;
            }
            return source is null ? bitmap : SkiaDecoder.ConvertToSrgb(bitmap, source, false, header, name);
        }

        /// <summary>
        /// The most grid tiles read alone to check flat cells. Every tile under a flat cell of a phone's photo is read:
        /// a 12 MP HEIC is a grid of 48 tiles of 512x512, a 48 MP one 192, so 256 covers them. The cost stays bounded: a
        /// tile is a small image of its own (the tiles read decode at most the picture's pixels once more), one copy of
        /// the file serves all of them, and a hostile grid of thousands of tiny tiles (up to 256x256) stops here.
        /// </summary>
        internal const int MaxTilesChecked = 256;

        /// <summary>
        /// The most work the grid check does, as tiles read times the file's bytes: each tile read hands ImageMagick and
        /// libheif the whole file to copy and parse. 2 GiB lets a 48 MP phone photo (192 tiles, about 10 MB) be read
        /// whole; a large HEIC with wide flat areas stops sooner (a 100 MiB one after 20 tiles) instead of taking minutes.
        /// </summary>
        internal const long MaxTileCheckBytes = 2L * 1024 * 1024 * 1024;

        /// <summary>How many tiles under flat areas are read alone for a file of <paramref name="fileBytes"/>: at most <see cref="MaxTilesChecked"/>, within <see cref="MaxTileCheckBytes"/> of work, and at least 8.</summary>
        internal static int TilesToCheck(long fileBytes) =>
            (int)Math.Min(Math.Max(MaxTileCheckBytes / Math.Max(1, fileBytes), 8), MaxTilesChecked);

        /// <summary>
        /// The grid tiles (0-based, distinct, in the order found) that may lie under a tile-sized block of the decoded
        /// picture that is one flat colour, the cells laid from either corner with the tiles either way round (the
        /// picture may have been turned or mirrored after the grid was put together, so each flat cell names the tiles
        /// every turn or mirror could have put there). At most <paramref name="limit"/> + 1 are returned, so that the
        /// caller can tell the list was cut short. Cut-off cells at the edges smaller than 8 pixels either way are passed
        /// over. Stops at the first pixel that differs in each cell: a photograph costs a few reads per cell.
        /// </summary>
        internal static unsafe List<int> FlatTileCandidates(SKBitmap bitmap, HeifBoxes.Grid grid, int limit = MaxTilesChecked)
        {
            var found = new List<int>();
            if (bitmap.BytesPerPixel != 4)
            {
                return found;
            }
            int width = bitmap.Width, height = bitmap.Height;
            long columns = grid.Columns, rows = grid.Rows;
            byte* pixels = (byte*)bitmap.GetPixels();
            void Add(long column, long row)
            {
                if (column >= 0 && column < columns && row >= 0 && row < rows && found.Count <= limit
                    && !found.Contains((int)((row * columns) + column)))
                {
                    found.Add((int)((row * columns) + column));
                }
            }
            foreach (bool turned in new[] { false, true })
            {
                (long tw, long th) = turned ? (grid.TileHeight, grid.TileWidth) : (grid.TileWidth, grid.TileHeight);
                foreach (bool fromEnd in new[] { false, true })
                {
                    for (long top = 0, cy = 0; top < height; top += th, cy++)
                    {
                        for (long left = 0, cx = 0; left < width; left += tw, cx++)
                        {
                            // From the far corner, the cells are counted back from the right and bottom edges.
                            long x0 = fromEnd ? Math.Max(0, width - left - tw) : left, x1 = fromEnd ? width - left : Math.Min(width, left + tw);
                            long y0 = fromEnd ? Math.Max(0, height - top - th) : top, y1 = fromEnd ? height - top : Math.Min(height, top + th);
                            if (x1 - x0 >= 8 && y1 - y0 >= 8 && Flat(pixels, bitmap.RowBytes, x0, x1, y0, y1))
                            {
                                // Counted from either edge, a mirror in either direction: the cell's column is cx or
                                // its mirror image; turned a quarter, the picture's columns are the grid's rows.
                                (long a, long b, long na, long nb) = turned ? (cy, cx, columns, rows) : (cx, cy, columns, rows);
                                if (fromEnd)
                                {
                                    (a, b) = (na - 1 - a, nb - 1 - b);
                                }
                                Add(a, b);
                                Add(na - 1 - a, b);
                                Add(a, nb - 1 - b);
                                Add(na - 1 - a, nb - 1 - b);
                                if (found.Count > limit)
                                {
                                    return found;
                                }
                            }
                        }
                    }
                }
            }
            return found;
        }

        private static unsafe bool Flat(byte* pixels, int rowBytes, long x0, long x1, long y0, long y1)
        {
            uint first = *(uint*)(pixels + (y0 * rowBytes) + (x0 * 4));
            for (long y = y0; y < y1; y++)
            {
                uint* row = (uint*)(pixels + (y * rowBytes));
                for (long x = x0; x < x1; x++)
                {
                    if (row[x] != first)
                    {
                        return false;
                    }
                }
            }
            return true;
        }

        /// <summary>True when every pixel of a 32-bit bitmap is black (its colour bytes all zero).</summary>
        private static unsafe bool AllBlack(SKBitmap bitmap)
        {
            if (bitmap.BytesPerPixel != 4)
            {
                return false;
            }
            byte* row = (byte*)bitmap.GetPixels();
            for (int y = 0; y < bitmap.Height; y++, row += bitmap.RowBytes)
            {
                uint* p = (uint*)row;
                for (int x = 0; x < bitmap.Width; x++)
                {
                    if ((p[x] & 0x00FFFFFFu) != 0)
                    {
                        return false;
                    }
                }
            }
            return true;
        }

        /// <summary>
        /// How much of a JPEG cut before its EOI marker is in the file, for the warning: a sequential one's complete rows
        /// (<see cref="JpegMcuRows"/>; libjpeg fills the blocks after the cut with the last one's flat colour), a
        /// progressive one's whole scans (each refines the whole picture). Null when it cannot be told, and for a
        /// progressive one cut in its first scan (the caller looks at what decoded).
        /// </summary>
        private static string? JpegTruncationEffect(byte[] data, ImageHeader header)
        {
            if (header.IsProgressive)
            {
                JpegMarkers.EndOfImage(data, out int scans);
                return scans > 1
                    ? $"It was cut in scan {scans}, after {scans - 1} whole scan{(scans == 2 ? "" : "s")}: the picture is sent with less detail (or colour) than the complete file holds."
                    : null; // cut in its first scan: the caller judges by the pixels
            }
            int rows = JpegMcuRows.CompleteRows(data);
            if (rows < 0)
            {
                return null;
            }
            if (rows >= header.Height)
            {
                return "All of its blocks are in the file (only the end of the file is missing), so the image is sent whole.";
            }
            int missing = header.Height - rows;
            if (header.Orientation is 1 or 2)
            {
                return $"Only about {rows} of its {header.Height} rows are in the file; the other {missing} ({missing * 100.0 / header.Height:0.#}% of the image) are sent as a flat fill of one colour.";
            }
            // The rows are counted as stored: say which part of the picture as shown (turned by its EXIF orientation) they make.
            (string side, string lines) = ExifOrientation.FirstRowsShownAt(header.Orientation);
            return $"Only about the {side} {rows} of its {header.Height} {lines} (as the picture is shown, turned by its EXIF orientation) are in the file; " +
                $"the other {missing} ({missing * 100.0 / header.Height:0.#}% of the image) are sent as a flat fill of one colour.";
        }

        /// <summary>
        /// An animated WebP's frames after the first (only the first is sent, but a file is whole only when every frame
        /// decodes, as a GIF's LZW walk proves): what is wrong, or null; frames past the decode budget are named in a warning.
        /// </summary>
        private static string? LaterWebPFrames(byte[] data, int frameCount, string name, PrepareOptions options, List<string> warnings)
        {
            string? damage = SkiaDecoder.VerifyLaterWebPFrames(data, options.Budget, out int firstUnchecked);
            if (firstUnchecked > 0)
            {
                warnings.Add($"'{name}': frames {firstUnchecked} to {frameCount} of its animation were not checked for damage " +
                    $"(decoding them as well would take more than the {options.Budget.MaxDecodedPixels / 1e6:0.#}-megapixel decode budget).");
            }
            return damage;
        }

        /// <summary>
        /// An APNG's frames in fdAT chunks (<see cref="ImageIntegrity.ApngFrames"/>): what is wrong, or null; frames past
        /// the decode budget are named in a warning. The default image (the IDAT) is checked as a still PNG's is.
        /// </summary>
        private static string? LaterApngFrames(byte[] data, ImageHeader header, string name, PrepareOptions options, List<string> warnings)
        {
            string? damage = ImageIntegrity.ApngFrames(data, header, options.Budget.MaxDecodedPixels, out int firstUnchecked);
            if (firstUnchecked > header.FrameCount)
            {
                // Past the frame cap (ContainerHeaders caps the count at it too): the frames after it are not walked.
                warnings.Add($"'{name}': the frames of its animation after frame {firstUnchecked - 1} were not checked for damage " +
                    $"(at most {ImageIntegrity.MaxApngFrames} frames are).");
            }
            else if (firstUnchecked > 0)
            {
                warnings.Add($"'{name}': frames {firstUnchecked} to {header.FrameCount} of its animation were not checked for damage " +
                    $"(inflating them as well would take more than the {options.Budget.MaxDecodedPixels / 1e6:0.#}-megapixel decode budget).");
            }
            return damage;
        }

        /// <summary>
        /// The most scans a JPEG may have (<see cref="ImageProcessingException.TooManyScans"/>): well above any encoder's
        /// (jpeg_simple_progression writes 10, mozjpeg's scan optimisation a few dozen), below ImageMagick's own limit of 1023,
        /// whose refusal names no count.
        /// </summary>
        internal const int MaxJpegScans = 1000;

        private const string MissingDataEffect =
            "What lies past the end of the file did not decode and is sent as the decoder filled it (a flat colour).";

        /// <summary>
        /// What is wrong with an APNG, complete to its IEND, whose acTL declares more frames than it holds
        /// (<see cref="ImageHeader.ApngFramesMissing"/>): frames were cut or edited out. Damage like a cut file's, though
        /// the frame sent is whole: the file is not what it says it is, and -AllowPartial is how a user says to send it.
        /// </summary>
        private static string ApngMissingFrames(ImageHeader header)
        {
            int declared = header.ApngDeclaredFrames ?? header.FrameCount, held = header.ApngFramesHeld;
            int gone = declared - held;
            return $"its acTL chunk declares {declared} animation frame{(declared == 1 ? "" : "s")}, but the file holds {held}: {gone} {(gone == 1 ? "is" : "are")} missing (cut or edited out)";
        }

        private const string LaterFramesEffect = "Its first frame, the one sent, decoded whole.";

        /// <summary>What is sent of a palette PNG whose pixels name colours its palette lacks (Skia's PNG codec pads the palette so).</summary>
        private const string PaletteLacksEffect = "Its pixels that name a missing colour are sent in the palette's last colour; the others are sent as they are.";

        private const string DefaultImageEffect = "Its default image, the one sent, decoded whole.";

        private const string MarkerDamageEffect =
            "The blocks around the damage may be wrong, missing or shifted; how much of the image is affected is not known.";

        /// <summary>The warning a damaged image sent under <see cref="PrepareOptions.AllowPartial"/> gets.</summary>
        private static string DamagedWarning(string name, ImageFormat format, string what, string effect) =>
            $"'{name}' ({ImageProcessingException.FormatName(format)}) is damaged: {MessageText.Clause(what)}. " + effect;

        /// <summary>
        /// The warning an animation gets: only its first frame is sent; for an APNG whose default image is no frame
        /// (<paramref name="hiddenDefault"/>), that default image, which is what is decoded. <paramref name="declaredFrames"/>:
        /// an APNG's acTL count when its fcTL chunks hold more frames (<see cref="ImageHeader.ApngDeclaredFrames"/>), else null.
        /// </summary>
        private static string AnimationWarning(string name, int frames, bool hiddenDefault = false, int? declaredFrames = null)
        {
            string held = declaredFrames is not null ? $" (its acTL chunk declares {declaredFrames}, but its frame chunks hold {frames})" : "";
            return hiddenDefault
                ? $"'{name}' is an animated PNG whose default image is not one of its {frames} animation frame{(frames == 1 ? "" : "s")}{held}; " +
                  "the API takes still images, so the default image is sent (what a viewer that does not animate shows), not the animation's first frame."
                : $"'{name}' is an animation of {frames} frames{held}; the API takes still images, so only the first frame is sent.";
        }

        /// <summary>
        /// What <see cref="CheckBeforeLcms"/> found (<paramref name="broken"/>, or null) for a file ImageMagick decodes:
        /// refused, or under <see cref="PrepareOptions.AllowPartial"/> named in a warning.
        /// </summary>
        private static void RefuseOrWarn(string? broken, JpegScanDamage? scan, string? effect, string name, ImageFormat format,
            PrepareOptions options, List<string> warnings)
        {
            if (broken is null)
            {
                return;
            }
            if (!options.AllowPartial)
            {
                throw scan?.Refuse(name) ?? ImageProcessingException.Damaged(name, format, broken);
            }
            warnings.Add(DamagedWarning(name, format, broken,
                effect ?? "The decoder read past the damage as best it could; how much of the image is affected is not known."));
        }

        /// <summary>
        /// The damage checks the Skia path makes before decoding, for a file lcms or ImageMagick converts: the structure; for a JPEG
        /// the marker check and, for a sequential one, libjpeg's scan check (<paramref name="scan"/> says what it found).
        /// What is wrong, or null; <paramref name="effect"/> says what it does to the pixels, when known.
        /// </summary>
        private static string? CheckBeforeLcms(byte[] data, string name, ImageBudget budget, ImageFormat format, ImageHeader? declared, out JpegScanDamage? scan,
            out string? effect)
        {
            scan = null;
            effect = null;
            string? damage = ImageIntegrity.CheckStructure(format, data, pngHeader: format == ImageFormat.Png ? declared : null);
            if (damage is null && format == ImageFormat.WebP)
            {
                return WebPBeforeLcms(data, name, budget);
            }
            if (damage is not null || format != ImageFormat.Jpeg || declared is null)
            {
                return damage;
            }
            damage = JpegMarkers.Check(data);
            if (damage is not null)
            {
                effect = MarkerDamageEffect;
                return damage;
            }
            if (!declared.IsProgressive && JpegScanCheck.TryCheck(data, declared, out scan) && scan is not null)
            {
                effect = scan.Effect;
                return scan.Problem;
            }
            return null;
        }

        /// <summary>
        /// A WebP's bitstream has no checksum, and ImageMagick's reader decodes past damage libwebp refuses: as the Skia
        /// path proves a WebP by decoding it whole with libwebp, so does the lcms path (an animation's first frame here,
        /// the later ones in <see cref="LaterWebPFrames"/>). What is wrong, or null; nothing decoding at all throws
        /// <see cref="ImageErrorReason.Damaged"/> without offering -AllowPartial, since ImageMagick gets nothing either.
        /// </summary>
        private static string? WebPBeforeLcms(byte[] data, string name, ImageBudget budget)
        {
            using SkiaSource? source = SkiaSource.Open(data, out _);
            if (source is null)
            {
                // libwebp's demuxer refuses the file (a later frame's broken header, say): the frame walk names what is wrong.
                return null;
            }
            ImageHeader header = ImageProbe.HeaderFromSkia(source.Codec, data, ImageFormat.WebP);
            ImageProbe.CheckDeclared(header, budget, name);
            try
            {
                using SKBitmap bitmap = SkiaDecoder.Decode(source.Codec, header, source.Codec.Info.Size,
                    source.Codec.Info.AlphaType != SKAlphaType.Opaque, budget, name, out DecodeDamage? partial);
                return partial is null ? null : SkiaDecoder.AlphaAtFault(data) ?? partial.Describe(header);
            }
            catch (ImageProcessingException ex) when (ex.Reason == ImageErrorReason.Damaged && SkiaDecoder.AlphaAtFault(data) is string alpha)
            {
                return alpha;
            }
        }

        /// <summary>
        /// Whether an ICC profile's data colour space (header bytes 16-19) is the image's: RGB for an RGB or palette PNG,
        /// a 3-component JPEG, WebP and BMP; GRAY for a grey PNG or a 1-component JPEG; CMYK for a 4-component JPEG. A profile
        /// that does not fit (a CMYK profile on an RGB image) is ignored by Skia, and its samples are read as sRGB.
        /// </summary>
        private static bool IccFitsImage(byte[] icc, ImageFormat format, ImageHeader? declared)
        {
            ImageColorType? type = format is ImageFormat.WebP or ImageFormat.Bmp ? ImageColorType.Rgb : declared?.ColorType;
            ReadOnlySpan<byte> wanted = type switch
            {
                ImageColorType.Rgb or ImageColorType.Rgba or ImageColorType.Palette or ImageColorType.YCbCr => "RGB "u8,
                ImageColorType.Gray or ImageColorType.GrayAlpha => "GRAY"u8,
                ImageColorType.Cmyk when format == ImageFormat.Jpeg => "CMYK"u8,
                _ => default,
            };
            return !wanted.IsEmpty && icc.Length >= 20 && icc.AsSpan(16, 4).SequenceEqual(wanted);
        }

        /// <summary>
        /// Decodes a pass-through candidate whole, as the re-encode would: true with the pixels when nothing is missing;
        /// false (no pixels) when the decode finds damage, for <see cref="VerifyWhole"/> to say what.
        /// </summary>
        private static bool DecodesWhole(SKCodec codec, ImageHeader header, PrepareOptions options, string name, out SKBitmap? pixels)
        {
            pixels = null;
            try
            {
                SKBitmap bitmap = SkiaDecoder.Decode(codec, header, codec.Info.Size, true, options.Budget, name, out DecodeDamage? partial);
                if (partial is not null)
                {
                    bitmap.Dispose();
                    return false;
                }
                pixels = bitmap;
                return true;
            }
            catch (ImageProcessingException ex) when (ex.Reason is ImageErrorReason.Damaged or ImageErrorReason.DecodeFailed)
            {
                return false;
            }
        }

        /// <summary>
        /// Proves a pass-through candidate whole: a PNG's complete zlib stream, a JPEG's scans as libjpeg reads them
        /// (<paramref name="scan"/> says what it found), or a full decode of the others.
        /// </summary>
        private static string? VerifyWhole(byte[] data, ImageHeader header, SKCodec codec, string name, out JpegScanDamage? scan,
            PngAlphaScan? alphaScan = null)
        {
            scan = null;
            if (header.Format == ImageFormat.Jpeg && JpegScanCheck.TryCheck(data, header, out scan))
            {
                return scan?.Problem;
            }
            if (header.Format == ImageFormat.Png)
            {
                // The structure check has proven every chunk's CRC already: only the IDAT list is wanted here.
                string? problem = ImageIntegrity.PngChunks(data, out List<(int Offset, int Length)> idat, checkCrc: false)
                    ?? ImageIntegrity.PngPixelStream(data, header, idat, out _, pixels: alphaScan);
                return problem;
            }
            return SkiaDecoder.VerifyWhole(codec, header, name);
        }

        /// <summary>
        /// Decodes with ImageMagick and renders. <paramref name="damageFound"/>: the caller has already refused or warned
        /// about damage (a HEIF cut inside its tiles), so the flat tiles it leaves are not reported again.
        /// </summary>
        private static PreparedImage PrepareWithMagick(byte[] data, string name, ImageFormat format, PrepareOptions options,
            List<string> warnings, int partialRows = -1, bool damageFound = false)
        {
            using MagickDecoded decoded = MagickCodec.Decode(data, name, format, options.Budget, warnings, partialRows);
            if (format == ImageFormat.Tiff && ImageIntegrity.TiffPageCount(data) is int pages and > 1)
            {
                // As for an animation: say what is left out.
                warnings.Add($"'{name}' is a TIFF of {pages} pages; only its first page is sent (send each page as its own image to include the others).");
            }
            if (!damageFound && format is ImageFormat.Heif or ImageFormat.Avif && HeifBoxes.PrimaryGrid(data) is HeifBoxes.Grid grid
                && TilesToCheck(data.LongLength) is int limit
                && FlatTileCandidates(decoded.Bitmap, grid, limit) is { Count: > 0 } flat
                && MagickCodec.UndecodableTiles(data, format, grid, flat.Take(limit)) is { Count: > 0 } tiles)
            {
                // libheif fills a grid tile it cannot decode with a flat colour and says nothing (a tile cut short is
                // found before decoding, ImageIntegrity.CheckStructure); a flat tile is checked by reading the tiles alone.
                string Place(int t) => $"{t + 1} (row {(t / grid.Columns) + 1}, column {(t % grid.Columns) + 1})";
                string which = tiles.Count == 1 ? "tile " + Place(tiles[0])
                    : "tiles " + string.Join(", ", tiles.Take(tiles.Count - 1).Select(Place)) + " and " + Place(tiles[tiles.Count - 1]);
                // Only the tiles under flat cells are read alone, and at most TilesToCheck of them.
                string stopped = flat.Count > limit
                    ? $" (the check stopped after {limit} of the tiles under flat areas; others may be damaged too)" : string.Empty;
                RefuseOrWarn($"{which} of its {grid.Columns}x{grid.Rows} tile grid {(tiles.Count == 1 ? "does" : "do")} not decode: the coded data is damaged{stopped}",
                    null, $"The decoder filled {(tiles.Count == 1 ? "that tile" : "those tiles")} with one flat colour; the rest of the picture is sent as it decoded.",
                    name, format, options, warnings);
            }
            ImageHeader header = decoded.Header;
            // Magick has applied the orientation already: size the target on the upright pixels.
            (int tw, int th) = TargetSize(decoded.Bitmap.Width, decoded.Bitmap.Height, options);
            PreparedImage image = ImageRenderer.Render(decoded.Bitmap, decoded.HasAlpha, 1, tw, th, header, name, warnings, options);
            image.OrientationApplied = decoded.OrientationApplied;
            return image;
        }
    }
}
