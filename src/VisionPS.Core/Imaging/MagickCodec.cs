using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// The formats Skia lacks (TIFF, HEIC/HEIF, AVIF, JPEG XL), through Magick.NET. Everything that touches
    /// ImageMagick types lives in <see cref="MagickBackend"/>, so the Magick.NET assembly and its native library load
    /// only when such a file is actually seen: a JPEG batch never pays for them.
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
            return Guard(() => MagickBackend.Probe(data, name, format), name, format);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static MagickDecoded Decode(byte[] data, string name, ImageFormat format, ImageBudget budget, List<string> warnings)
        {
            IsLoaded = true;
            return Guard(() => MagickBackend.Decode(data, name, format, budget, warnings), name, format);
        }

        private static T Guard<T>(Func<T> work, string name, ImageFormat format)
        {
            try
            {
                return work();
            }
            catch (ImageProcessingException)
            {
                throw;
            }
            catch (Exception ex) when (ex.GetType().FullName?.StartsWith("ImageMagick.", StringComparison.Ordinal) == true)
            {
                string message = ex.Message;
                if (message.IndexOf("width or height exceeds limit", StringComparison.OrdinalIgnoreCase) >= 0
                    || message.IndexOf("cache resources exhausted", StringComparison.OrdinalIgnoreCase) >= 0
                    || message.IndexOf("ResourceLimit", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    throw ImageProcessingException.TooLarge(name, format, "ImageMagick's resource limits refused it: " + FirstLine(message));
                }
                if (message.IndexOf("no decode delegate", StringComparison.OrdinalIgnoreCase) >= 0
                    || message.IndexOf("NoDecodeDelegate", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    throw ImageProcessingException.Unsupported(name, format,
                        "no decoder for this format is available in this build; convert it to PNG or JPEG first");
                }
                if (message.IndexOf("unexpected end", StringComparison.OrdinalIgnoreCase) >= 0
                    || message.IndexOf("insufficient image data", StringComparison.OrdinalIgnoreCase) >= 0
                    || message.IndexOf("truncated", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    throw ImageProcessingException.Truncated(name, format, FirstLine(message));
                }
                throw ImageProcessingException.DecodeFailed(name, format, FirstLine(message), ex);
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is TypeInitializationException || ex is BadImageFormatException
                || ex is System.IO.FileNotFoundException || ex is EntryPointNotFoundException)
            {
                throw ImageProcessingException.Unsupported(name, format,
                    "Magick.NET, which decodes this format, could not be loaded (" + FirstLine(ex.Message) + "); convert the file to PNG or JPEG first");
            }
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
