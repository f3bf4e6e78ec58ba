using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Turns an image file into the bytes a vision model should receive.
    /// <para>Policy: the original bytes pass through unchanged when the API accepts the format (PNG, JPEG, WebP, still
    /// GIF), no side exceeds the target size, no EXIF orientation must be applied, the file is complete, not CMYK, not
    /// tagged with a non-sRGB colour profile, and within <see cref="PrepareOptions.MaxBytes"/>. Otherwise the image is
    /// decoded (JPEG and WebP at the smallest scale still at least the target: shrink-on-load), oriented, converted to
    /// 8-bit sRGB, resized (2x box steps then a Catmull-Rom cubic) and encoded (PNG when it has transparency, JPEG
    /// otherwise, unless <see cref="PrepareOptions.Format"/> says).</para>
    /// <para>Target size: the <see cref="PrepareOptions.MaxSide"/> box, further limited by what the model looks at
    /// (<see cref="ModelVision.TargetSize"/>) when <see cref="PrepareOptions.Model"/> is set, or a 512 box for
    /// <c>low</c> detail; sizes follow <see cref="SizeRules.FitWithin"/>.</para>
    /// </summary>
    public static class ImagePreparer
    {
        private static readonly SKColorSpace s_srgb = SKColorSpace.CreateSrgb();

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
            byte[] bytes = ReadFile(path, options.Budget);
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
            byte[] bytes = ReadAll(stream, sourceName, options.Budget.MaxFileBytes);
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
            return RunMany(paths.Select(p => (p, (Func<PreparedImage>)(() => Prepare(p, opts)))), maxParallel, cancellationToken);
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
            return RunMany(images.Select(kv => (kv.Key, (Func<PreparedImage>)(() => Prepare(kv.Value, kv.Key, opts)))),
                maxParallel, cancellationToken);
        }

        private static IEnumerable<PrepareResult> RunMany(IEnumerable<(string Name, Func<PreparedImage> Work)> items,
            int maxParallel, CancellationToken cancellationToken)
        {
            int degree = maxParallel > 0 ? maxParallel : Environment.ProcessorCount;
            // A window twice the decode limit keeps every core busy while the consumer waits on the oldest item;
            // finished results wait in the window, so memory stays bounded by 2 x degree prepared images.
            var window = new Queue<Task<PrepareResult>>();
            using var gate = new SemaphoreSlim(degree, degree);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                int index = 0;
                foreach ((string name, Func<PreparedImage> work) in items)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int i = index++;
                    window.Enqueue(RunOne(i, name, work, gate, stop.Token));
                    if (window.Count >= degree * 2)
                    {
                        yield return Take(window.Dequeue(), cancellationToken);
                    }
                }
                while (window.Count > 0)
                {
                    yield return Take(window.Dequeue(), cancellationToken);
                }
            }
            finally
            {
                stop.Cancel();
                // Let started work finish before the semaphore goes away.
                foreach (Task<PrepareResult> t in window)
                {
                    try
                    {
                        t.Wait();
                    }
                    catch (AggregateException)
                    {
                    }
                }
            }
        }

        private static async Task<PrepareResult> RunOne(int index, string name, Func<PreparedImage> work,
            SemaphoreSlim gate, CancellationToken token)
        {
            await gate.WaitAsync(token).ConfigureAwait(false);
            try
            {
                token.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                try
                {
                    PreparedImage image = await Task.Run(work, token).ConfigureAwait(false);
                    return new PrepareResult(index, name, image, null, sw.Elapsed);
                }
                catch (Exception ex) when (ex is ImageProcessingException || ex is IOException || ex is UnauthorizedAccessException
                    || ex is ArgumentException || ex is NotSupportedException)
                {
                    return new PrepareResult(index, name, null, ex, sw.Elapsed);
                }
            }
            finally
            {
                gate.Release();
            }
        }

        private static PrepareResult Take(Task<PrepareResult> task, CancellationToken cancellationToken)
        {
            try
            {
                task.Wait(cancellationToken);
            }
            catch (AggregateException ex) when (ex.InnerException is OperationCanceledException oce)
            {
                throw oce;
            }
            return task.Result;
        }

        internal static byte[] ReadFile(string path, ImageBudget budget)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long length = stream.Length;
            if (length > budget.MaxFileBytes)
            {
                var head = new byte[64];
                int n = stream.Read(head, 0, head.Length);
                throw ImageProcessingException.TooLarge(path, FormatSniffer.Sniff(head.AsSpan(0, n)),
                    $"the file has {length} bytes, more than the {budget.MaxFileBytes}-byte file budget");
            }
            var bytes = new byte[length];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = stream.Read(bytes, read, bytes.Length - read);
                if (n <= 0)
                {
                    Array.Resize(ref bytes, read);
                    break;
                }
                read += n;
            }
            return bytes;
        }

        internal static byte[] ReadAll(Stream stream, string name, long limit)
        {
            var ms = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (ms.Length + n > limit)
                {
                    throw ImageProcessingException.TooLarge(name, FormatSniffer.Sniff(ms.ToArray()),
                        $"the stream has more than the {limit}-byte file budget");
                }
                ms.Write(buffer, 0, n);
            }
            return ms.ToArray();
        }

        /// <summary>The displayed size a prepared image gets for these options (before any byte-cap shrinking).</summary>
        public static (int Width, int Height) TargetSize(int displayWidth, int displayHeight, PrepareOptions options)
        {
            if (options is null)
            {
                throw new ArgumentNullException(nameof(options));
            }
            (int w, int h) = SizeRules.FitWithin(displayWidth, displayHeight, options.MaxSide, options.MaxSide);
            ModelVision? model = ModelVision.Find(options.Model);
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

        private static PreparedImage PrepareCore(byte[] data, string name, PrepareOptions options)
        {
            ImageFormat format = FormatSniffer.Sniff(data);
            ImageProbe.RejectUndecodable(format, data.Length, name);
            if (MagickCodec.Handles(format))
            {
                return PrepareWithMagick(data, name, format, options);
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

            using SkiaSource source = ImageProbe.OpenSkia(data, name, format);
            SKCodec codec = source.Codec;
            ImageHeader header = ImageProbe.HeaderFromSkia(codec, data, format);
            ImageProbe.CheckDeclared(header, options.Budget, name);

            var warnings = new List<string>();
            (int tw, int th) = TargetSize(header.DisplayWidth, header.DisplayHeight, options);
            if (CanPassThrough(header, codec, data, options))
            {
                return Finish(new PreparedImage(name, data, header.Mime!, header.DisplayWidth, header.DisplayHeight)
                {
                    Action = PrepareAction.Pass,
                }, header, 1, warnings, options);
            }
            if (header.IsAnimated)
            {
                warnings.Add($"'{name}' is an animation of {header.FrameCount} frames; the API takes still images, so only the first frame is sent.");
            }

            int orientation = header.Orientation;
            (int stw, int sth) = orientation >= 5 ? (th, tw) : (tw, th);
            SKSizeI decodeSize = ChooseDecodeSize(codec, header, stw, sth);
            bool alpha = codec.Info.AlphaType != SKAlphaType.Opaque;
            long t0 = Stopwatch.GetTimestamp();
            using SKBitmap decoded = Decode(codec, header, decodeSize, alpha, options.Budget, name, warnings);
            Trace(name, "decode " + decodeSize.Width + "x" + decodeSize.Height, t0);
            return Render(decoded, alpha, orientation, tw, th, header, name, warnings, options);
        }

        private static PreparedImage PrepareWithMagick(byte[] data, string name, ImageFormat format, PrepareOptions options)
        {
            var warnings = new List<string>();
            using MagickDecoded decoded = MagickCodec.Decode(data, name, format, options.Budget, warnings);
            ImageHeader header = decoded.Header;
            // Magick has applied the orientation already: size the target on the upright pixels.
            (int tw, int th) = TargetSize(decoded.Bitmap.Width, decoded.Bitmap.Height, options);
            PreparedImage image = Render(decoded.Bitmap, decoded.HasAlpha, 1, tw, th, header, name, warnings, options);
            image.OrientationApplied = decoded.OrientationApplied;
            return image;
        }

        /// <summary>
        /// The part of the pass-through policy a header alone decides: an API-accepted, still, upright image, in the
        /// requested format, not CMYK, within the target size and the byte cap. Preparing also checks the colour space
        /// and that the file is complete, so a true here can still end in a re-encode; a false never passes.
        /// </summary>
        public static bool HeaderAllowsPassThrough(ImageHeader header, PrepareOptions options)
        {
            if (header is null || options is null)
            {
                throw new ArgumentNullException(header is null ? nameof(header) : nameof(options));
            }
            (int tw, int th) = TargetSize(header.DisplayWidth, header.DisplayHeight, options);
            if (!options.AllowPassThrough || header.Mime is null || header.IsAnimated || header.Orientation != 1
                || header.Width > tw || header.Height > th || header.ByteLength > options.MaxBytes)
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

        private static bool CanPassThrough(ImageHeader header, SKCodec codec, byte[] data, PrepareOptions options)
        {
            if (data.LongLength > options.MaxBytes || !HeaderAllowsPassThrough(header, options))
            {
                return false;
            }
            // A colour profile other than sRGB would be ignored or misread by some consumers: convert it instead.
            // (A PNG tagged only with gAMA about 1/2.2 and cHRM, as ImageMagick writes them, is sRGB in all but name.)
            SKColorSpace? space = codec.Info.ColorSpace;
            bool srgbInAllButName = header.Format == ImageFormat.Png && !header.HasIccProfile
                && header.PngGamma is >= 43000 and <= 48000;
            if (space is not null && !space.IsSrgb && !srgbInAllButName)
            {
                return false;
            }
            return ContainerHeaders.LooksComplete(header.Format, data);
        }

        private static SKSizeI ChooseDecodeSize(SKCodec codec, ImageHeader header, int stw, int sth)
        {
            var full = new SKSizeI(header.Width, header.Height);
            if (header.Format == ImageFormat.Jpeg)
            {
                for (int k = 1; k < 8; k++)
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

        private static SKBitmap Decode(SKCodec codec, ImageHeader header, SKSizeI size, bool alpha, ImageBudget budget,
            string name, List<string> warnings)
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
            var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888,
                alpha ? SKAlphaType.Premul : SKAlphaType.Opaque, s_srgb);
            SKBitmap bitmap = PixelPool.Rent(info) ?? throw ImageProcessingException.TooLarge(name, header.Format,
                $"there is not enough memory for a {size.Width}x{size.Height} decode");
            try
            {
                IntPtr pixels = bitmap.GetPixels();
                var codecOptions = new SKCodecOptions(0);
                SKCodecResult result = codec.StartIncrementalDecode(info, pixels, info.RowBytes, codecOptions);
                if (result == SKCodecResult.Success)
                {
                    result = codec.IncrementalDecode(out int rows);
                    if (result != SKCodecResult.Success)
                    {
                        HandlePartial(result, rows, codec, bitmap, info, header, name, warnings);
                    }
                    return bitmap;
                }
                if (result == SKCodecResult.Unimplemented || result == SKCodecResult.InvalidParameters)
                {
                    result = codec.GetPixels(info, pixels, info.RowBytes, codecOptions);
                    if (result != SKCodecResult.Success)
                    {
                        // GetPixels fills what it could not decode; the row count is unknown.
                        HandlePartial(result, -1, codec, bitmap, info, header, name, warnings);
                    }
                    return bitmap;
                }
                throw Failure(result, header.Format, name);
            }
            catch
            {
                bitmap.Dispose();
                throw;
            }
        }

        private static void HandlePartial(SKCodecResult result, int rows, SKCodec codec, SKBitmap bitmap, SKImageInfo info,
            ImageHeader header, string name, List<string> warnings)
        {
            if (result != SKCodecResult.IncompleteInput && result != SKCodecResult.ErrorInInput)
            {
                throw Failure(result, header.Format, name);
            }
            if (rows == 0)
            {
                throw result == SKCodecResult.IncompleteInput
                    ? ImageProcessingException.Truncated(name, header.Format, "the file ends before the first row of pixels")
                    : ImageProcessingException.DecodeFailed(name, header.Format, "the pixel data is corrupt from the first row");
            }
            if (rows > 0 && rows < info.Height)
            {
                // Incremental decoding leaves rows it did not reach untouched: clear them rather than send garbage.
                int start = codec.ScanlineOrder == SKCodecScanlineOrder.BottomUp ? 0 : rows;
                int count = info.Height - rows;
                unsafe
                {
                    byte* p = (byte*)bitmap.GetPixels() + ((long)start * info.RowBytes);
                    new Span<byte>(p, checked(count * info.RowBytes)).Clear();
                }
            }
            string part = rows > 0 ? $"{rows} of {info.Height} rows" : "part of the image";
            warnings.Add(result == SKCodecResult.IncompleteInput
                ? $"'{name}' ({ImageProcessingException.FormatName(header.Format)}) is truncated: only {part} could be decoded; the rest is blank."
                : $"'{name}' ({ImageProcessingException.FormatName(header.Format)}) has corrupt data: only {part} could be decoded; the rest is blank.");
        }

        internal static ImageProcessingException Failure(SKCodecResult result, ImageFormat format, string name) => result switch
        {
            SKCodecResult.IncompleteInput => ImageProcessingException.Truncated(name, format, "the file ends too early"),
            SKCodecResult.InvalidConversion => ImageProcessingException.Unsupported(name, format,
                "this variant of the format cannot be converted to 8-bit sRGB here; re-save it as PNG or JPEG"),
            _ => ImageProcessingException.DecodeFailed(name, format, $"the decoder reported {result}"),
        };

        private static PreparedImage Render(SKBitmap source, bool alpha, int orientation, int tw, int th, ImageHeader header,
            string name, List<string> warnings, PrepareOptions options)
        {
            // Auto: PNG with transparency; PNG too for a small image from a lossless source (graphics, screenshots,
            // palettes, which JPEG smears) as long as it fits the byte cap; JPEG otherwise.
            PreparedFormat format = options.Format == PreparedFormat.Auto
                ? (alpha || (IsLossless(header) && (long)tw * th <= LosslessPngPixels) ? PreparedFormat.Png : PreparedFormat.Jpeg)
                : options.Format;
            bool pngByChoice = options.Format == PreparedFormat.Auto && !alpha && format == PreparedFormat.Png;
            bool keepAlpha = alpha && format != PreparedFormat.Jpeg;
            long t1 = Stopwatch.GetTimestamp();
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

                Trace(name, "resize", t1);
                t1 = Stopwatch.GetTimestamp();
                int quality = options.Quality;
                byte[] bytes = Encode(final, format, quality, name, header.Format);
                Trace(name, "encode " + format, t1);
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
                string mime = format switch
                {
                    PreparedFormat.Png => "image/png",
                    PreparedFormat.WebP => "image/webp",
                    _ => "image/jpeg",
                };
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

        private static readonly bool s_trace = Environment.GetEnvironmentVariable("VISIONPS_TRACE") == "1";

        private static void Trace(string name, string stage, long start)
        {
            if (s_trace)
            {
                Console.Error.WriteLine($"{Path.GetFileName(name)}: {stage} {(Stopwatch.GetTimestamp() - start) * 1000.0 / Stopwatch.Frequency:0.0} ms");
            }
        }

        /// <summary>Up to this many output pixels, an opaque image from a lossless source is sent as PNG (Auto).</summary>
        internal const long LosslessPngPixels = 1_000_000;

        private static bool IsLossless(ImageHeader header) => header.Format switch
        {
            ImageFormat.Png or ImageFormat.Gif or ImageFormat.Bmp or ImageFormat.Ico or ImageFormat.Tiff => true,
            _ => false,
        };

        private static PreparedImage Finish(PreparedImage image, ImageHeader header, int orientation, List<string> warnings,
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
